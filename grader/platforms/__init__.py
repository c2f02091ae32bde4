"""Where grades go besides convkit's own outputs (docs/platforms.md): the nbgrader course
and its gradebook (nbgrader_course, gradebook), the Gradescope and PrairieLearn packages
(autograder, gradescope, prairielearn; schemas/ and scripts/ hold their results' JSON
Schemas and entry points) and the LMS exports (lms).
"""
