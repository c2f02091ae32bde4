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

from pathlib import Path
from typing import Optional

OUT = "convkit"  # DIR/convkit/<assignment>: convkit's own grades.csv, grades.json, feedback


class GradebookError(RuntimeError):
    """The course's gradebook cannot take the scores (e.g. the assignment was never generated)."""


def collected(course: Path, assignment: str) -> dict[str, Path]:
    """``{student: DIR/submitted/<student>/<assignment>}`` for every collected submission."""
    submitted = course / "submitted"
    if not submitted.is_dir():
        return {}
    return {child.name: child / assignment for child in sorted(submitted.iterdir()) if (child / assignment).is_dir()}


def cell_score(exercise: dict, points: float) -> float:
    """An exercise's ``score`` out of ``max_score``, scaled to a test cell's ``points``."""
    if not exercise["max_score"]:
        return 0.0
    return round(points * exercise["score"] / exercise["max_score"], 6)


def _timestamp(folder: Path) -> Optional[str]:
    stamp = folder / "timestamp.txt"
    return stamp.read_text(encoding="utf-8").strip() if stamp.is_file() else None


def record(course: Path, course_id: str, assignment: str, results: list[dict]) -> None:
    """Store every result's exercise scores as auto scores in ``course/gradebook.db``.

    Args:
        results: per-submission objects as ``grade_submission`` returns them.

    Raises:
        GradebookError: the assignment or one of its test cells is not in the gradebook
            (run ``nbgrader generate_assignment`` first).
    """
    from nbgrader.api import Gradebook, MissingEntry  # heavy (sqlalchemy): only when recording

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id=course_id) as gradebook:
        try:
            gradebook.find_assignment(assignment)
        except MissingEntry:
            raise GradebookError(f"{course / 'gradebook.db'}: no assignment {assignment!r}; "
                                 f"run `nbgrader generate_assignment {assignment}` in {course} first") from None
        for result in results:
            student = result["student"]
            gradebook.update_or_create_student(student)
            stamp = _timestamp(course / "submitted" / student / assignment)
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


