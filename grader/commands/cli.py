"""The ``convkit`` command: one subcommand per command module.

A command module parses its arguments and imports the feature it runs only inside its
``run`` function, so ``convkit --help`` and every ``convkit X --help`` import neither
torch nor nbgrader.
"""
from __future__ import annotations

import argparse
import importlib
import sys
from importlib import metadata

# Subcommand -> (module, the function that registers it on the subparsers).
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("grader.commands.demo", "add_parser"),
    "grade": ("grader.commands.grade", "add_parser"),
    "report": ("grader.commands.report", "add_parser"),
    "check": ("grader.commands.check", "add_parser"),
    "course": ("grader.commands.course", "add_parser"),
    "notebooks": ("grader.commands.generate", "add_notebooks_parser"),
    "stubs": ("grader.commands.generate", "add_stubs_parser"),
    "examples": ("grader.commands.generate", "add_examples_parser"),
    "mnist-results": ("grader.commands.mnist_results", "add_parser"),
    "similarity": ("grader.commands.similarity", "add_parser"),
    "gradescope": ("grader.commands.packages", "add_gradescope_parser"),
    "prairielearn": ("grader.commands.packages", "add_prairielearn_parser"),
    "export": ("grader.commands.export", "add_parser"),
    "mutants": ("grader.commands.mutants", "add_parser"),
    "data": ("grader.commands.data", "add_parser"),
}


def version() -> str:
    """The installed convkit version ("unknown" when run from a source tree without installing)."""
    try:
        return metadata.version("convkit")
    except metadata.PackageNotFoundError:
        return "unknown"


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every subcommand, or with ``only`` that one."""
    parser = argparse.ArgumentParser(prog="convkit", description="Auto-graded convolution exercises.")
    parser.add_argument("--version", action="version", version=f"convkit {version()}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name, (module, register) in COMMANDS.items():
        if only in (None, name):
            getattr(importlib.import_module(module), register)(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run ``convkit`` with ``argv`` (default: the process's arguments); the exit code."""
    argv = sys.argv[1:] if argv is None else argv
    chosen = argv[0] if argv and argv[0] in COMMANDS else None
    args = build_parser(chosen).parse_args(argv)
    return int(args.run(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
