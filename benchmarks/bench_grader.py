"""Benchmark of ``convkit grade``: one complete submission, then a class.

Goals (issue 15, item 1): one complete submission (every exercise but mnist, the
reference solutions, so every test runs to the end) through the ``convkit grade``
command line takes at most 4 s of wall time on a 2-core machine (issue 3's floor was
15 s); a class graded with ``--jobs 2`` goes at least 100 submissions per minute. The
class of ``--copies`` (20) is graded and timed grade by grade: its rate is printed as
measured, start-up included, and projected for a class of 200 (the start-up once, then
the pace measured after it), each against the goal. The largest grading process's peak
resident memory is printed too (each grading process is capped at
``class_run.GRADING_MEMORY_BYTES``). The class goes through
``grade_class`` exactly as the CLI does (grading processes, workers, outputs); every run
writes into a fresh folder so nothing is reused. benchmarks/bench_overhead.py says where
the time of one submission goes.

Workers start warm (forked from a zygote, grader/isolation/warm.py) where the machine
allows it; ``--start cold`` measures the cold path for comparison.

Usage: .venv/bin/python benchmarks/bench_grader.py [--reps 2] [--copies 20] [--jobs 2] [--start warm|cold]
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grader.authoring.examples import DEMO_EXERCISES, reference_files  # noqa: E402
from grader.grading.class_run import GRADING_MEMORY_BYTES, Run, Settings, grade_class  # noqa: E402
from grader.grading.cache import RESULTS  # noqa: E402
from grader.isolation import bubblewrap  # noqa: E402

GOAL_ONE_S = 4.0  # one submission through the command line, wall seconds
GOAL_PER_MINUTE = 100.0  # a class with --jobs 2 on 2 cores
CLASS = 200  # a course's class: "hundreds of students"
REPO = Path(__file__).resolve().parents[1]


def make_class(root: Path, copies: int) -> dict[str, Path]:
    """``copies`` identical reference submissions under ``root``: student id -> folder."""
    files = reference_files()
    students = {}
    for i in range(copies):
        folder = root / f"student{i:02d}"
        folder.mkdir(parents=True)
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        students[folder.name] = folder
    return students


@dataclass(frozen=True)
class ClassTiming:
    """When a class run's grades landed: a fixed start-up, then a steady pace.

    The start-up (grading processes and their zygotes importing torch, the first
    submission of each) is paid once per run, so a class of 20 shows it ten times more
    than a class of 200; the pace after it is what a larger class adds per submission.
    """

    wall: float  # the whole grade_class call, outputs included
    first: float  # seconds until the first grade was stored
    last: float  # seconds until the last grade was stored
    count: int
    peak_rss: int  # the largest grading process's peak resident memory, bytes

    @property
    def pace(self) -> float:
        """Seconds per submission between the first stored grade and the last."""
        return (self.last - self.first) / max(self.count - 1, 1)

    def projected(self, count: int) -> float:
        """Wall seconds a class of ``count`` would take: start-up, ``count - 1`` paces, the outputs."""
        return self.first + (count - 1) * self.pace + (self.wall - self.last)


def timed_grade(students: dict[str, Path], out: Path, settings: Settings, jobs: int) -> tuple[ClassTiming, Run]:
    """Grade ``students`` into a fresh ``out`` through ``grade_class``, timing when each grade
    was stored (its resume-cache file's mtime); fails if any is not graded."""
    shutil.rmtree(out, ignore_errors=True)
    start, clock = time.time(), time.perf_counter()
    run = grade_class(students, out, settings, jobs=jobs, progress=False)
    wall = time.perf_counter() - clock
    if run.failed or len(run.graded) != len(students):
        raise SystemExit(f"grading failed: {run.failed}")
    stored = sorted((out / RESULTS).glob("*.json"))
    landed = sorted(path.stat().st_mtime - start for path in stored)
    return ClassTiming(wall, landed[0], landed[-1], len(landed), run.peak_rss), run


def print_class(timing: ClassTiming, jobs: int, goal_count: int) -> None:
    """One line for the class as graded, one for the class of ``goal_count`` it projects."""
    print(f"{timing.count} submissions with --jobs {jobs}: {timing.wall:.1f} s wall "
          f"({60 * timing.count / timing.wall:.1f} per minute): first grade after {timing.first:.1f} s "
          f"(start-up), then one every {timing.pace:.2f} s, outputs {timing.wall - timing.last:.1f} s")
    projected = timing.projected(goal_count)
    print(f"projected for a class of {goal_count}: {projected / 60:.1f} min ({60 * goal_count / projected:.1f} "
          f"per minute)")


def command_line_seconds(folder: Path, out: Path) -> tuple[float, float]:
    """Wall seconds of ``convkit grade FOLDER --out OUT`` (a fresh interpreter, a fresh ``out``),
    and the CPU seconds of the processes it waited for (the command, its grading process;
    not the zygote, which is killed): on a shared machine the CPU says what load hides."""
    shutil.rmtree(out, ignore_errors=True)
    argv = [sys.executable, "-m", "grader.commands.cli", "grade", str(folder), "--out", str(out), "--no-progress",
            "--exercises", *DEMO_EXERCISES]
    # The caller's environment as is (no OMP_NUM_THREADS): the grader sets its own threads.
    env = dict(os.environ, PYTHONPATH=str(REPO))
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=2, help="repetitions of the single-submission run (min is kept)")
    parser.add_argument("--copies", type=int, default=20, help="submissions in the class run")
    parser.add_argument("--jobs", type=int, default=2, help="--jobs of the class run")
    parser.add_argument("--start", choices=("warm", "cold"), default="warm",
                        help="how workers start (cold: CONVKIT_WARM=off; warm falls back to cold where it cannot hold)")
    args = parser.parse_args()
    if args.start == "cold":
        os.environ[bubblewrap.ENV_WARM] = "off"
    print(f"workers start {bubblewrap.warm_support().mode} ({bubblewrap.warm_support().reason})")
    # The machine is shared: the load says how much to trust the numbers below.
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"OMP_NUM_THREADS: {os.environ.get('OMP_NUM_THREADS', 'unset')} (grading runs torch on one thread either way)")
    with tempfile.TemporaryDirectory(prefix="bench-grader-") as scratch:
        root = Path(scratch)
        one = make_class(root / "one", 1)
        runs = [command_line_seconds(next(iter(one.values())), root / "out-one") for _ in range(args.reps)]
        times = [wall for wall, _ in runs]
        best = min(times)
        verdict = "PASS" if best <= GOAL_ONE_S else "MISS"
        print(f"one complete submission through convkit grade ({len(DEMO_EXERCISES)} exercises, mnist excluded): "
              f"{best:.1f} s wall (runs: {', '.join(f'{t:.1f}' for t in times)}; CPU of the command and its grading "
              f"process: {', '.join(f'{cpu:.1f}' for _, cpu in runs)} s); goal <= {GOAL_ONE_S:.0f} s: {verdict} "
              f"({best / GOAL_ONE_S:.1f} x the goal)")
        many = make_class(root / "class", args.copies)
        timing, _ = timed_grade(many, root / "out-class", Settings(exercises=DEMO_EXERCISES), jobs=args.jobs)
        print_class(timing, args.jobs, CLASS)
        for count in dict.fromkeys((args.copies, CLASS)):  # once when the class graded is the class of 200
            rate = 60 * count / (timing.wall if count == args.copies else timing.projected(count))
            verdict = "PASS" if rate >= GOAL_PER_MINUTE else "MISS"
            how = "measured" if count == args.copies else "projected"
            print(f"a class of {count} ({how}): {rate:.1f} per minute; goal >= {GOAL_PER_MINUTE:.0f}/min: {verdict} "
                  f"({rate / GOAL_PER_MINUTE:.2f} x the goal)")
        print(f"largest grading process: {timing.peak_rss / 2**20:.0f} MiB peak RSS "
              f"(limit {GRADING_MEMORY_BYTES / 2**30:.0f} GiB of data per process)")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
