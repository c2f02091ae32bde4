"""``convkit grade --nbgrader DIR cnn``: grade an nbgrader course's collected work with the
isolated grader and record the scores in nbgrader's own gradebook.

Every folder ``DIR/submitted/<student>/cnn/`` (what ``nbgrader collect`` makes) is one
submission; ``grader.grading.class_run.grade_class`` grades them exactly as ``convkit grade`` does
(worker processes, resumable, grades.csv/grades.json/feedback in ``DIR/convkit/cnn``).
Then each exercise's score goes into ``DIR/gradebook.db`` through ``nbgrader.api``:
every exercise notebook has one autograded test cell (``<exercise>_tests``), whose
auto score becomes the exercise's score scaled to that cell's points. ``nbgrader
export`` and the formgrader then show these scores like autograded ones; re-running
``nbgrader autograde`` simply overwrites them.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from grader.isolation.submission_files import read_regular
from grader.isolation.untrusted import FIELD_CHARS, untrusted_name, untrusted_text

OUT = "convkit"  # DIR/convkit/<assignment>: convkit's own grades.csv, grades.json, feedback


class GradebookError(RuntimeError):
    """The course's gradebook cannot take the scores (e.g. the assignment was never generated)."""


def collected(course: Path, assignment: str) -> dict[str, Path]:
    """``{student: DIR/submitted/<student>/<assignment>}`` for every collected submission."""
    submitted = course / "submitted"
    if not submitted.is_dir():
        return {}
    return {untrusted_name(child.name): child / assignment for child in sorted(submitted.iterdir())
            if (child / assignment).is_dir()}


def cell_score(exercise: dict, points: float) -> float:
    """An exercise's ``score`` out of ``max_score``, scaled to a test cell's ``points``."""
    if not exercise["max_score"]:
        return 0.0
    return round(points * exercise["score"] / exercise["max_score"], 6)


MAX_TIMESTAMP_BYTES = 256


def submission_time(folder: Path) -> tuple[Optional[datetime], Optional[str]]:
    """The submission time in ``folder/timestamp.txt`` (naive UTC, as nbgrader stores it).

    The file is written by the student's side of the exchange, so it is untrusted: only a
    regular file of at most ``MAX_TIMESTAMP_BYTES`` is read, and only ISO 8601 is accepted
    (with nbgrader's optional " UTC" suffix; never handed to dateutil, whose time-zone
    lookup would open files it names).

    Returns:
        (the time, None), (None, None) without a file, or (None, why it was not used).
    """
    path = folder / "timestamp.txt"
    if not os.path.lexists(path):
        return None, None
    data = read_regular(path, MAX_TIMESTAMP_BYTES)
    if data is None:
        return None, f"{path.name} is not a regular file of at most {MAX_TIMESTAMP_BYTES} bytes"
    text = untrusted_text(data, MAX_TIMESTAMP_BYTES).strip()
    try:
        stamp = datetime.fromisoformat(text.removesuffix(" UTC").strip())
    except ValueError:
        return None, f"{path.name} does not hold an ISO 8601 time: {text[:60]!r}"
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(timezone.utc).replace(tzinfo=None)
    return stamp, None


@dataclass
class Recorded:
    """What :func:`record` could not do, by student."""

    not_recorded: dict[str, str] = field(default_factory=dict)
    without_time: dict[str, str] = field(default_factory=dict)  # recorded, timestamp.txt unusable


def record(course: Path, course_id: str, assignment: str, results: list[dict]) -> Recorded:
    """Store every result's exercise scores as auto scores in ``course/gradebook.db``.

    Each student is recorded in a transaction of its own: a student that cannot be
    recorded is rolled back and reported, and the others are still recorded.

    Args:
        results: per-submission objects as ``grade_submission`` returns them.

    Returns:
        the students not recorded, and those recorded without their submission time
        (a malformed ``timestamp.txt``), each with the reason.

    Raises:
        GradebookError: the assignment or one of its test cells is not in the gradebook
            (run ``nbgrader generate_assignment`` first).
    """
    from nbgrader.api import Gradebook, MissingEntry  # heavy (sqlalchemy): only when recording

    report = Recorded()
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=course_id) as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            raise GradebookError(f"{course / 'gradebook.db'}: no assignment {assignment!r}; "
                                 f"run `nbgrader generate_assignment {assignment}` in {course} first") from None
        for result in results:
            student = result["student"]
            stamp, problem = submission_time(course / "submitted" / student / assignment)
            if problem:
                report.without_time[student] = problem
            try:
                _record_one(gradebook, assignment, result, stamp)
            except GradebookError:
                gradebook.db.rollback()
                raise
            except Exception as error:  # noqa: BLE001 - this student only; the others are still recorded
                gradebook.db.rollback()
                report.not_recorded[student] = untrusted_text(f"{type(error).__name__}: {error}", FIELD_CHARS)
    return report


def _record_one(gradebook, assignment: str, result: dict, stamp: Optional[datetime]) -> None:
    """One student's submission and exercise scores, committed together."""
    from nbgrader.api import MissingEntry

    student = result["student"]
    gradebook.update_or_create_student(student)
    gradebook.update_or_create_submission(assignment, student, **({"timestamp": stamp} if stamp else {}))
    for exercise, scores in result["exercises"].items():
        try:
            grade = gradebook.find_grade(f"{exercise}_tests", exercise, assignment, student)
        except MissingEntry:
            raise GradebookError(f"{assignment}: notebook {exercise}.ipynb has no test cell "
                                 f"'{exercise}_tests' in the gradebook") from None
        grade.auto_score = cell_score(scores, grade.max_score)
        grade.needs_manual_grade = False
    gradebook.db.commit()
