"""Grades for an LMS: ``convkit export canvas|moodle GRADES.json --roster ROSTER.csv``.

The roster is a CSV file with a header row. Its ``student`` column (required) holds the
ids grades.json uses (submission folder names, nbgrader student ids); the other columns
are optional and copied into the export: ``name``, ``id`` (Canvas user id), ``sis_user_id``,
``sis_login_id``, ``section`` (Canvas), ``email``, ``idnumber``, ``username`` (Moodle's
identifiers).

- Canvas: the gradebook CSV Canvas imports: ``Student, ID, SIS User ID, SIS Login ID,
  Section, <assignment> (<assignment id>)``, then the "Points Possible" row, then a row
  per roster student.
- Moodle: "Import grades from CSV": the chosen identifier column and the grade column.

Students are matched by id. A student graded but not on the roster, or on the roster but
not graded (their grade cell stays empty), is never dropped silently: :class:`Export`
lists both, and the command reports them and exits non-zero.
"""
from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from grader.grading.outputs import number

ROSTER_KEY = "student"
ROSTER_COLUMNS = ("student", "name", "id", "sis_user_id", "sis_login_id", "section", "email", "idnumber", "username")
CANVAS_COLUMNS = (("Student", "name"), ("ID", "id"), ("SIS User ID", "sis_user_id"),
                  ("SIS Login ID", "sis_login_id"), ("Section", "section"))
MOODLE_IDENTIFIERS = ("email", "idnumber", "username")


class ExportError(ValueError):
    """A grades file or roster that cannot be exported; the message names the file and the problem."""


@dataclass
class Export:
    """An LMS CSV and the students it could not match."""

    text: str
    not_on_roster: list[str] = field(default_factory=list)  # graded, but no roster row: not in the CSV
    not_graded: list[str] = field(default_factory=list)  # on the roster, no grade: empty cell


def read_grades(path: Path) -> tuple[str, float, dict[str, float]]:
    """grades.json's assignment, max_score and ``{student: score}``.

    Raises:
        ExportError: the file is missing, not JSON, or not in grades.json's schema.
    """
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        scores = {str(s["student"]): float(s["score"]) for s in document["submissions"]}
        return str(document["assignment"]), float(document["max_score"]), scores
    except OSError as error:
        raise ExportError(f"{path}: cannot read it: {error.strerror or error}") from None
    except (ValueError, KeyError, TypeError) as error:
        raise ExportError(f"{path}: not a convkit grades.json ({type(error).__name__}: {error})") from None


def read_roster(path: Path) -> list[dict[str, str]]:
    """The roster's rows (column names lower-cased and stripped), in file order.

    Raises:
        ExportError: no ``student`` column, an empty or repeated student id (the lines are named).
    """
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            rows = [{(k or "").strip().lower(): (v or "").strip() for k, v in row.items()} for row in reader]
            header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    except OSError as error:
        raise ExportError(f"{path}: cannot read it: {error.strerror or error}") from None
    if ROSTER_KEY not in header:
        raise ExportError(f"{path}: no '{ROSTER_KEY}' column (columns: {', '.join(header) or 'none'}); "
                          f"the roster's columns are {', '.join(ROSTER_COLUMNS)}")
    seen: dict[str, int] = {}
    for line, row in enumerate(rows, start=2):
        student = row[ROSTER_KEY]
        if not student:
            raise ExportError(f"{path}, line {line}: empty '{ROSTER_KEY}'")
        if student in seen:
            raise ExportError(f"{path}, lines {seen[student]} and {line}: student {student!r} listed twice")
        seen[student] = line
    return rows


def _write(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def _unmatched(roster: list[dict[str, str]], scores: dict[str, float]) -> tuple[list[str], list[str]]:
    listed = {row[ROSTER_KEY] for row in roster}
    return sorted(set(scores) - listed), [row[ROSTER_KEY] for row in roster if row[ROSTER_KEY] not in scores]


def canvas(roster: list[dict[str, str]], scores: dict[str, float], max_score: float, assignment: str,
           assignment_id: Optional[str] = None) -> Export:
    """Canvas's gradebook CSV; ``assignment_id`` makes Canvas update that assignment
    instead of creating a new one."""
    column = f"{assignment} ({assignment_id})" if assignment_id else assignment
    rows = [[title for title, _ in CANVAS_COLUMNS] + [column],
            ["    Points Possible"] + [""] * (len(CANVAS_COLUMNS) - 1) + [number(max_score)]]
    for row in roster:
        grade = scores.get(row[ROSTER_KEY])
        rows.append([row.get(key) or (row[ROSTER_KEY] if key == "name" else "") for _, key in CANVAS_COLUMNS]
                    + ["" if grade is None else number(grade)])
    return Export(_write(rows), *_unmatched(roster, scores))


def moodle(roster: list[dict[str, str]], scores: dict[str, float], assignment: str,
           identifier: str = "email") -> Export:
    """Moodle's grade import CSV: ``identifier`` (email, idnumber or username) and the grade.

    Raises:
        ExportError: a roster row lacks the identifier (Moodle could not match it).
    """
    if identifier not in MOODLE_IDENTIFIERS:
        raise ExportError(f"unknown Moodle identifier {identifier!r}; choose one of {', '.join(MOODLE_IDENTIFIERS)}")
    missing = [row[ROSTER_KEY] for row in roster if not row.get(identifier)]
    if missing:
        raise ExportError(f"roster: no '{identifier}' for {', '.join(missing)}; Moodle matches students by it")
    rows = [[identifier, assignment]]
    for row in roster:
        grade = scores.get(row[ROSTER_KEY])
        rows.append([row[identifier], "" if grade is None else number(grade)])
    return Export(_write(rows), *_unmatched(roster, scores))
