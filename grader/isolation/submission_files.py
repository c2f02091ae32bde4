"""Which of a submission's files the grading side reads, and how: regular files only, capped.

A submission folder is untrusted: it may hold symlinks (to ``/etc/passwd``, to a huge
file), FIFOs and devices (reading them blocks or never ends), files whose names are not
valid UTF-8, tens of thousands of files, or one enormous file. Every place the grading
side touches a submission's files goes through this module: the worker's copy
(grader/isolation/launch.py), the cache key (grader/grading/cache.py) and the static check
(grader/grading/forbidden.py). The rules:

- only regular files at the top level are taken; a file is opened with ``O_NOFOLLOW``
  and ``O_NONBLOCK`` and checked with ``fstat`` on the open descriptor, so a symlink or a
  special file swapped in after the listing is still refused;
- the exercise files (``<exercise>.py``/``.ipynb``) are taken first, then the other files
  in name order, up to ``MAX_FILES`` files and ``MAX_BYTES`` bytes in all, so a flood of
  files cannot push the real work out;
- folders are left out silently (``__pycache__``, ``.ipynb_checkpoints``); every other
  file left out is counted, for one note per submission;
- at most ``MAX_SCANNED`` directory entries are looked at.
"""
from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

from grader.course.assignment import EXERCISES
from grader.runtime.notebook_import import MODULE_SUFFIXES as SUBMISSION_SUFFIXES

MAX_BYTES = 50 << 20
MAX_FILES = 200
MAX_SCANNED = 100_000


@dataclass(frozen=True)
class Selection:
    """The files taken from a submission folder and those left out."""

    files: tuple[str, ...]  # names as os.listdir gives them (undecodable bytes as surrogates)
    skipped: tuple[str, ...]  # names left out, in order (the first few are named in the note)
    skipped_count: int  # may exceed len(skipped) when the folder was too large to list


def exercise_names() -> tuple[str, ...]:
    """The file names the grader looks for, in exercise order: ``output_size.py``, ``output_size.ipynb``..."""
    return tuple(f"{name}{suffix}" for name in EXERCISES for suffix in SUBMISSION_SUFFIXES)


def _regular_size(path: Path) -> int | None:
    """The size of ``path`` if it is a regular file itself (not through a symlink), else None."""
    try:
        info = os.lstat(path)
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return None
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def select(folder: Path) -> Selection:
    """The regular top-level files of ``folder`` to grade with: exercise files first, then the rest."""
    folder = Path(folder)
    files: list[str] = []
    skipped: list[str] = []
    total = 0
    extra = 0

    def consider(name: str, size: int | None) -> None:
        nonlocal total
        if size is None or len(files) >= MAX_FILES or total + size > MAX_BYTES:
            skipped.append(name)
            return
        files.append(name)
        total += size

    exercise_files = exercise_names()
    for name in exercise_files:
        if os.path.lexists(folder / name):
            consider(name, _regular_size(folder / name))
    others: list[str] = []
    try:
        with os.scandir(folder) as entries:
            for count, entry in enumerate(entries):
                if count >= MAX_SCANNED:
                    extra += 1
                    continue
                if entry.name in exercise_files:
                    continue
                try:
                    if entry.is_dir(follow_symlinks=False):
                        continue
                except OSError:
                    pass
                others.append(entry.name)
    except OSError:
        pass
    for name in sorted(others):
        consider(name, _regular_size(folder / name))
    return Selection(tuple(files), tuple(skipped[:MAX_FILES]), len(skipped) + extra)


def read_regular(path: Path, limit: int) -> bytes | None:
    """The content of ``path`` if it is a regular file of at most ``limit`` bytes, else None.

    Never follows a symlink, never blocks on a FIFO or device, never reads past ``limit``.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except (OSError, ValueError):
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        chunks, left = [], limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
        return data if len(data) <= limit else None  # it grew while being read
    except OSError:
        return None
    finally:
        os.close(fd)
