"""The result cache: each finished grade stored at once, keyed by what it depends on.

A grade is stored atomically in ``DIR/.results/<student>.json`` (the name
``outputs.student_file`` gives the id) with a key hashing the submission's files (every
file the worker receives, code or not, chosen and read as
grader/isolation/submission_files.py says: regular files only, capped), the grading engine
(grading side, suites, isolation, worker runtime, course definition) and the reference
solutions, the seed, the exercise set, the time budget, the MNIST data root and
``--cascade``. Not the language: a result holds its messages in every catalog language
(grader/grading/results.py), so ``--lang`` re-renders without regrading. A re-run reuses every result whose key
still matches, so an interrupted run loses nothing it had finished.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

from grader.course.assignment import EXERCISES, REPO, SOLUTIONS
from grader.isolation import submission_files
from grader.grading.outputs import student_file, write_atomic

RESULTS = ".results"
# The API's seed and the kit's own runs' (demo, documented example scores, mutants, tests);
# `convkit grade` has none by default: the output folder's secret one (run_seed.py).
DEFAULT_SEED = 0
# What can change a grade: authoring, platforms and commands are left out, so editing
# the stub generator or a command's help does not regrade a class.
ENGINE = ("grading", "suites", "isolation", "runtime", "course")

def _hash_files(digest: "hashlib._Hash", files: Iterable[Path], root: Path) -> None:
    for file in sorted(files):
        digest.update(str(file.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())


def _hash_submission(digest: "hashlib._Hash", folder: Path) -> None:
    """Hash exactly what the worker receives: every selected regular file, never through a link."""
    budget = submission_files.MAX_BYTES
    for name in sorted(submission_files.select(folder).files):
        data = submission_files.read_regular(folder / name, budget)
        # os.fsencode: a name that is not valid UTF-8 hashes as its bytes.
        digest.update(os.fsencode(name) + b"\0")
        digest.update(b"-" if data is None else hashlib.sha256(data).digest())
        budget -= len(data or b"")


def grader_version() -> str:
    """A hash of the grading engine's and the reference solutions' source: any change regrades."""
    digest = hashlib.sha256()
    engine = [file for part in ENGINE for file in (REPO / "grader" / part).rglob("*.py")]
    _hash_files(digest, [*engine, *SOLUTIONS.glob("*.py")], REPO)
    return digest.hexdigest()


@dataclass(frozen=True)
class Settings:
    """Everything besides the submission's files that a grade depends on."""

    seed: int = DEFAULT_SEED
    lang: str = "en"
    exercises: tuple[str, ...] = EXERCISES
    budget_s: Optional[float] = None
    data_root: Optional[str] = None  # MNIST files for the mnist exercise; None: the offline sample
    cascade: bool = False  # earlier exercises: the student's own (True) or correct stand-ins


def result_key(folder: Path, settings: Settings, version: str) -> str:
    """The cache key of one submission's grade under ``settings`` and grader ``version``."""
    digest = hashlib.sha256()
    config = {"version": version, "seed": settings.seed,
              "exercises": list(settings.exercises), "budget_s": settings.budget_s,
              "data_root": settings.data_root, "cascade": settings.cascade}
    digest.update(json.dumps(config, sort_keys=True).encode())
    _hash_submission(digest, Path(folder))
    return digest.hexdigest()


def _result_path(out: Path, student: str) -> Path:
    return out / RESULTS / f"{student_file(student)}.json"


def load_result(out: Path, student: str, key: str) -> Optional[dict]:
    """The stored result of ``student`` if its key is ``key``; None if absent, stale or unreadable."""
    try:
        stored = json.loads(_result_path(out, student).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stored["result"] if isinstance(stored, dict) and stored.get("key") == key else None


def stored_record(out: Path, student: str) -> Optional[dict]:
    """The last stored result of ``student`` whatever its key (None if absent or unreadable)."""
    try:
        stored = json.loads(_result_path(out, student).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stored.get("result") if isinstance(stored, dict) and isinstance(stored.get("result"), dict) else None


def store_result(out: Path, student: str, key: str, result: dict) -> None:
    """Store one finished grade atomically, so a kill right after keeps it."""
    write_atomic(_result_path(out, student), json.dumps({"key": key, "result": result}, ensure_ascii=False))


def remove_stale_temporaries(out: Path) -> None:
    """Delete temporary files left by a run killed in the middle of an atomic write."""
    for folder in (out, out / "feedback", out / RESULTS):
        if folder.is_dir():
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)

