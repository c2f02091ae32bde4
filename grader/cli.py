"""The ``convkit`` command: one subcommand per feature module."""
from __future__ import annotations

import argparse
import importlib
import sys

# Each module defines add_parser(subparsers), which registers its subcommand(s) and
# sets ``run`` to a function of the parsed arguments returning an exit code (or None).
COMMAND_MODULES = (
    "grader.stubgen",
    "grader.demo",
    "grader.grade",
    "grader.examples",
    "grader.mnist_results",
    "grader.notebooks",
    "grader.course",
    "grader.check",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="convkit", description="Auto-graded convolution exercises.")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
