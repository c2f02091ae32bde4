"""Which folders are submissions, and whose.

A PATH holding exercise files directly (``output_size.py``, ``maxpool.ipynb``, ...) is
one submission whose student id is the folder's name; any other PATH is a folder of
submissions, one per subfolder (hidden ``.x`` and ``_x`` subfolders are ignored;
subfolders without any exercise file are reported and skipped).
"""
from __future__ import annotations

from pathlib import Path
from typing import Optional, Sequence

from grader.course.assignment import EXERCISES
from grader.isolation.submission_files import SUBMISSION_SUFFIXES
from grader.isolation.untrusted import untrusted_name


class DiscoveryError(ValueError):
    """Paths that name no gradable submission: missing, empty, or duplicate student ids."""


def is_submission(folder: Path) -> bool:
    """Whether ``folder`` holds at least one exercise file (``<exercise>.py`` or ``.ipynb``)."""
    try:
        return any((folder / f"{name}{suffix}").is_file() for name in EXERCISES for suffix in SUBMISSION_SUFFIXES)
    except OSError:  # e.g. a folder that cannot be read: not a submission
        return False


def _is_dir(child: Path) -> bool:
    try:
        return child.is_dir()
    except OSError:
        return False


def _subfolders(folder: Path, exclude: Optional[Path]) -> list[Path]:
    return sorted(
        child for child in folder.iterdir()
        if _is_dir(child) and child.name[0] not in "._" and (exclude is None or child.resolve() != exclude)
    )


def discover(paths: Sequence[Path], out: Optional[Path] = None) -> dict[str, Path]:
    """Map each student id to its submission folder, following the discovery rules.

    Args:
        paths: the PATH arguments, in the order given.
        out: the output folder, never taken for a submission.

    Raises:
        DiscoveryError: a path does not exist or is not a folder, a folder holds no
            submission, or two submissions have the same student id.
    """
    exclude = out.resolve() if out is not None else None
    found: dict[str, Path] = {}
    for path in paths:
        if not path.exists():
            raise DiscoveryError(f"{path}: no such file or folder")
        if not path.is_dir():
            raise DiscoveryError(f"{path}: expected a submission folder or a folder of submissions, got a file")
        folders = [path] if is_submission(path) else [f for f in _subfolders(path, exclude) if is_submission(f)]
        if not folders:
            names = ", ".join(f"{name}.py/.ipynb" for name in EXERCISES[:2])
            raise DiscoveryError(
                f"{path}: no submissions found: neither it nor any subfolder holds an exercise file ({names}, ...)"
            )
        for folder in folders:
            # The id names output files and fills reports: valid text even if the name is not.
            student = untrusted_name(folder.resolve().name)
            if student in found:
                raise DiscoveryError(f"duplicate student id {student!r}: {found[student]} and {folder}")
            found[student] = folder
    return found


def ignored_subfolders(paths: Sequence[Path], out: Optional[Path] = None) -> list[Path]:
    """Subfolders of folders-of-submissions that hold no exercise file (reported, not graded)."""
    exclude = out.resolve() if out is not None else None
    return [
        child for path in paths if path.is_dir() and not is_submission(path)
        for child in _subfolders(path, exclude) if not is_submission(child)
    ]

