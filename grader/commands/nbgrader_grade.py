"""``convkit grade --nbgrader DIR cnn``: grade an nbgrader course's collected work, record
the scores in its gradebook and its feedback folders (grader/platforms/gradebook.py).

Exit codes as ``convkit grade``; 2 also when scores written by ``nbgrader autograde``
would be overwritten without ``--force`` (nothing is graded then)."""
from __future__ import annotations

import argparse
import sys
from typing import Callable, Optional

from grader.commands.options import UsageError, report, settings_from


def run(args: argparse.Namespace, grade_fn: Optional[Callable] = None) -> int:
    """Exit 0 when every submission was graded and recorded (a malformed timestamp.txt only warns)."""
    from grader.grading.class_run import grade_class
    from grader.grading.outputs import OutputError
    from grader.platforms.gradebook import (
        OUT,
        GradebookError,
        collected,
        conflicts,
        place_feedback,
        read_ledger,
        record,
    )
    from grader.platforms.nbgrader_course import read_settings

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
        grading = settings_from(args, out)
        clashes = conflicts(course, settings.course_id, assignment, sorted(submissions), list(grading.exercises),
                            read_ledger(course, assignment))
        for student, why in sorted(clashes.items()):
            print(f"convkit grade --nbgrader: {student}: gradebook scores {why}", file=sys.stderr)
        if clashes and not args.force:
            print(f"convkit grade --nbgrader: refusing to overwrite the scores of {len(clashes)} student(s); "
                  "one grader must decide (docs/platforms.md): re-run with --force to replace them with "
                  "convkit's, or keep nbgrader's and do not run convkit on this course", file=sys.stderr)
            return 2
        graded = grade_class(submissions, out, grading, jobs=args.jobs, grade_fn=grade_fn, progress=args.progress)
        recorded = record(course, settings.course_id, assignment, graded.document["submissions"])
        pages = place_feedback(course, assignment, sorted(graded.results), out)
    except (UsageError, GradebookError) as error:
        print(f"convkit grade --nbgrader: {error}", file=sys.stderr)
        return 2
    except OutputError as error:
        print(f"convkit grade --nbgrader: {error}", file=sys.stderr)
        return 1
    for student, problem in sorted(recorded.without_time.items()):
        print(f"convkit grade --nbgrader: {student}: recorded without a submission time: {problem}", file=sys.stderr)
    for student, problem in sorted(recorded.not_recorded.items()):
        print(f"convkit grade --nbgrader: {student}: NOT recorded: {problem}", file=sys.stderr)
    print(f"convkit grade --nbgrader: {len(graded.results) - len(recorded.not_recorded)} submission(s) recorded in "
          f"{course / 'gradebook.db'}; {pages} feedback page(s) in {course / 'feedback'} for "
          f"`nbgrader release_feedback {assignment}`", file=sys.stderr)
    code = report(graded, out, args.lang)
    return code or (1 if recorded.not_recorded else 0)
