"""``convkit report DIR [--lang L]``: re-render feedback and the class report from stored results.

Exit codes: 0 when written, 1 when DIR holds no readable grades, 2 for usage errors.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.course.assignment import LANGUAGES

HELP = "re-render feedback and the class report of a graded DIR (e.g. in another language), without regrading"


def run(args: argparse.Namespace) -> int:
    """Write DIR/feedback/* and DIR/report.* again in ``--lang``."""
    from grader.grading.outputs import OutputError
    from grader.grading.publish import rerender

    try:
        results = rerender(args.dir, args.lang)
    except OutputError as error:
        print(f"convkit report: {error}", file=sys.stderr)
        return 1
    print(f"convkit report: feedback for {sum(r.graded for r in results)} submissions and "
          f"{args.dir / 'report.html'} written in {args.lang}", file=sys.stderr)
    return 0


def add_parser(subparsers) -> None:
    """Register ``convkit report``."""
    parser = subparsers.add_parser("report", help=HELP, description=HELP + ". DIR is a `convkit grade --out` folder.")
    parser.add_argument("dir", type=Path, metavar="DIR", help="the output folder of a `convkit grade` run")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of feedback and report (default: en)")
    parser.set_defaults(run=run)
