"""Where the time of one submission goes (issue 15, item 1).

Measured in one run, each part the median of ``--reps`` repetitions:

- python: starting an interpreter (``python -c pass``);
- torch import: ``import torch`` in a fresh interpreter, minus python;
- two torch imports at once: two such interpreters started together, until both end,
  minus python. A cold ``convkit grade`` pays this before its first test: its grading
  process and its zygote (or cold worker) each import torch, side by side;
- grading-process imports: importing the grader, pytest and every suite (with torch),
  minus python: what a grading process pays once before its first submission;
- worker start: a cold sandboxed worker (the submission copied, bubblewrap, its memory,
  CPU and pids cgroups, the worker importing torch) up to its first answer
  (``CONVKIT_WARM=off``);
- zygote start: the first warm worker of a process, the zygote's start (bubblewrap,
  importing torch; not torch._dynamo, which it imports only for a run grading mnist)
  included: paid once per grading process, overlapping its imports;
- warm worker start: a worker forked from the already running zygote into its own
  sandbox and cgroups, up to its first answer: paid per submission in warm mode;
- fork of a torch process: ``os.fork()``, the child's exit and its reaping, in an
  interpreter that imported torch (the median of 15 in one interpreter), first as it
  is, then after ``zygote.huge_pages()`` as a zygote does ("... in huge pages"). Copying
  the page tables of torch's 300 MB of private memory makes a fork cost what a small
  program's start does, and a warm worker's start forks three times (the zygote's
  child, pid 1 of the submission's PID namespace, the worker);
- warm grading: ``grade_submission`` of the reference (every exercise but mnist) in a
  process that has graded once already: the worker start (warm where the machine allows
  it) plus the suites;
- suites: warm grading minus that worker start: the tests themselves, the student's code
  included;
- convkit grade: the whole command line on that one submission (fresh output folder).

Each part is printed with its ratio to the whole command line; the parts overlap (the
worker imports torch while pytest collects), so they need not add up.

Usage: .venv/bin/python benchmarks/bench_overhead.py [--reps 3]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from grader.authoring.examples import DEMO_EXERCISES, reference_files  # noqa: E402

ENV = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(REPO))


def median_seconds(action: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def python(code: str, copies: int = 1) -> Callable[[], object]:
    """Run ``code`` in ``copies`` fresh interpreters started together; return when all ended."""
    def run() -> None:
        started = [subprocess.Popen([sys.executable, "-c", code], env=ENV) for _ in range(copies)]
        if any([process.wait() for process in started]):  # a list: wait for every one
            raise SystemExit(f"bench_overhead: python -c {code!r} failed")
    return run


FORK = """
import os, statistics, time
import torch
def fork():
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return time.perf_counter() - start
print(statistics.median(fork() for _ in range(15)))
from grader.runtime import zygote
zygote.huge_pages()
print(statistics.median(fork() for _ in range(15)))
"""


def fork_seconds() -> tuple[float, float]:
    """The median fork of an interpreter that imported torch, before and after it asked
    for huge pages (measured inside it)."""
    out = subprocess.run([sys.executable, "-c", FORK], env=ENV, check=True, capture_output=True, text=True).stdout
    before, after = map(float, out.split()[-2:])
    return before, after


def start_worker(src: Path) -> None:
    """A worker for ``src`` up to its answer to loading output_size, then stopped."""
    from grader.isolation.launch import Worker
    from grader.isolation.limits import Limits

    worker = Worker(src, Limits())
    try:
        reply = worker.request({"cmd": "load", "module": "output_size", "standins": []}, timeout=120)
        if "error" in reply:
            raise SystemExit(f"bench_overhead: the worker could not load output_size: {reply['error']}")
    finally:
        worker.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each part (the median is kept)")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as scratch:
        src = Path(scratch) / "class" / "ref"
        src.mkdir(parents=True)
        for name, text in reference_files().items():
            (src / name).write_text(text, encoding="utf-8")
        suites = ", ".join(f"grader.suites.test_{e}" for e in DEMO_EXERCISES)
        parts: dict[str, float] = {}
        parts["python"] = median_seconds(python("pass"), args.reps)
        parts["torch import"] = median_seconds(python("import torch"), args.reps) - parts["python"]
        parts["two torch imports at once"] = median_seconds(python("import torch", 2), args.reps) - parts["python"]
        forks = [fork_seconds() for _ in range(args.reps)]
        parts["fork of a torch process"] = statistics.median(before for before, _ in forks)
        parts["... in huge pages"] = statistics.median(after for _, after in forks)
        parts["grading-process imports"] = median_seconds(
            python(f"import grader.grading.submission, grader.suites.conftest, {suites}"), args.reps) - parts["python"]
        from grader.grading.submission import grade_submission
        from grader.isolation import bubblewrap

        bubblewrap.announce()
        os.environ[bubblewrap.ENV_WARM] = "off"
        parts["worker start"] = median_seconds(lambda: start_worker(src), args.reps)
        del os.environ[bubblewrap.ENV_WARM]
        if bubblewrap.warm_support().mode == "warm":
            parts["zygote start"] = median_seconds(lambda: start_worker(src), 1)
            parts["warm worker start"] = median_seconds(lambda: start_worker(src), args.reps)
        else:
            print(f"(no warm workers here: {bubblewrap.warm_support().reason})")
        grade = lambda: grade_submission(src, "ref", seed=0, exercises=DEMO_EXERCISES)  # noqa: E731
        grade()  # the suites' first import and collection
        parts["warm grading"] = median_seconds(grade, args.reps)
        parts["suites"] = parts["warm grading"] - parts.get("warm worker start", parts["worker start"])
        out = Path(scratch) / "out"
        cli = [sys.executable, "-m", "grader.commands.cli", "grade", str(src), "--out", str(out), "--no-progress",
               "--exercises", *DEMO_EXERCISES]

        def command() -> None:
            subprocess.run(["rm", "-rf", str(out)], check=True)
            subprocess.run(cli, env=ENV, check=True, stderr=subprocess.DEVNULL)

        parts["convkit grade"] = median_seconds(command, args.reps)
    whole = parts["convkit grade"]
    for name, seconds in parts.items():
        print(f"{name:>26}: {seconds:6.2f} s  {seconds / whole:6.1%} of convkit grade")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
