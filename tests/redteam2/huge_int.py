"""Return 10**400 (too large for int64, fine for Python's JSON) and 10**5000 (too large
for int() of its digits).

Before: an uncaught error on the grading side dropped the submission and failed the run.
"""
from pathlib import Path

from _reference import source, write

CODE = '''

_calls = [0]


def calculate_out(*args, **kwargs):
    _calls[0] += 1
    return 10 ** 400 if _calls[0] % 2 else 10 ** 5000
'''


def build(folder: Path) -> None:
    write(folder, "output_size.py", source("output_size") + CODE)
