"""The ``convkit`` command: one subcommand per feature module."""
from __future__ import annotations

import argparse
import importlib
import sys

# Subcommand -> the module whose add_parser(subparsers) registers it and sets ``run``
# to a function of the parsed arguments returning an exit code (or None). Only the
# chosen subcommand's module is imported: some pull in torch or nbgrader, seconds
# that `convkit check` or `convkit stubs` should not pay.
COMMANDS = {
    "demo": "grader.demo",
    "grade": "grader.grade",
    "check": "grader.check",
    "course": "grader.course",
    "notebooks": "grader.notebooks",
    "stubs": "grader.stubgen",
    "examples": "grader.examples",
    "mnist-results": "grader.mnist_results",
}


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every subcommand, or with ``only`` that one."""
    parser = argparse.ArgumentParser(prog="convkit", description="Auto-graded convolution exercises.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, module in COMMANDS.items():
        if only in (None, name):
            importlib.import_module(module).add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    chosen = argv[0] if argv and argv[0] in COMMANDS else None
    args = build_parser(chosen).parse_args(argv)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
