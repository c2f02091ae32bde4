"""What ``convkit gradescope`` and ``convkit prairielearn`` share: the options of their
``build`` (how the package grades) and ``grade`` (what the package's entry point runs)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from grader.commands.options import DEFAULT_SEED, UsageError, exercises
from grader.course.assignment import EXERCISES, LANGUAGES


def add_build_options(parser: argparse.ArgumentParser) -> None:
    """How the built package grades every submission."""
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the feedback (default: en)")
    parser.add_argument("--exercises", nargs="+", metavar="NAME",
                        help=f"grade only these exercises (default: all of {', '.join(EXERCISES)})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"run seed (default: {DEFAULT_SEED})")
    parser.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                        help="time budget per submission (default: the grader's)")


def package_settings(args: argparse.Namespace, **extra):
    """The ``PackageSettings`` of parsed build options.

    Raises:
        UsageError: an unknown exercise.
    """
    from grader.platforms.autograder import PackageSettings

    return PackageSettings(lang=args.lang, exercises=exercises(args.exercises), seed=args.seed,
                           budget_s=args.budget, **extra)


def add_grade_parser(actions, platform: str, root: str, run: Callable) -> None:
    """``convkit <platform> grade``: what the package's entry point runs for one submission."""
    grade = actions.add_parser("grade", help=f"grade the submission in {root} (run by the package's entry point)")
    grade.add_argument("--root", type=Path, default=Path(root), help=f"the platform's root folder (default: {root})")
    grade.add_argument("--settings", type=Path, required=True, metavar="FILE",
                       help="the package's convkit-autograder.json")
    grade.set_defaults(run=run)


def run_grade(args: argparse.Namespace, grade: Callable, command: str) -> int:
    """Grade with ``grade(root, settings)``; 1 (and the cause on stderr) when the grader failed."""
    from grader.platforms.autograder import PackageSettings

    try:
        settings = PackageSettings.read(args.settings)
    except (OSError, ValueError, TypeError) as error:
        print(f"{command}: cannot read the package settings {args.settings}: {error}", file=sys.stderr)
        return 2
    document, problem = grade(args.root.resolve(), settings)
    if problem:
        print(f"{command}: the grader failed on this submission: {problem}", file=sys.stderr)
        return 1
    print(f"{command}: results written to {args.root / 'results' / 'results.json'}", file=sys.stderr)
    return 0


def run_build(args: argparse.Namespace, build: Callable, command: str, **extra) -> int:
    """Build the package with ``build(out, settings)``; 2 for a usage error."""
    try:
        settings = package_settings(args, **extra)
        count = build(args.out, settings)
    except (UsageError, ValueError) as error:
        print(f"{command}: {error}", file=sys.stderr)
        return 2
    print(f"{command}: wrote {args.out} ({count} kit files; exercises {', '.join(settings.exercises)}; "
          f"language {settings.lang})", file=sys.stderr)
    return 0
