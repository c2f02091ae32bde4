"""How long `convkit similarity` takes for a class: 200 submissions of all seven exercises.

The class is the worst case for the comparison's cost: every student hands in the
reference with a few names changed and comments stirred, so every file is distinct (each is
tokenized) and every pair matches a lot. The time is the whole command, as an instructor
runs it: process start and imports, reading, comparing, similarity.csv and .html written.
Goal: under a minute on 2 cores (--jobs 2). Prints the time, the pairs per second, the
load average before and after (other work on the machine slows the run; say it with the
time) and the CPU seconds the command used, which other work hardly changes.

    .venv/bin/python benchmarks/bench_similarity.py [--students 200] [--jobs 2]
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# This checkout's grader, not the one the venv installed (it may be another checkout's).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grader.course.assignment import EXERCISES, solution_path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]

GOAL_S = 60.0


def variant(source: str, rng: random.Random) -> str:
    """``source`` with a few identifiers renamed and a comment added here and there."""
    names = sorted(set(re.findall(r"\b([a-z_][a-z0-9_]{2,})\s*=", source)))
    for name in rng.sample(names, k=min(4, len(names))):
        source = re.sub(rf"\b{name}\b", f"{name}_{rng.randrange(100)}", source)
    lines = source.splitlines()
    for _ in range(3):
        at = rng.randrange(len(lines))
        indent = re.match(r"\s*", lines[at]).group(0)
        lines.insert(at, f"{indent}# note {rng.randrange(1000)}")
    return "\n".join(lines) + "\n"


def make_class(root: Path, students: int) -> None:
    """``students`` submission folders in ``root``, each with a variant of every reference exercise."""
    rng = random.Random(0)
    sources = {e: solution_path(e).read_text(encoding="utf-8") for e in EXERCISES}
    for number in range(students):
        folder = root / f"s{number:03d}"
        folder.mkdir(parents=True)
        for exercise, source in sources.items():
            (folder / f"{exercise}.py").write_text(variant(source, rng), encoding="utf-8")


def cpu_seconds() -> float:
    """User + system CPU seconds of this process's finished children (and theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_command(folder: Path, out: Path, jobs: int) -> tuple[float, float, int]:
    """Wall and CPU seconds ``convkit similarity folder --out out`` takes (its pool included),
    and the pairs its CSV lists."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    cpu, start = cpu_seconds(), time.perf_counter()
    subprocess.run([sys.executable, "-m", "grader.commands.cli", "similarity", str(folder), "--out", str(out),
                    "--jobs", str(jobs)], env=env, check=True)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    rows = (out / "similarity.csv").read_text(encoding="utf-8").count("\n") - 1
    return seconds, cpu, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        make_class(Path(scratch) / "class", args.students)
        load_before = os.getloadavg()[0]
        seconds, cpu, pairs = run_command(Path(scratch) / "class", Path(scratch) / "out", args.jobs)
        load_after = os.getloadavg()[0]
    compared = len(EXERCISES) * args.students * (args.students - 1) // 2
    verdict = "PASS" if seconds <= GOAL_S else "MISS"
    print(f"{args.students} submissions x {len(EXERCISES)} exercises: {compared:,} comparisons "
          f"({pairs:,} sharing code) in {seconds:.1f} s, {compared / seconds:,.0f} per second, "
          f"--jobs {args.jobs}; goal <= {GOAL_S:.0f} s: {verdict}; 1-minute load average "
          f"{load_before:.2f} before, {load_after:.2f} after, on {os.cpu_count()} cores")
    # CPU seconds hardly depend on what else runs; spread over the jobs they bound the
    # time on idle cores.
    print(f"CPU {cpu:.1f} s in all ({cpu / max(1, args.jobs):.1f} s per core over --jobs {args.jobs})")


if __name__ == "__main__":
    main()
