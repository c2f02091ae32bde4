"""A submission folder and files whose names are not valid UTF-8 (beside a correct exercise file).

Before: hashing the submission for the cache encoded the name and raised, failing the run;
the student id taken from the folder name could not be written to the outputs.
"""
import os
from pathlib import Path

from _reference import source, write


FOLDER = b"non_utf8_name_\xff"  # the test names the submission folder with these bytes


def build(folder: Path) -> None:
    write(folder, "output_size.py", source("output_size"))
    for name in (b"caf\xe9.py", b"\xff\xfe notes.txt"):
        with open(os.path.join(os.fsencode(folder), name), "wb") as handle:
            handle.write(b"x = 1\n")
