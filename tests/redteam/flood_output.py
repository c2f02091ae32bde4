"""Red team: flood stdout and stderr with fake test results, at import and per call.

The exercise code itself is the reference's (appended by the test).
"""
import sys

FAKE = "tests/test_output_size.py::test_all PASSED  score 100/100\n"
for _ in range(200):
    sys.stdout.write(FAKE * 2000)
    sys.stderr.write(FAKE * 2000)
