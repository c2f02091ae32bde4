"""``convkit demo``: grade the example submissions and print the score table."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.commands.options import DEFAULT_SEED, add_grading_options, report, settings_from
from grader.course.assignment import EXAMPLES, REPO

DEFAULT_OUT = REPO / "out" / "demo"


def run(args: argparse.Namespace) -> int:
    """Grade ``--examples`` into ``--out``, print the table and where the outputs are."""
    from grader.authoring.demo import grade_examples
    from grader.authoring.examples import DEMO_EXERCISES
    from grader.grading.outputs import OutputError

    args.exercises = args.exercises or list(DEMO_EXERCISES)
    try:
        graded, table = grade_examples(args.examples, args.out, settings_from(args), jobs=args.jobs,
                                       progress=args.progress)
    except OutputError as error:
        print(f"convkit demo: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("convkit demo: interrupted", file=sys.stderr)
        return 130
    print(table)
    print(f"grades.csv, grades.json and feedback/ are in {args.out}")
    print(f"class report: {args.out / 'report.html'} (also report.md); "
          f"re-render in another language: convkit report {args.out} --lang es")
    return report(graded, args.out, args.lang)


def add_parser(subparsers) -> None:
    """Register ``convkit demo``."""
    parser = subparsers.add_parser("demo", help="grade the example submissions in examples/ and print the score table")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="DIR",
                        help=f"output folder, kept afterwards (default: {DEFAULT_OUT})")
    parser.add_argument("--examples", type=Path, default=EXAMPLES, help=f"the example submissions (default: {EXAMPLES})")
    add_grading_options(parser, jobs=2, seed=DEFAULT_SEED)  # the examples' documented scores' seed
    parser.set_defaults(run=run)
