"""Where grades go besides convkit's own outputs: the nbgrader course and its gradebook.
"""
