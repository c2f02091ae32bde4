"""A 20 MB exception message, a 1 MB exception type name, a 5 MB traceback line.

Before: kept whole, they made the grading process hold and write hundreds of MB.
"""
from pathlib import Path

from _reference import source, write

CODE = '''

_Huge = type("T" * (1 << 20), (Exception,), {})


def calculate_out(*args, **kwargs):
    raise _Huge("m" * (20 << 20))
'''


def build(folder: Path) -> None:
    write(folder, "output_size.py", source("output_size") + CODE)
