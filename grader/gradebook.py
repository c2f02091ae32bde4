"""``convkit grade --nbgrader DIR cnn``: grade an nbgrader course's collected work with the
isolated grader and record the scores in nbgrader's own gradebook.

Every folder ``DIR/submitted/<student>/cnn/`` (what ``nbgrader collect`` makes) is one
submission; ``grader.grade.grade_class`` grades them exactly as ``convkit grade`` does
(worker processes, resumable, grades.csv/grades.json/feedback in ``DIR/convkit/cnn``).
Then each exercise's score goes into ``DIR/gradebook.db`` through ``nbgrader.api``:
every exercise notebook has one autograded test cell (``<exercise>_tests``), whose
auto score becomes the exercise's score scaled to that cell's points. ``nbgrader
export`` and the formgrader then show these scores like autograded ones; re-running
``nbgrader autograde`` simply overwrites them.
"""
from __future__ import annotations

import sys
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


def add_option(parser) -> None:
    """Add ``--nbgrader DIR`` to ``convkit grade`` (its PATH is then the assignment name)."""
    parser.add_argument("--nbgrader", type=Path, metavar="COURSE_DIR",
                        help="grade DIR/submitted/<student>/<PATH>/ of an nbgrader course (PATH = assignment, e.g. cnn) "
                             "and write the scores into its gradebook; --out defaults to DIR/convkit/<assignment>, "
                             "--lang to the course's language")


def main(args, grade_fn=None) -> int:
    """``convkit grade --nbgrader DIR cnn``: exit 0 when every submission was graded and recorded."""
    from grader import grade  # grade imports this module for its option: import here, not at the top
    from grader.course import read_settings

    course = args.nbgrader.resolve()
    if len(args.paths) != 1:
        print("convkit grade --nbgrader: give exactly one assignment name, e.g. `convkit grade --nbgrader DIR cnn`",
              file=sys.stderr)
        return 2
    assignment = str(args.paths[0])
    try:
        settings = read_settings(course)
    except FileNotFoundError as error:
        print(f"convkit grade --nbgrader: {error}", file=sys.stderr)
        return 2
    submissions = collected(course, assignment)
    if not submissions:
        print(f"convkit grade --nbgrader: nothing in {course / 'submitted'}/<student>/{assignment}; "
              f"run `nbgrader collect {assignment}` first", file=sys.stderr)
        return 2
    args.lang = args.lang or settings.lang
    out = args.out or course / OUT / assignment
    try:
        run = grade.grade_class(submissions, out, grade.settings_from(args), jobs=args.jobs, grade_fn=grade_fn,
                                progress=args.progress)
        record(course, settings.course_id, assignment, [run.results[s] for s in sorted(run.results)])
    except (grade.UsageError, GradebookError) as error:
        print(f"convkit grade --nbgrader: {error}", file=sys.stderr)
        return 2
    except grade.OutputError as error:
        print(f"convkit grade --nbgrader: {error}", file=sys.stderr)
        return 1
    print(f"convkit grade --nbgrader: {len(run.results)} submission(s) recorded in {course / 'gradebook.db'}",
          file=sys.stderr)
    return grade.report(run, out)
