"""``convkit similarity PATH... --out DIR``: which submissions share code, exercise by exercise."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.course.assignment import EXERCISES
from grader.similarity import THRESHOLD



def run(args: argparse.Namespace) -> int:
    """Exit 0 when the report was written, 2 when the paths name no submission."""
    from grader.grading.discover import DiscoveryError, discover
    from grader.similarity.code import reference_code
    from grader.similarity.detect import compare_class
    from grader.similarity.report import write_report

    try:
        submissions = discover(args.paths, args.out)
    except DiscoveryError as error:
        print(f"convkit similarity: {error}", file=sys.stderr)
        return 2
    if args.reference is not None and not args.reference.is_dir():
        print(f"convkit similarity: --reference {args.reference}: not a folder", file=sys.stderr)
        return 2
    exercises = [e for e in EXERCISES if not args.exercises or e in args.exercises]
    reference = reference_code(args.reference) if args.reference else None
    pairs, codes = compare_class(submissions, exercises, reference=reference, jobs=args.jobs)
    csv_path, html_path = write_report(args.out, pairs, codes, args.threshold)
    flagged = sum(pair.similarity >= args.threshold for pair in pairs)
    print(f"convkit similarity: {len(submissions)} submissions, {flagged} pair(s) at or above "
          f"{args.threshold:.0%}; {csv_path} and {html_path}", file=sys.stderr)
    return 0


def add_parser(subparsers) -> None:
    """Register ``convkit similarity``."""
    parser = subparsers.add_parser("similarity", help="find submissions that share code (copydetect), per exercise")
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="a submission folder, or a folder of submission folders")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="where similarity.csv/.html go")
    parser.add_argument("--reference", type=Path, metavar="DIR",
                        help="also compare every submission with this folder (e.g. solutions/cnn, a leaked key)")
    parser.add_argument("--exercises", nargs="+", choices=EXERCISES, metavar="NAME", help="only these exercises")
    parser.add_argument("--threshold", type=float, default=THRESHOLD,
                        help=f"similarity worth a look, 0..1 (default: {THRESHOLD})")
    parser.add_argument("--jobs", "-j", type=int, default=2, help="processes (default: 2)")
    parser.set_defaults(run=run)
