"""The ``convkit`` command line: argument parsing and exit codes only.
"""
