"""``convkit grade --nbgrader DIR cnn``: grade an nbgrader course's collected work with the
isolated grader, record the scores in nbgrader's own gradebook, and put the feedback
where ``nbgrader release_feedback`` delivers it.

Every folder ``DIR/submitted/<student>/cnn/`` (what ``nbgrader collect`` makes) is one
submission; ``grader.grading.class_run.grade_class`` grades them exactly as ``convkit grade`` does
(worker processes, resumable, grades.csv/grades.json/feedback in ``DIR/convkit/cnn``).
Then each exercise's score goes into ``DIR/gradebook.db`` through ``nbgrader.api``:
every exercise notebook has one autograded test cell (``<exercise>_tests``), whose
auto score becomes the exercise's score scaled to that cell's points. ``nbgrader
export`` and the formgrader then show these scores like autograded ones.

One answer per student: convkit keeps what it wrote in ``DIR/convkit/cnn/gradebook-record.json``.
A test cell whose auto score is set but is not what convkit recorded was written by
``nbgrader autograde`` (or edited by hand): :func:`conflicts` finds those, and the
command refuses to overwrite them unless forced, in either order of the two graders.

Feedback: convkit's page for a student is written as ``DIR/feedback/<student>/cnn/<notebook>.html``
for each submitted notebook, with the submission's ``timestamp.txt`` and
``submission_secret.txt``, which is what ``nbgrader release_feedback`` reads.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

from grader.grading.outputs import student_file
from grader.isolation.submission_files import read_regular
from grader.isolation.untrusted import FIELD_CHARS, untrusted_name, untrusted_text

OUT = "convkit"  # DIR/convkit/<assignment>: convkit's own grades.csv, grades.json, feedback
LEDGER = "gradebook-record.json"  # in DIR/convkit/<assignment>: {student: {exercise: cell score}} convkit wrote
TOLERANCE = 1e-6


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


def _gradebook(course: Path, course_id: str):
    from nbgrader.api import Gradebook  # heavy (sqlalchemy): only when recording

    return Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=course_id)


def ledger_path(course: Path, assignment: str) -> Path:
    """Where convkit keeps the cell scores it wrote (whatever ``--out`` says)."""
    return course / OUT / assignment / LEDGER


def read_ledger(course: Path, assignment: str) -> dict[str, dict[str, float]]:
    """The cell scores convkit last wrote, by student (empty before the first recording)."""
    path = ledger_path(course, assignment)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def conflicts(course: Path, course_id: str, assignment: str, students: list[str], exercises: list[str],
              ledger: dict[str, dict[str, float]]) -> dict[str, str]:
    """``{student: why}`` for every student whose test cells of ``exercises`` hold auto scores
    convkit did not write (``nbgrader autograde`` ran, before or after convkit, or a hand edit)."""
    from nbgrader.api import MissingEntry

    found: dict[str, str] = {}
    with _gradebook(course, course_id) as gradebook:
        for student in students:
            ours = ledger.get(student, {})
            changed = []
            for exercise in exercises:
                try:
                    grade = gradebook.find_grade(f"{exercise}_tests", exercise, assignment, student)
                except MissingEntry:
                    continue
                score = grade.auto_score
                if score is not None and (exercise not in ours or abs(ours[exercise] - score) > TOLERANCE):
                    changed.append(f"{exercise} {score:g}" + (f" (convkit wrote {ours[exercise]:g})" if exercise in ours else ""))
            if changed:
                who = ("changed after convkit recorded its scores (nbgrader autograde ran since, or a hand edit)"
                       if ours else "written by nbgrader autograde")
                found[student] = f"{who}: {', '.join(changed)}"
    return found


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


def record(course: Path, course_id: str, assignment: str, submissions: list[dict]) -> Recorded:
    """Store every submission's exercise scores as auto scores in ``course/gradebook.db`` and
    what was written in :func:`ledger_path`.

    Each student is recorded in a transaction of its own: a student that cannot be
    recorded is rolled back and reported, and the others are still recorded.

    Args:
        submissions: grades.json's submission records (README, "Grading a class").

    Returns:
        the students not recorded, and those recorded without their submission time
        (a malformed ``timestamp.txt``), each with the reason.

    Raises:
        GradebookError: the assignment or one of its test cells is not in the gradebook
            (run ``nbgrader generate_assignment`` first).
    """
    from nbgrader.api import MissingEntry

    from grader.grading.outputs import write_atomic

    report = Recorded()
    ledger = read_ledger(course, assignment)
    with _gradebook(course, course_id) as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            raise GradebookError(f"{course / 'gradebook.db'}: no assignment {assignment!r}; "
                                 f"run `nbgrader generate_assignment {assignment}` in {course} first") from None
        for submission in submissions:
            student = submission["student"]
            stamp, problem = submission_time(course / "submitted" / student / assignment)
            if problem:
                report.without_time[student] = problem
            try:
                ledger[student] = _record_one(gradebook, assignment, submission, stamp)
            except GradebookError:
                gradebook.db.rollback()
                raise
            except Exception as error:  # noqa: BLE001 - this student only; the others are still recorded
                gradebook.db.rollback()
                report.not_recorded[student] = untrusted_text(f"{type(error).__name__}: {error}", FIELD_CHARS)
            write_atomic(ledger_path(course, assignment), json.dumps(ledger, indent=2, sort_keys=True) + "\n")
    return report


def _record_one(gradebook, assignment: str, submission: dict, stamp: Optional[datetime]) -> dict[str, float]:
    """One student's submission and exercise scores, committed together; the cell scores written."""
    from nbgrader.api import MissingEntry

    student = submission["student"]
    gradebook.update_or_create_student(student)
    gradebook.update_or_create_submission(assignment, student, **({"timestamp": stamp} if stamp else {}))
    written = {}
    for exercise, scores in submission["exercises"].items():
        try:
            grade = gradebook.find_grade(f"{exercise}_tests", exercise, assignment, student)
        except MissingEntry:
            raise GradebookError(f"{assignment}: notebook {exercise}.ipynb has no test cell "
                                 f"'{exercise}_tests' in the gradebook") from None
        grade.auto_score = written[exercise] = cell_score(scores, grade.max_score)
        grade.needs_manual_grade = False
    gradebook.db.commit()
    return written


SUBMISSION_FILES = ("timestamp.txt", "submission_secret.txt")  # what release_feedback reads next to the pages


def place_feedback(course: Path, assignment: str, students: list[str], out: Path) -> int:
    """Copy convkit's page ``out/feedback/<student>.html`` (:func:`student_file`'s name) to nbgrader's feedback folder as
    ``<notebook>.html`` for each notebook the student submitted; the pages written."""
    written = 0
    for student in students:
        submitted = course / "submitted" / student / assignment
        page = out / "feedback" / f"{student_file(student)}.html"
        target = course / "feedback" / student / assignment
        notebooks = sorted(path for path in submitted.glob("*.ipynb") if path.is_file() and not path.is_symlink())
        if not page.is_file() or not notebooks:
            continue
        target.mkdir(parents=True, exist_ok=True)
        for name in SUBMISSION_FILES:
            # Written by the student's side: copied only as a small regular file, never
            # through a symlink (it would publish the target in the student's feedback).
            data = read_regular(submitted / name, MAX_TIMESTAMP_BYTES)
            if data is not None:
                (target / name).write_bytes(data)
        for notebook in notebooks:
            shutil.copyfile(page, target / f"{notebook.stem}.html")
            written += 1
    return written
