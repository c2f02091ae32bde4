"""30,000 files besides correct exercise files whose names sort last.

Before: the first-200-files cap dropped the exercise files (0 points for correct work)
and each skipped file added a note (feedback growing quadratically).
"""
from pathlib import Path

from _reference import source, write


def build(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(30_000):
        (folder / f"aaa_{i:05d}.txt").write_bytes(b"x")
    write(folder, "output_size.py", source("output_size"))
