"""``convkit check [PATH] [--lang]``: a student's own check, the public checks with hints.

Without ``--lang`` the report speaks the language of the student's notebooks or course
folder (``grader.student.check.work_language``), else English."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.course import messages
from grader.course.assignment import EXERCISES, LANGUAGES


def run(args: argparse.Namespace) -> int:
    """Exit 0 when every exercise found passes its public checks, 1 otherwise, 2 for bad input."""
    from grader.student.check import check_folder, work_language

    path = args.path.resolve()
    if not path.exists():
        lang = args.lang or "en"
        print(f"convkit check: {messages.text('check_no_path', lang, path=path)}", file=sys.stderr)
        return 2
    lang = args.lang or work_language(path) or "en"
    if path.is_file():
        if path.stem not in EXERCISES or path.suffix not in (".py", ".ipynb"):
            problem = messages.text("check_not_exercise", lang, file=path.name, exercises=", ".join(EXERCISES))
            print(f"convkit check: {problem}", file=sys.stderr)
            return 2
        return 0 if check_folder(path.parent, lang, (path.stem,)) else 1
    return 0 if check_folder(path, lang) else 1


def add_parser(subparsers) -> None:
    """Register ``convkit check``."""
    parser = subparsers.add_parser("check", help="run the public checks on your exercises, with hints for what fails")
    parser.add_argument("path", type=Path, nargs="?", default=Path("."),
                        help="your exercise folder, or one exercise file (default: the current folder)")
    parser.add_argument("--lang", choices=LANGUAGES, default=None,
                        help="language of the report and hints (default: the one of your notebooks or course folder, "
                             "else en)")
    parser.set_defaults(run=run)
