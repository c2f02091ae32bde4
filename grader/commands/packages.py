"""``convkit gradescope|prairielearn build|grade``: a platform's autograder package.

``build`` writes the package (how it grades every submission is fixed at build time);
``grade`` is what the package's entry point runs on the platform for one submission
(docs/platforms.md). Both platforms share every option but one, so they are one table.
"""
from __future__ import annotations

import argparse
import functools
import importlib
import sys
from dataclasses import dataclass
from pathlib import Path

from grader.commands.options import UsageError, exercises
from grader.course.assignment import EXERCISES, LANGUAGES


@dataclass(frozen=True)
class Platform:
    """One platform's command: its words, where its entry point finds the submission, its own build option."""

    name: str
    help: str
    build_help: str
    out_metavar: str
    out_help: str
    root: str  # the platform's folder holding the submission and results/
    option: str  # the one build option of its own, e.g. "--image"
    option_default: str
    option_help: str
    option_in_settings: bool  # read again at grade time (a PackageSettings field), not only by build()

    @property
    def option_dest(self) -> str:
        return self.option.lstrip("-").replace("-", "_")


PLATFORMS = {
    "gradescope": Platform(
        "gradescope", "build a Gradescope autograder package",
        "write the autograder zip (setup.sh, run_autograder, the kit)",
        "ZIP", "the zip to write, e.g. autograder.zip", "/autograder",
        "--hidden-visibility", "after_published",
        "Gradescope visibility of each test's result and message: hidden, after_due_date, after_published "
        "(default) or visible; the total and per-exercise scores are visible at once", True),
    "prairielearn": Platform(
        "prairielearn", "build a PrairieLearn external grader",
        "write the grader folder (run.sh, the kit, Dockerfile, info.json)",
        "DIR", "the folder to write (replaced), e.g. serverFilesCourse/convkit", "/grade",
        "--image", "convkit-grader", "the grading image's name, written into info.json (default: convkit-grader)",
        False),
}


def add_parser(subparsers, platform: Platform) -> None:
    """Register ``convkit <platform> build|grade``."""
    parser = subparsers.add_parser(platform.name, help=platform.help)
    actions = parser.add_subparsers(dest=f"{platform.name}_command", required=True)
    build = actions.add_parser("build", help=platform.build_help)
    build.add_argument("--out", type=Path, required=True, metavar=platform.out_metavar, help=platform.out_help)
    build.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the feedback (default: en)")
    build.add_argument("--exercises", nargs="+", metavar="NAME",
                       help=f"grade only these exercises (default: all of {', '.join(EXERCISES)})")
    build.add_argument("--seed", type=int, default=None,
                       help="run seed of every submission graded by the package (default: a secret one drawn for "
                            "this package and kept in its settings file)")
    build.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                       help="time budget per submission (default: the grader's)")
    build.add_argument(platform.option, default=platform.option_default, help=platform.option_help)
    build.set_defaults(run=functools.partial(run_build, platform=platform))
    root = platform.root
    grade = actions.add_parser("grade", help=f"grade the submission in {root} (run by the package's entry point)")
    grade.add_argument("--root", type=Path, default=Path(root), help=f"the platform's root folder (default: {root})")
    grade.add_argument("--settings", type=Path, required=True, metavar="FILE",
                       help="the package's convkit-autograder.json")
    grade.set_defaults(run=functools.partial(run_grade, platform=platform))


add_gradescope_parser = functools.partial(add_parser, platform=PLATFORMS["gradescope"])
add_prairielearn_parser = functools.partial(add_parser, platform=PLATFORMS["prairielearn"])


def run_build(args: argparse.Namespace, platform: Platform) -> int:
    """Build the package; 2 for a usage error."""
    from grader.grading.run_seed import fresh_seed
    from grader.platforms.autograder import SETTINGS, PackageSettings

    command = f"convkit {platform.name} build"
    own = {platform.option_dest: getattr(args, platform.option_dest)}
    build = importlib.import_module(f"grader.platforms.{platform.name}").build
    # Each package its own secret seed: every submission to it is graded alike, and nobody
    # without the package can replay the hidden suites' inputs (grader/grading/run_seed.py).
    seed = fresh_seed() if args.seed is None else args.seed
    try:
        settings = PackageSettings(lang=args.lang, exercises=exercises(args.exercises), seed=seed,
                                   budget_s=args.budget, **(own if platform.option_in_settings else {}))
        count = build(args.out, settings, **({} if platform.option_in_settings else own))
    except (UsageError, ValueError) as error:
        print(f"{command}: {error}", file=sys.stderr)
        return 2
    print(f"{command}: wrote {args.out} ({count} kit files; exercises {', '.join(settings.exercises)}; "
          f"language {settings.lang}; run seed {'--seed' if args.seed is not None else 'secret'}, in its {SETTINGS})",
          file=sys.stderr)
    return 0


def run_grade(args: argparse.Namespace, platform: Platform) -> int:
    """Grade the submission under ``--root``; 1 (and the cause on stderr) when the grader failed."""
    from grader.platforms.autograder import PackageSettings

    command = f"convkit {platform.name} grade"
    try:
        settings = PackageSettings.read(args.settings)
    except (OSError, ValueError, TypeError) as error:
        print(f"{command}: cannot read the package settings {args.settings}: {error}", file=sys.stderr)
        return 2
    grade = importlib.import_module(f"grader.platforms.{platform.name}").grade
    _, problem = grade(args.root.resolve(), settings)
    if problem:
        print(f"{command}: the grader failed on this submission: {problem}", file=sys.stderr)
        return 1
    print(f"{command}: results written to {args.root / 'results' / 'results.json'}", file=sys.stderr)
    return 0
