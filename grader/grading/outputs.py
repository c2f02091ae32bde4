"""What a grading run leaves in its output folder, written so that no file is ever half-written.

- ``grades.json``: ``{"assignment", "max_score", "submissions": [{"student", "score",
  "max_score", "exercises": {name: {"score", "max_score", "tests": [{"name", "score",
  "max_score", "status", "message"}]}}, "status"}]}``, one entry per discovered folder,
  sorted by student (``status``: ``graded``, ``no exercise files``, ``could not grade: <reason>``).
- ``grades.csv``: one row per folder: student, each exercise's score, total, max, status.
- ``feedback/<student>.html`` (one self-contained file, figures embedded) and
  ``feedback/<student>.md`` with its figures in ``feedback/<student>.figures/``;
  ``<student>`` is :func:`student_file`'s name for the id, which fits any file system.
- ``report.html`` and ``report.md``: the class report (grader/grading/report.py).

grader/grading/publish.py writes them all (and keeps the other students' rows when one
student is graded into a class's folder). Every file goes through
:func:`write_atomic` (temporary file, fsync, ``os.replace``), so a crash at any moment
leaves either the old file or the new one. The pages are rendered from the jinja2
templates in grader/grading/templates/ (grader/grading/feedback.py, report.py).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Iterable, Mapping, Sequence

from grader.course.assignment import ASSIGNMENT
from grader.grading.results import Status, SubmissionResult

STATUSES = tuple(status.value for status in Status)


# mkstemp creates files readable by their owner only; outputs get the usual permissions.
_UMASK = os.umask(0)
os.umask(_UMASK)
_FILE_MODE = 0o666 & ~_UMASK


# The longest name written for a student is an atomic write's temporary file,
# ".<name>.figures.XXXXXXXX.tmp" at most: a name of this many UTF-8 bytes keeps it within
# the 255 bytes file systems allow, whatever the folder the student's id came from.
STUDENT_FILE_BYTES = 200


def student_file(student: str) -> str:
    """The name every output file of ``student`` starts with: the id itself when its UTF-8
    fits in ``STUDENT_FILE_BYTES``, else its start, a dash and a hash of the whole id (so
    two long ids that share their start still get different files).

    >>> student_file("ana")
    'ana'
    >>> name = student_file("é" * 127 + "x")  # a 255-byte folder name
    >>> len(name.encode()), name[:3], name == student_file("é" * 127 + "y")
    (199, 'ééé', False)
    """
    raw = student.encode("utf-8", "surrogatepass")
    if len(raw) <= STUDENT_FILE_BYTES:
        return student
    digest = hashlib.sha256(raw).hexdigest()[:16]
    head = raw[: STUDENT_FILE_BYTES - len(digest) - 1].decode("utf-8", "ignore")
    return f"{head}-{digest}"


class OutputError(OSError):
    """The output folder cannot be written; the message names the folder and the cause."""


def write_atomic(path: Path, data: str | bytes, mode: int = _FILE_MODE) -> None:
    """Write ``path`` so that readers see the old content or the new one, never a mix.

    The data goes to a temporary file in the same folder, is flushed to disk, and then
    replaces ``path`` in one ``os.replace``; the folder is synced so the rename survives
    a power cut. ``mode``: the file's permissions (default: the usual ones, under the umask).
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), mode)
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _sync_dir(path.parent)


def _sync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms cannot open folders; the rename is still atomic
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def probe_writable(folder: Path, size: int = 256 * 1024) -> None:
    """Create ``folder`` and write then delete ``size`` bytes in it, before any grading.

    Raises:
        OutputError: the folder cannot be created, is not writable, or is full.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / ".convkit-write-probe", b"\0" * size)
        (folder / ".convkit-write-probe").unlink()
    except OSError as error:
        raise unusable(folder, error) from error


def unusable(folder: Path, error: OSError) -> OutputError:
    """The error saying why the output folder ``folder`` cannot be used (``error`` the cause)."""
    return OutputError(f"output folder {folder} is not usable: {error.strerror or error}; nothing was graded")


def typed(result: "SubmissionResult | Mapping", lang: str = "en") -> SubmissionResult:
    """``result`` as a ``SubmissionResult`` (a dict is read with ``SubmissionResult.from_json``)."""
    return result if isinstance(result, SubmissionResult) else SubmissionResult.from_json(result, lang)


def submission_record(result: "SubmissionResult | Mapping", lang: str | None = None) -> dict:
    """One submission in the grades.json schema, keys in schema order, messages in ``lang``."""
    return typed(result).to_json(lang)


def grades_document(results: Iterable["SubmissionResult | Mapping"], assignment: str = ASSIGNMENT,
                    lang: str | None = None) -> dict:
    """The whole grades.json object: one entry per folder, sorted by student."""
    submissions = sorted((submission_record(r, lang) for r in results), key=lambda s: s["student"])
    max_score = max((s["max_score"] for s in submissions), default=0.0)
    return {"assignment": assignment, "max_score": max_score, "submissions": submissions}


def grades_json(document: dict) -> str:
    """Stable text for grades.json: fixed key order, two-space indent, final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def number(value: float) -> str:
    """A score as people write it: ``7``, ``7.5``, ``0.25`` (no trailing zeros)."""
    return f"{round(value, 4):g}"


# A spreadsheet runs a cell that starts with one of these as a formula (=HYPERLINK(...),
# =cmd|...): a student id (a folder name) is text, so it gets a leading apostrophe (OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_text(value: str) -> str:
    """``value`` as a CSV cell that a spreadsheet shows as text, never evaluates."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def grades_csv(document: dict, exercises: Sequence[str]) -> str:
    """grades.csv text: header ``student,<exercise>...,total,max,status`` then one row per folder
    (a student id that a spreadsheet would read as a formula starts with an apostrophe)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", *exercises, "total", "max", "status"])
    for sub in document["submissions"]:
        scores = [number(sub["exercises"][name]["score"]) if name in sub["exercises"] else "" for name in exercises]
        writer.writerow([spreadsheet_text(sub["student"]), *scores, number(sub["score"]), number(sub["max_score"]), sub["status"]])
    return buffer.getvalue()
