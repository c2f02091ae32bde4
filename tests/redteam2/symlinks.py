"""The exercise file is a symlink to /etc/passwd; another file links to a 64 GB sparse file.

Before: the grading process followed them while hashing (reading 64 GB), and a symlink
to a secret would have been hashed, copied or parsed.
"""
import os
from pathlib import Path

from _reference import write


def build(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    huge = folder.parent / f".{folder.name}-huge.bin"
    with open(huge, "wb") as handle:
        handle.truncate(64 << 30)  # sparse: costs no disk
    os.symlink("/etc/passwd", folder / "output_size.py")
    os.symlink(huge, folder / "weights.bin")
    write(folder, "helper.py", "VALUE = 1\n")
