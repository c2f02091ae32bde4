"""``convkit gradescope build --out autograder.zip``: Gradescope's autograder package;
``convkit gradescope grade``: what its ``run_autograder`` runs (docs/platforms.md)."""
from __future__ import annotations

import argparse
from pathlib import Path

from grader.commands.package_options import add_build_options, add_grade_parser, run_build, run_grade


def run_build_command(args: argparse.Namespace) -> int:
    from grader.platforms.gradescope import build

    return run_build(args, build, "convkit gradescope build", hidden_visibility=args.hidden_visibility)


def run_grade_command(args: argparse.Namespace) -> int:
    from grader.platforms.gradescope import grade

    return run_grade(args, grade, "convkit gradescope grade")


def add_parser(subparsers) -> None:
    """Register ``convkit gradescope build|grade``."""
    parser = subparsers.add_parser("gradescope", help="build a Gradescope autograder package")
    actions = parser.add_subparsers(dest="gradescope_command", required=True)
    build = actions.add_parser("build", help="write the autograder zip (setup.sh, run_autograder, the kit)")
    build.add_argument("--out", type=Path, required=True, metavar="ZIP", help="the zip to write, e.g. autograder.zip")
    add_build_options(build)
    build.add_argument("--hidden-visibility", default="after_published", metavar="WHEN",
                       help="Gradescope visibility of each test's result and message: hidden, after_due_date, "
                            "after_published (default) or visible; the total and per-exercise scores are visible at once")
    build.set_defaults(run=run_build_command)
    add_grade_parser(actions, "gradescope", "/autograder", run_grade_command)
