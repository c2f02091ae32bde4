"""What the bubblewrap sandbox adds to starting one worker (goal: at most 0.5 s).

A submission's grading starts one worker; its start (spawn, ``import torch``, first
module load) is timed with and without the sandbox, alternating, in one run, so
machine load hits both alike. Run: ``.venv/bin/python benchmarks/bench_sandbox.py``.
``grader_overhead`` is importable by benchmarks/bench_grader.py.
"""
from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

# This checkout's grader, not the one the venv installed (it may be another checkout's).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grader.course.assignment import SOLUTIONS  # noqa: E402
from grader.isolation import bubblewrap as sandbox  # noqa: E402
from grader.isolation.launch import Worker  # noqa: E402
from grader.isolation.limits import Limits  # noqa: E402

GOAL_S = 0.5


def _set_mode(isolated: bool) -> None:
    if isolated:
        os.environ.pop(sandbox.ENV_MODE, None)
    else:
        os.environ[sandbox.ENV_MODE] = "off"
    sandbox.probe.cache_clear()


def _worker_start(submission: Path) -> float:
    """Seconds from nothing to a worker that has loaded one module, then stopped."""
    start = time.perf_counter()
    worker = Worker(submission, Limits())
    try:
        reply = worker.request({"cmd": "load", "module": "output_size"}, timeout=120)
        if "error" in reply:
            raise RuntimeError(f"bench_sandbox: the worker failed to load output_size: {reply}")
    finally:
        worker.stop()
    return time.perf_counter() - start


def grader_overhead(repeats: int = 5, submission: Path = SOLUTIONS) -> dict[str, float]:
    """Median worker start time with and without the sandbox, and the difference (s).

    Both are cold starts (a fresh interpreter importing torch): without the sandbox there
    is no warm worker to compare with, and a warm start is bench_overhead.py's business.
    """
    if not sandbox.probe().isolated:
        raise RuntimeError(f"bench_sandbox: no sandbox on this machine ({sandbox.probe().reason})")
    times: dict[bool, list[float]] = {True: [], False: []}
    warm = os.environ.get(sandbox.ENV_WARM)
    os.environ[sandbox.ENV_WARM] = "off"
    try:
        for i in range(repeats):
            for isolated in ((True, False) if i % 2 == 0 else (False, True)):
                _set_mode(isolated)
                times[isolated].append(_worker_start(submission))
    finally:
        _set_mode(True)
        if warm is None:
            os.environ.pop(sandbox.ENV_WARM)
        else:
            os.environ[sandbox.ENV_WARM] = warm
    sandboxed, plain = statistics.median(times[True]), statistics.median(times[False])
    return {"sandboxed_s": sandboxed, "plain_s": plain, "added_s": sandboxed - plain}


def main() -> int:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    result = grader_overhead(repeats)
    print(f"worker start, median of {repeats}: sandboxed {result['sandboxed_s']:.3f} s, "
          f"plain {result['plain_s']:.3f} s, ratio {result['sandboxed_s'] / result['plain_s']:.2f}")
    verdict = "within" if result["added_s"] <= GOAL_S else "OVER"
    print(f"sandbox adds {result['added_s']:+.3f} s per worker start ({verdict} the {GOAL_S} s goal)")
    return 0 if result["added_s"] <= GOAL_S else 1


if __name__ == "__main__":
    sys.exit(main())
