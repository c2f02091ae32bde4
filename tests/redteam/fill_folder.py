"""Red team: fill /tmp and the working folder until the disk is full, at import.

The import then fails on purpose, which must cost this exercise only; the message
says how much could be written (at most 1 GiB per folder even without a sandbox).
"""
import os

chunk = b"x" * (1 << 20)
written = 0
for folder in ("/tmp", "."):
    try:
        for i in range(1024):
            with open(os.path.join(folder, f"filler{i}"), "wb") as out:
                out.write(chunk)
            written += len(chunk)
    except OSError:
        pass
raise RuntimeError(f"filled the disk after writing {written >> 20} MiB")
