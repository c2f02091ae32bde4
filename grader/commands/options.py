"""What ``convkit grade``, ``convkit grade --nbgrader`` and ``convkit demo`` share: the
grading options, the settings they make, and the end-of-run report."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Optional, Sequence

from grader.course import messages
from grader.course.assignment import EXERCISES, LANGUAGES

DEFAULT_SEED = 0


class UsageError(ValueError):
    """Arguments that name nothing gradable; reported with exit code 2."""


def exercises(names: Optional[Sequence[str]]) -> tuple[str, ...]:
    """The chosen exercises in teaching order (all when ``names`` is empty)."""
    if not names:
        return EXERCISES
    unknown = sorted(set(names) - set(EXERCISES))
    if unknown:
        raise UsageError(f"unknown exercise(s) {', '.join(unknown)}; choose from {', '.join(EXERCISES)}")
    return tuple(name for name in EXERCISES if name in names)


def settings_from(args: argparse.Namespace):
    """The grading settings (``grader.grading.cache.Settings``) of parsed grading options."""
    from grader.grading.cache import Settings

    data_root = args.data_root or os.environ.get("CONVKIT_DATA")
    return Settings(seed=args.seed, lang=args.lang or "en", exercises=exercises(args.exercises), budget_s=args.budget,
                    data_root=str(Path(data_root).resolve()) if data_root else None,
                    cascade=bool(getattr(args, "cascade", False)))


def add_grading_options(parser: argparse.ArgumentParser, jobs: int = 1) -> None:
    """The options shared by ``convkit grade`` and commands built on it (demo, nbgrader)."""
    parser.add_argument("--jobs", "-j", type=int, default=jobs, help=f"submissions graded at once (default: {jobs})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"run seed; it picks the random test configurations (default: {DEFAULT_SEED})")
    parser.add_argument("--lang", choices=LANGUAGES,
                        help="language of messages and feedback (default: en; with --nbgrader the course's)")
    parser.add_argument("--exercises", nargs="+", metavar="NAME",
                        help=f"grade only these exercises (default: all of {', '.join(EXERCISES)})")
    parser.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                        help="time budget per submission (default: the grader's)")
    parser.add_argument("--data-root", metavar="DIR", default=None,
                        help="MNIST data root (DIR/MNIST/raw/) for the mnist exercise "
                             "(default: $CONVKIT_DATA, else the offline 5,000-digit sample)")
    parser.add_argument("--cascade", action="store_true",
                        help="grade each exercise with the student's own earlier exercises, as the course "
                             "composes them (default: with correct stand-ins, so a bug costs points once)")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def report(run, out: Path, lang: str | None = None) -> int:
    """Print what a class run did to stderr, in ``lang`` (default en); 1 if any submission could not be graded."""
    lang = lang or "en"
    done = messages.text("class_report", lang, graded=len(run.graded), reused=len(run.reused), failed=len(run.failed),
                         out=out)
    print(f"convkit grade: {done}", file=sys.stderr)
    for student, error in sorted(run.failed.items()):
        print(f"convkit grade: {messages.text('class_failed', lang, student=student, error=error)}", file=sys.stderr)
    return 1 if run.failed else 0

