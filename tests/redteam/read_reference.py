"""Red team: look for the reference solution or a hidden suite on disk.

Tries where the grader keeps them on the host (the test fills in the repo path, as if
the student knew the layout) and walks the whole visible file system.
"""
import functools
import os

REPO = "@REPO@"
FOUND = ("output_size.py", "test_output_size.py")


@functools.cache  # one walk per worker, not one per graded call
def attack():
    candidates = [os.path.join(REPO, "solutions", "cnn", "output_size.py"),
                  os.path.join(REPO, "grader", "suites", "test_output_size.py")]
    for root, dirs, files in os.walk("/"):
        dirs[:] = [d for d in dirs if os.path.join(root, d) not in ("/proc", "/sys", "/usr", "/dev")]
        candidates += [os.path.join(root, f) for f in files if f in FOUND]
    own = open(__file__).read()  # this file holds the reference too: it doesn't count
    for path in candidates:
        try:
            source = open(path).read()
        except OSError:
            continue
        if source != own and ("BEGIN SOLUTION" in source or "pytest.mark.points" in source):
            return True
    return False
