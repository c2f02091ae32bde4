"""What a grading run leaves in its output folder, written so that no file is ever half-written.

- ``grades.json``: ``{"assignment", "max_score", "submissions": [{"student", "score",
  "max_score", "exercises": {name: {"score", "max_score", "tests": [{"name", "score",
  "max_score", "status", "message"}]}}, "status"}]}``, one entry per discovered folder,
  sorted by student (``status``: ``graded``, ``no exercise files``, ``could not grade: <reason>``).
- ``grades.csv``: one row per folder: student, each exercise's score, total, max, status.
- ``feedback/<student>.html`` (one self-contained file, figures embedded) and
  ``feedback/<student>.md`` with its figures in ``feedback/<student>.figures/``.
- ``report.html`` and ``report.md``: the class report (grader/grading/report.py).

Grading one student into a folder that holds a class keeps the other students' rows:
rows come from this run's results, then from ``grades.json``'s rows and the stored
results (``.results/``) of the students this run did not see. Every file goes through
:func:`write_atomic` (temporary file, fsync, ``os.replace``), so a crash at any moment
leaves either the old file or the new one. The pages are rendered from the jinja2
templates in grader/grading/templates/ (see grader/grading/feedback.py).
"""
from __future__ import annotations

import csv
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


class OutputError(OSError):
    """The output folder cannot be written; the message names the folder and the cause."""


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write ``path`` so that readers see the old content or the new one, never a mix.

    The data goes to a temporary file in the same folder, is flushed to disk, and then
    replaces ``path`` in one ``os.replace``; the folder is synced so the rename survives
    a power cut.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            os.fchmod(handle.fileno(), _FILE_MODE)
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
        reason = error.strerror or str(error)
        raise OutputError(f"output folder {folder} is not usable: {reason}; nothing was graded") from error


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


def grades_csv(document: dict, exercises: Sequence[str]) -> str:
    """grades.csv text: header ``student,<exercise>...,total,max,status`` then one row per folder."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", *exercises, "total", "max", "status"])
    for sub in document["submissions"]:
        scores = [number(sub["exercises"][name]["score"]) if name in sub["exercises"] else "" for name in exercises]
        writer.writerow([sub["student"], *scores, number(sub["score"]), number(sub["max_score"]), sub["status"]])
    return buffer.getvalue()


def previous_rows(out: Path) -> dict[str, SubmissionResult]:
    """The rows of ``out``'s grades.json, each replaced by its stored record when there is one.

    What a run keeps of the students it did not see. Unreadable files count as absent.
    """
    from grader.grading.cache import stored_record

    try:
        document = json.loads((out / "grades.json").read_text(encoding="utf-8"))
        rows = {str(s["student"]): s for s in document["submissions"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    kept: dict[str, SubmissionResult] = {}
    for student, row in rows.items():
        try:
            record = stored_record(out, student)
            kept[student] = SubmissionResult.from_json(record if record is not None else row)
        except ValueError:
            continue
    return kept


def write_outputs(out: Path, results: Sequence["SubmissionResult | Mapping"], exercises: Sequence[str], lang: str,
                  *, keep_others: bool = True) -> dict:
    """Write feedback and the report, then grades.csv, then grades.json; returns the document.

    With ``keep_others``, the rows of students already in ``out`` that ``results`` lacks are
    kept (grading one student into a class's folder). grades.json goes last, so its
    presence means every other file of the run is complete.
    """
    from grader.grading.feedback import write_pages

    typed_results = {r.student: r for r in (typed(r, lang) for r in results)}
    if keep_others:
        typed_results = {**previous_rows(out), **typed_results}
    everyone = [typed_results[s] for s in sorted(typed_results)]
    write_pages(out, everyone, exercises, lang)
    document = grades_document(everyone, lang=lang)
    write_atomic(out / "grades.csv", grades_csv(document, exercises))
    write_atomic(out / "grades.json", grades_json(document))
    return document


def rerender(out: Path, lang: str) -> list[SubmissionResult]:
    """Write ``out``'s feedback and class report again in ``lang``, from its stored results.

    Nothing is regraded: the rows come from grades.json and the results stored in
    ``out/.results`` (which hold every message in every catalog language).

    Raises:
        OutputError: ``out`` holds no readable grades.json.
    """
    from grader.course.assignment import EXERCISES
    from grader.grading.feedback import write_pages

    if not (out / "grades.json").is_file():
        raise OutputError(f"{out} holds no grades.json: grade the class into it first (convkit grade ... --out {out})")
    rows = previous_rows(out)
    if not rows:
        raise OutputError(f"{out / 'grades.json'} could not be read or lists no submission")
    results = [rows[s] for s in sorted(rows)]
    present = {name for r in results for name in r.exercises}
    write_pages(out, results, [e for e in EXERCISES if e in present], lang)
    return results
