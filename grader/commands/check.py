"""``convkit check [PATH] [--lang]``: a student's own check, the public checks with hints."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.course.assignment import EXERCISES, LANGUAGES


def run(args: argparse.Namespace) -> int:
    """Exit 0 when every exercise found passes its public checks, 1 otherwise, 2 for bad input."""
    from grader.student.check import check_folder

    path = args.path.resolve()
    if path.is_file():
        if path.stem not in EXERCISES or path.suffix not in (".py", ".ipynb"):
            print(f"convkit check: {path.name} is not an exercise file ({', '.join(EXERCISES)} .py/.ipynb)",
                  file=sys.stderr)
            return 2
        return 0 if check_folder(path.parent, args.lang, (path.stem,)) else 1
    if not path.is_dir():
        print(f"convkit check: {path}: no such file or folder", file=sys.stderr)
        return 2
    return 0 if check_folder(path, args.lang) else 1


def add_parser(subparsers) -> None:
    """Register ``convkit check``."""
    parser = subparsers.add_parser("check", help="run the public checks on your exercises, with hints for what fails")
    parser.add_argument("path", type=Path, nargs="?", default=Path("."),
                        help="your exercise folder, or one exercise file (default: the current folder)")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the report and hints (default: en)")
    parser.set_defaults(run=run)
