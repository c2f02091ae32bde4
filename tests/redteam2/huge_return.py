"""Return values built to blow up the grading process: 10 million list items, a 100 MB
string, 900,000 list items, a dict of 300,000 keys.

Before: the grading process parsed and described them element by element (GBs of
memory, hundreds of MB of feedback).
"""
from pathlib import Path

from _reference import source, write

CODE = '''

_calls = [0]


def calculate_out(*args, **kwargs):
    # Replies within the wire's bounds first; the last one is past them (the worker is
    # then treated as broken and this function is not called again).
    _calls[0] += 1
    if _calls[0] == 1:
        return "s" * (100 << 20)
    if _calls[0] == 2:
        return [7] * 900_000
    if _calls[0] == 3:
        return {str(i): [i] for i in range(300_000)}
    return [0] * 10_000_000
'''


def build(folder: Path) -> None:
    write(folder, "output_size.py", source("output_size") + CODE)
