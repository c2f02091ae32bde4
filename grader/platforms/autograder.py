"""What the Gradescope and PrairieLearn packages share: the kit they carry, their settings,
and grading the one submission a platform hands over.

A package holds ``kit/`` (the repository's tracked files the grader needs: ``grader/``,
``solutions/``, ``pyproject.toml``, ``README.md``, ``kit``; no tests, examples or
generated stubs), ``convkit-autograder.json`` (:class:`PackageSettings`) and the
platform's entry-point scripts (``grader/platforms/scripts/``). The entry point runs
``python -m grader.commands.cli <platform> grade`` with ``kit/`` first on ``PYTHONPATH``,
which grades with :func:`grade_one` and converts the documented grades.json record
(README, "Grading a class") to the platform's results format.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Optional

from grader.course.assignment import EXERCISES, REPO
from grader.grading.discover import is_submission

SETTINGS = "convkit-autograder.json"
SCRIPTS = Path(__file__).with_name("scripts")
# What the grader needs at grading time; everything else in the repository stays out.
KIT_PARTS = ("grader", "solutions", "pyproject.toml", "README.md", "kit")
_SKIPPED = ("__pycache__", ".pyc")


@dataclass(frozen=True)
class PackageSettings:
    """How a package grades: language of the feedback, exercises, run seed (secret: `convkit
    <platform> build` draws one per package), and (Gradescope) when students see each test's details."""

    lang: str = "en"
    exercises: tuple[str, ...] = EXERCISES
    seed: int = 0
    hidden_visibility: str = "after_published"
    budget_s: Optional[float] = None

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def read(cls, path: Path) -> "PackageSettings":
        data = json.loads(path.read_text(encoding="utf-8"))
        data["exercises"] = tuple(data["exercises"])
        return cls(**data)


def kit_files(repo: Path = REPO) -> list[Path]:
    """The kit's files, relative to ``repo``: git-tracked ones when ``repo`` is a checkout
    (so local scratch files never ship), else every file under :data:`KIT_PARTS`."""
    try:
        listed = subprocess.run(["git", "-C", str(repo), "ls-files", "-z", "--", *KIT_PARTS],
                                capture_output=True, check=True).stdout.decode("utf-8")
        files = [Path(name) for name in listed.split("\0") if name]
    except (OSError, subprocess.CalledProcessError):
        files = [p.relative_to(repo) for part in KIT_PARTS for p in sorted((repo / part).rglob("*"))
                 if p.is_file()] + [Path(part) for part in KIT_PARTS if (repo / part).is_file()]
    return sorted(f for f in files if (repo / f).is_file() and not any(s in str(f) for s in _SKIPPED))


def copy_kit(dest: Path, repo: Path = REPO) -> int:
    """Copy :func:`kit_files` into ``dest`` (created); the number of files copied."""
    files = kit_files(repo)
    for relative in files:
        (dest / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo / relative, dest / relative)
    return len(files)


def pinned_torch(repo: Path = REPO) -> str:
    """The ``torch==... torchvision==...`` requirements of pyproject.toml (one source of truth)."""
    # A regular expression, not tomllib: instructors may build on Python 3.10.
    pins = re.findall(r'"(torch(?:vision)?==[^"]+)"', (repo / "pyproject.toml").read_text(encoding="utf-8"))
    if len(pins) != 2:
        raise ValueError(f"{repo / 'pyproject.toml'}: expected pinned torch and torchvision, found {pins}")
    return " ".join(pins)


def script(name: str, **fields: str) -> str:
    """A script of grader/platforms/scripts with its ``@FIELD@`` placeholders filled in."""
    text = (SCRIPTS / name).read_text(encoding="utf-8")
    for key, value in fields.items():
        text = text.replace(f"@{key.upper()}@", value)
    return text


def find_submission(folder: Path) -> Optional[Path]:
    """The folder holding the exercise files: ``folder`` itself, else the shallowest
    subfolder that holds some (an uploaded zip often wraps them in one folder); None if none."""
    if is_submission(folder):
        return folder
    candidates = sorted((p for p in folder.rglob("*") if p.is_dir() and not p.name.startswith((".", "_"))
                         and is_submission(p)), key=lambda p: (len(p.parts), str(p)))
    return candidates[0] if candidates else None


def safe_id(raw: object, default: str = "student") -> str:
    """A student id usable as a file name (the platform's id only seeds the random tests)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.@-]", "_", str(raw or ""))[:64].lstrip(".")
    return cleaned or default


@dataclass(frozen=True)
class Graded:
    """One graded submission: its grades.json record and its Markdown feedback file."""

    record: dict  # one element of grades.json's "submissions"
    feedback_md: str  # feedback/<student>.md: every test's message and the notes, filtered
    seconds: float


class GraderFailure(RuntimeError):
    """The grader itself could not grade the submission (a bug or a dead process)."""


def grade_one(folder: Path, student: str, settings: PackageSettings) -> Graded:
    """Grade the submission in ``folder`` with the isolated grader (worker processes, budget,
    watchdog), as ``convkit grade`` does, and read back its documented outputs.

    Raises:
        GraderFailure: the grader failed on this submission (not a student error).
    """
    import time

    from grader.grading.cache import Settings
    from grader.grading.class_run import grade_class
    from grader.grading.outputs import student_file

    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="convkit-grade-") as work:
        out = Path(work)
        run = grade_class({student: folder}, out, Settings(seed=settings.seed, lang=settings.lang,
                                                             exercises=tuple(settings.exercises),
                                                             budget_s=settings.budget_s),
                          jobs=1, progress=False)
        if student in run.failed:
            raise GraderFailure(run.failed[student])
        record = next(s for s in run.document["submissions"] if s["student"] == student)
        feedback = (out / "feedback" / f"{student_file(student)}.md").read_text(encoding="utf-8")
    return Graded(record=record, feedback_md=feedback, seconds=time.monotonic() - start)


def fence(text: str) -> str:
    """``text`` as a Markdown code block whose fence no line of ``text`` can close."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}text\n{text}\n{ticks}"


def metadata_id(path: Path) -> str:
    """The submitter's id from a platform's metadata JSON (Gradescope's users[0].id), else "student"."""
    try:
        users = json.loads(path.read_text(encoding="utf-8")).get("users") or [{}]
        return safe_id(users[0].get("id") or users[0].get("email"))
    except (OSError, ValueError, AttributeError, IndexError):
        return "student"
