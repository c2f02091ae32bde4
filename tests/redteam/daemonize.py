"""Red team: leave daemonised grandchildren behind (double fork + setsid), at import.

The grandchild names itself with a token (filled in by the test) so the test can look
for it in the host's process table after grading. The exercise code itself is the
reference's (appended by the test).
"""
import os
import sys

TOKEN = "@TOKEN@"

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv(sys.executable, [sys.executable, "-c", "import time; time.sleep(600)", TOKEN])
    os._exit(0)
os.wait()
