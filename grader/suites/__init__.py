"""The hidden suites: one pytest file per exercise, run by grader/grading/submission.py."""
