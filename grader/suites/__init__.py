"""The hidden suites: one pytest file per exercise, run by grader/grade_one.py."""
