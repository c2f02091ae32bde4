"""What a grading run leaves in its output folder, written so that no file is ever half-written.

- ``grades.json``: ``{"assignment", "max_score", "submissions": [{"student", "score",
  "max_score", "exercises": {name: {"score", "max_score", "tests": [{"name", "score",
  "max_score", "status", "message"}]}}}]}``, submissions sorted by student.
- ``grades.csv``: one row per submission: student, each exercise's score, total, max.
- ``feedback/<student>.md`` and ``feedback/<student>.html``: every test's result and
  message, in the course language.

Every file goes through :func:`write_atomic` (temporary file, fsync, ``os.replace``), so a
crash at any moment leaves either the old file or the new one. The headings of the
feedback are grader/course/messages.py's ``feedback_*`` entries (the test messages themselves
come translated from the grader).
"""
from __future__ import annotations

import csv
import html
import io
import json
import os
import tempfile
from pathlib import Path
from typing import Iterable, Sequence

from grader.course import messages
from grader.course.assignment import ASSIGNMENT, REPO

STATUSES = ("passed", "failed", "error", "timeout", "forbidden")

# Lines that could only come from the grader's own files (a traceback through a hidden
# suite or a reference solution) are dropped from feedback: students never see them.
_PRIVATE_DIRS = tuple(str(REPO / part) for part in ("grader", "solutions"))


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


def _exercise(result: dict, where: str) -> dict:
    return {
        "score": float(result["score"]),
        "max_score": float(result["max_score"]),
        "tests": [_test(test, where) for test in result["tests"]],
    }


def _test(test: dict, where: str) -> dict:
    if test["status"] not in STATUSES:
        raise ValueError(f"{where}: test {test.get('name')!r} has status {test['status']!r}, expected one of {STATUSES}")
    return {
        "name": str(test["name"]),
        "score": float(test["score"]),
        "max_score": float(test["max_score"]),
        "status": test["status"],
        "message": str(test["message"]),
    }


def submission_record(result: dict) -> dict:
    """One submission in the grades.json schema, keys in schema order.

    ``result`` is what ``grade_submission`` returns; its extra keys (``notes``) are left
    out, and a missing key raises ``KeyError``/``ValueError`` naming the student.
    """
    where = f"grade_submission result for {result.get('student')!r}"
    try:
        return {
            "student": str(result["student"]),
            "score": float(result["score"]),
            "max_score": float(result["max_score"]),
            "exercises": {name: _exercise(ex, f"{where}, exercise {name}") for name, ex in result["exercises"].items()},
        }
    except KeyError as missing:
        raise KeyError(f"{where} lacks the key {missing}") from None


def grades_document(results: Iterable[dict], assignment: str = ASSIGNMENT) -> dict:
    """The whole grades.json object: submissions sorted by student."""
    submissions = sorted((submission_record(r) for r in results), key=lambda s: s["student"])
    max_score = max((s["max_score"] for s in submissions), default=0.0)
    return {"assignment": assignment, "max_score": max_score, "submissions": submissions}


def grades_json(document: dict) -> str:
    """Stable text for grades.json: fixed key order, two-space indent, final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def number(value: float) -> str:
    """A score as people write it: ``7``, ``7.5``, ``0.25`` (no trailing zeros)."""
    return f"{round(value, 4):g}"


def grades_csv(document: dict, exercises: Sequence[str]) -> str:
    """grades.csv text: header ``student,<exercise>...,total,max`` then one row per submission."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["student", *exercises, "total", "max"])
    for sub in document["submissions"]:
        scores = [number(sub["exercises"][name]["score"]) if name in sub["exercises"] else "" for name in exercises]
        writer.writerow([sub["student"], *scores, number(sub["score"]), number(sub["max_score"])])
    return buffer.getvalue()


def _public(message: str) -> str:
    return "\n".join(line for line in message.splitlines() if not any(d in line for d in _PRIVATE_DIRS))


def feedback_markdown(result: dict, lang: str, assignment: str = ASSIGNMENT) -> str:
    """A submission's feedback as Markdown: totals, then each exercise's tests and messages."""
    sub = submission_record(result)
    lines = [
        f"# {messages.text('feedback_title', lang, student=sub['student'])}",
        "",
        f"{messages.text('feedback_assignment', lang)}: `{assignment}` — "
        f"**{messages.text('feedback_total', lang)}: {number(sub['score'])} / {number(sub['max_score'])}**",
        "",
    ]
    for name, ex in sub["exercises"].items():
        heading = messages.text("feedback_exercise", lang)
        lines += [f"## {heading} `{name}`: {number(ex['score'])} / {number(ex['max_score'])}", ""]
        if not ex["tests"]:
            lines += [messages.text("feedback_no_tests", lang), ""]
        for test in ex["tests"]:
            mark = "✔" if test["status"] == "passed" else "✘"
            status = messages.text(f"feedback_status_{test['status']}", lang)
            lines.append(
                f"- {mark} `{test['name']}` — {status} "
                f"({number(test['score'])} / {number(test['max_score'])})"
            )
            message = _public(test["message"])
            if message:
                fence = "````" if "```" in message else "```"
                lines += ["", f"  {fence}text", *(f"  {line}" for line in message.splitlines()), f"  {fence}"]
            lines.append("")
    notes = [_public(note) for note in result.get("notes", [])]
    if notes:
        lines += [f"## {messages.text('feedback_notes', lang)}", "", *(f"- {note}" for note in notes), ""]
    return "\n".join(lines)


_STYLE = (
    "body{font-family:sans-serif;max-width:60em;margin:auto;padding:1em}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.3em;vertical-align:top}"
    "pre{white-space:pre-wrap;margin:0}.passed{color:#060}.failed,.error,.timeout,.forbidden{color:#a00}"
)


def feedback_html(result: dict, lang: str, assignment: str = ASSIGNMENT) -> str:
    """A submission's feedback as a standalone HTML page; every text from the run is escaped."""
    e = html.escape
    sub = submission_record(result)
    title = e(messages.text("feedback_title", lang, student=sub["student"]))
    parts = [
        f'<!DOCTYPE html>\n<html lang="{lang}">\n<head><meta charset="utf-8"><title>{title}</title>',
        f"<style>{_STYLE}</style></head>\n<body>",
        f"<h1>{title}</h1>",
        f"<p>{e(messages.text('feedback_assignment', lang))}: <code>{e(assignment)}</code> — "
        f"<strong>{e(messages.text('feedback_total', lang))}: {number(sub['score'])} / {number(sub['max_score'])}</strong></p>",
    ]
    for name, ex in sub["exercises"].items():
        heading = e(messages.text("feedback_exercise", lang))
        parts.append(f"<h2>{heading} <code>{e(name)}</code>: {number(ex['score'])} / {number(ex['max_score'])}</h2>")
        if not ex["tests"]:
            parts.append(f"<p>{e(messages.text('feedback_no_tests', lang))}</p>")
            continue
        columns = (messages.text("feedback_test", lang), messages.text("feedback_result", lang),
                   messages.text("feedback_points", lang))
        parts.append("<table><tr>" + "".join(f"<th>{e(column)}</th>" for column in columns) + "</tr>")
        for test in ex["tests"]:
            status = test["status"]
            label = e(messages.text(f"feedback_status_{status}", lang))
            parts.append(
                f'<tr><td><code>{e(test["name"])}</code></td><td class="{status}">{label}'
                f"<pre>{e(_public(test['message']))}</pre></td>"
                f"<td>{number(test['score'])} / {number(test['max_score'])}</td></tr>"
            )
        parts.append("</table>")
    notes = [_public(note) for note in result.get("notes", [])]
    if notes:
        parts += [f"<h2>{e(messages.text('feedback_notes', lang))}</h2>", "<ul>",
                  *(f"<li><pre>{e(note)}</pre></li>" for note in notes), "</ul>"]
    parts.append("</body>\n</html>\n")
    return "\n".join(parts)


def write_outputs(out: Path, results: Sequence[dict], exercises: Sequence[str], lang: str) -> dict:
    """Write feedback for every result, then grades.csv, then grades.json; returns the document.

    grades.json goes last, so its presence means every other file of the run is complete.
    """
    for result in results:
        student = result["student"]
        write_atomic(out / "feedback" / f"{student}.md", feedback_markdown(result, lang))
        write_atomic(out / "feedback" / f"{student}.html", feedback_html(result, lang))
    document = grades_document(results)
    write_atomic(out / "grades.csv", grades_csv(document, exercises))
    write_atomic(out / "grades.json", grades_json(document))
    return document
