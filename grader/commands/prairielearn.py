"""``convkit prairielearn build --out DIR``: a PrairieLearn external grader folder;
``convkit prairielearn grade``: what its ``run.sh`` runs (docs/platforms.md)."""
from __future__ import annotations

import argparse
from pathlib import Path

from grader.commands.package_options import add_build_options, add_grade_parser, run_build, run_grade


def run_build_command(args: argparse.Namespace) -> int:
    from grader.platforms.prairielearn import build

    return run_build(args, lambda out, settings: build(out, settings, image=args.image), "convkit prairielearn build")


def run_grade_command(args: argparse.Namespace) -> int:
    from grader.platforms.prairielearn import grade

    return run_grade(args, grade, "convkit prairielearn grade")


def add_parser(subparsers) -> None:
    """Register ``convkit prairielearn build|grade``."""
    parser = subparsers.add_parser("prairielearn", help="build a PrairieLearn external grader")
    actions = parser.add_subparsers(dest="prairielearn_command", required=True)
    build = actions.add_parser("build", help="write the grader folder (run.sh, the kit, Dockerfile, info.json)")
    build.add_argument("--out", type=Path, required=True, metavar="DIR",
                       help="the folder to write (replaced), e.g. serverFilesCourse/convkit")
    add_build_options(build)
    build.add_argument("--image", default="convkit-grader",
                       help="the grading image's name, written into info.json (default: convkit-grader)")
    build.set_defaults(run=run_build_command)
    add_grade_parser(actions, "prairielearn", "/grade", run_grade_command)
