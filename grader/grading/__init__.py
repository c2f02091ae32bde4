"""The trusted grading engine: discovery, the result cache, the class run, grading one
submission through a worker, comparing values, the static forbidden-routine check and
the outputs. Nothing here runs student code.
"""
