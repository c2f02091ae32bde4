"""``convkit mutants [--ids N] [--exercises ...] [--jobs N]``: grade the kit's mutant bank (docs/mutants.md).

Exit codes: 0 when every mutant is caught under every student id, 1 when one escapes
(or could not be graded), 2 for usage errors.
"""
from __future__ import annotations

import argparse
import sys

from grader.course.assignment import EXERCISES, LANGUAGES

HELP = "grade the kit's one-bug variants of the reference: which tests catch each, under how many student ids"
DEFAULT_IDS = 10  # grader.authoring.mutants.DEFAULT_IDS, repeated so --help imports no torch


def run(args: argparse.Namespace) -> int:
    """Print one line per mutant (catch rate, catching tests, escapes) and a total."""
    if args.ids < 1 or args.jobs < 1:
        print("convkit mutants: --ids and --jobs must be at least 1", file=sys.stderr)
        return 2
    from grader.authoring.mutants import grade_bank, report, select, student_ids

    try:
        mutants = select(args.mutants or (), args.exercises or ())
    except ValueError as error:
        print(f"convkit mutants: {error}", file=sys.stderr)
        return 2
    if not mutants:
        print("convkit mutants: no mutant matches", file=sys.stderr)
        return 2
    outcomes = grade_bank(mutants, student_ids(args.ids), own_only=args.own_only, jobs=args.jobs, seed=args.seed,
                          lang=args.lang, progress=args.progress)
    print(report(outcomes, args.lang))
    return 0 if all(not o.escaped() and not o.failed for o in outcomes) else 1


def add_parser(subparsers) -> None:
    """Register ``convkit mutants``."""
    parser = subparsers.add_parser("mutants", help=HELP, description=HELP)
    parser.add_argument("--ids", type=int, default=DEFAULT_IDS, metavar="N",
                        help=f"grade each mutant under N student ids (default: {DEFAULT_IDS})")
    parser.add_argument("--exercises", nargs="+", metavar="NAME", choices=EXERCISES,
                        help="only the mutants of these exercises (default: all)")
    parser.add_argument("--mutants", nargs="+", metavar="ID", help="only these mutants (ids as printed)")
    parser.add_argument("--own-only", action="store_true",
                        help="grade each mutant on its own exercise only, not on the exercises that import it")
    parser.add_argument("--jobs", "-j", type=int, default=1, help="submissions graded at once (default: 1)")
    parser.add_argument("--seed", type=int, default=0, help="run seed (default: 0)")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the messages (default: en)")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    parser.set_defaults(run=run)
