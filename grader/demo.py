"""``convkit demo``: grade the bundled example submissions and print the score table.

It runs exactly what an instructor runs (``convkit grade examples/ --jobs 2``) on the
submissions of ``examples/`` (see grader/examples.py), over every exercise but mnist,
and shows each example's score next to the score it is documented to get.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from typing import Mapping, Optional, Sequence

from grader.examples import DEMO_EXERCISES, EXAMPLE_LIST, EXAMPLES
from grader.grade import DEFAULT_SEED, add_grading_options, discover, grade_class, report, settings_from
from grader.outputs import OutputError, number


def score_table(document: dict, exercises: Sequence[str], expected: Mapping[str, float] = {}) -> str:
    """The grades as a text table: one row per student, one column per exercise, the
    total, and (when known) the expected total with ``ok``/``DIFFERS``."""
    head = ["student", *exercises, "total"] + (["expected"] if expected else [])
    rows = [head]
    for sub in document["submissions"]:
        row = [sub["student"], *(number(sub["exercises"][e]["score"]) for e in exercises),
               f"{number(sub['score'])} / {number(sub['max_score'])}"]
        if expected:
            want = expected.get(sub["student"])
            row.append("" if want is None else f"{number(want)} " + ("ok" if abs(want - sub["score"]) < 1e-9 else "DIFFERS"))
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def expected_totals(exercises: Sequence[str]) -> dict[str, float]:
    """Each example's documented total over ``exercises`` (only where all are documented)."""
    return {
        example.name: sum(example.expected[e] for e in exercises)
        for example in EXAMPLE_LIST if all(e in example.expected for e in exercises)
    }


def run(args: argparse.Namespace) -> int:
    """Grade examples/ into ``--out`` (or a temporary folder) and print the table."""
    settings = settings_from(args)
    submissions = discover([args.examples])
    with tempfile.TemporaryDirectory(prefix="convkit-demo-") as scratch:
        out: Path = args.out or Path(scratch)
        print(f"convkit demo: grading {len(submissions)} example submissions in {args.examples} "
              f"with --jobs {args.jobs} (exercises: {', '.join(settings.exercises)})", file=sys.stderr)
        try:
            graded = grade_class(submissions, out, settings, jobs=args.jobs, progress=args.progress)
        except OutputError as error:
            print(f"convkit demo: {error}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            print("convkit demo: interrupted", file=sys.stderr)
            return 130
        official = args.examples == EXAMPLES and settings.seed == DEFAULT_SEED and settings.lang == "en"
        print(score_table(graded.document, settings.exercises, expected_totals(settings.exercises) if official else {}))
        if args.out:
            print(f"grades.csv, grades.json and feedback/ are in {out}")
        return report(graded, out)


def add_parser(subparsers) -> None:
    """Register ``convkit demo``."""
    parser = subparsers.add_parser("demo", help="grade the example submissions in examples/ and print the score table")
    parser.add_argument("--out", type=Path, default=None, metavar="DIR",
                        help="keep the outputs in DIR (default: a temporary folder, removed afterwards)")
    parser.add_argument("--examples", type=Path, default=EXAMPLES, help=f"the example submissions (default: {EXAMPLES})")
    add_grading_options(parser, jobs=2)
    parser.set_defaults(run=run, exercises=list(DEMO_EXERCISES))
