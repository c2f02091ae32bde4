"""The exercise file and a data file are FIFOs (named pipes) with no writer.

Before: reading one blocked the grading process forever (hashing, static check).
"""
import os
from pathlib import Path


def build(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    os.mkfifo(folder / "maxpool.py")
    os.mkfifo(folder / "data.npy")
    (folder / "output_size.py").write_text(
        "def calculate_out(*args, **kwargs):\n    return open('data.npy').read()\n", encoding="utf-8")
