"""``convkit grade --nbgrader DIR cnn``: grade an nbgrader course's collected work and
record the scores in its gradebook (grader/platforms/gradebook.py)."""
from __future__ import annotations

import argparse
import sys
from typing import Callable, Optional

from grader.commands.options import UsageError, report, settings_from


def run(args: argparse.Namespace, grade_fn: Optional[Callable] = None) -> int:
    """Exit 0 when every submission was graded and recorded."""
    from grader.grading.class_run import grade_class
    from grader.grading.outputs import OutputError
    from grader.platforms.gradebook import OUT, GradebookError, collected, record
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
        graded = grade_class(submissions, out, settings_from(args), jobs=args.jobs, grade_fn=grade_fn,
                             progress=args.progress)
        record(course, settings.course_id, assignment, [graded.results[s] for s in sorted(graded.results)])
    except (UsageError, GradebookError) as error:
        print(f"convkit grade --nbgrader: {error}", file=sys.stderr)
        return 2
    except OutputError as error:
        print(f"convkit grade --nbgrader: {error}", file=sys.stderr)
        return 1
    print(f"convkit grade --nbgrader: {len(graded.results)} submission(s) recorded in {course / 'gradebook.db'}",
          file=sys.stderr)
    return report(graded, out, args.lang)
