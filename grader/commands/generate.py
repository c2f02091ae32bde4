"""``convkit stubs``, ``convkit notebooks`` and ``convkit examples``: regenerate the
generated folders from the reference solutions and the lessons."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.course.assignment import ASSIGNMENT, EXAMPLES, LANGUAGES, NOTEBOOKS, STUBS


def run_stubs(args: argparse.Namespace) -> int:
    """Write the student stubs."""
    from grader.authoring.stubs import write_stubs

    print(f"wrote {len(write_stubs(args.out, args.lang))} files to {args.out}")
    return 0


def run_notebooks(args: argparse.Namespace) -> int:
    """Write the student notebooks (or, with --with-solutions, nbgrader source notebooks)."""
    from grader.authoring.notebooks import write

    if args.with_solutions and not args.out:
        print("convkit notebooks: --with-solutions needs --out (solutions never go into assignments/)", file=sys.stderr)
        return 2
    for lang in args.lang or LANGUAGES:
        target = (args.out or NOTEBOOKS) / lang / ASSIGNMENT
        print(f"wrote {len(write(target, lang, solutions=args.with_solutions))} files to {target}")
    return 0


def run_examples(args: argparse.Namespace) -> int:
    """Write the example submissions, or with --check report where they drifted (exit 1)."""
    from grader.authoring.examples import drift, write

    if args.check:
        stale = drift(args.out)
        for path in stale:
            print(f"convkit examples: {args.out / path} differs from the generator", file=sys.stderr)
        if stale:
            print("convkit examples: run `convkit examples` to regenerate", file=sys.stderr)
        return 1 if stale else 0
    print(f"wrote {len(write(args.out))} files to {args.out}")
    return 0


def add_stubs_parser(subparsers) -> None:
    """Register ``convkit stubs``."""
    parser = subparsers.add_parser("stubs", help="generate the student stubs from the reference solutions")
    parser.add_argument("--out", type=Path, default=STUBS, help=f"target folder (default: {STUBS})")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the hints (default: en)")
    parser.set_defaults(run=run_stubs)


def add_notebooks_parser(subparsers) -> None:
    """Register ``convkit notebooks``."""
    parser = subparsers.add_parser("notebooks", help="generate the student notebooks from the solutions and lessons")
    parser.add_argument("--lang", choices=LANGUAGES, action="append", help="only this language (repeatable; default: all)")
    parser.add_argument("--out", type=Path, help=f"write <out>/<lang>/{ASSIGNMENT} instead of {NOTEBOOKS}/<lang>/{ASSIGNMENT}")
    parser.add_argument("--with-solutions", action="store_true",
                        help="write nbgrader source notebooks (with solutions); never into assignments/")
    parser.set_defaults(run=run_notebooks)


def add_examples_parser(subparsers) -> None:
    """Register ``convkit examples``."""
    parser = subparsers.add_parser("examples", help="generate the example submissions in examples/")
    parser.add_argument("--out", type=Path, default=EXAMPLES, help=f"target folder (default: {EXAMPLES})")
    parser.add_argument("--check", action="store_true", help="only check that the folder matches the generator")
    parser.set_defaults(run=run_examples)
