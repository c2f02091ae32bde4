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

# The seed of the kit's own runs (`convkit demo`, the examples' documented scores). Graded
# work has no default seed: its output folder's secret one (grader/grading/run_seed.py).
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


def settings_from(args: argparse.Namespace, out: Optional[Path] = None):
    """The grading settings (``grader.grading.cache.Settings``) of parsed grading options.

    The run seed is ``--seed``, else that of the output folder ``out`` (drawn and stored
    there, secret, on its first run: grader/grading/run_seed.py), said on stderr when it is
    drawn or overridden, never printed itself.

    Raises:
        UsageError: an unknown exercise, or neither ``--seed`` nor ``out``.
        OutputError: ``out`` cannot keep its seed (only with ``out``; nothing is graded).
    """
    from grader.grading.cache import Settings

    chosen = exercises(args.exercises)
    seed = args.seed
    if out is not None:
        seed = _folder_seed(out, args.seed, args.lang or "en")
    elif seed is None:
        raise UsageError("no run seed: pass --seed N")
    data_root = args.data_root or os.environ.get("CONVKIT_DATA")
    return Settings(seed=seed, lang=args.lang or "en", exercises=chosen, budget_s=args.budget,
                    data_root=str(Path(data_root).resolve()) if data_root else None,
                    cascade=bool(getattr(args, "cascade", False)))


def _folder_seed(out: Path, explicit: Optional[int], lang: str) -> int:
    """The run seed of a run into ``out``, saying on stderr when it was drawn or overridden."""
    from grader.grading.run_seed import SEED_FILE, folder_seed

    chosen = folder_seed(out, explicit)
    key = "seed_drawn" if chosen.drawn else "seed_overrides" if chosen.overrides else None
    if key:
        print(f"convkit grade: {messages.text(key, lang, out=out, file=out / SEED_FILE)}", file=sys.stderr)
    return chosen.seed


def add_grading_options(parser: argparse.ArgumentParser, jobs: int = 1, seed: Optional[int] = None) -> None:
    """The options shared by ``convkit grade`` and commands built on it (demo, nbgrader);
    ``seed``: ``--seed``'s default, None for the output folder's secret seed."""
    parser.add_argument("--jobs", "-j", type=int, default=jobs, help=f"submissions graded at once (default: {jobs})")
    parser.add_argument("--seed", type=int, default=seed,
                        help="run seed; with each student id it picks the random test configurations (default: "
                             + (str(seed) if seed is not None else
                                "the output folder's own secret seed, drawn on its first run and kept in the "
                                "folder: docs/instructors.md") + ")")
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

