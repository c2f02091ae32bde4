"""Cost of the worker's forbidden-routine guard (grader/runtime/guard.py), in one process.

Prints, for ruled reference functions on small and medium inputs, the time of a call
unguarded and guarded (dispatch mode, spawn blocking, plain result), their ratio, and
the time of the integrity check that follows every request, and what wrapping the
kernels below the mode (``guard.KERNEL_PATTERN``) costs a routine called outside a ruled
call (MNIST training's convolutions and poolings): ``F.conv2d`` and ``F.max_pool2d``
before the guard is built and after. Ratios are measured in one run (min of medians),
as the project's benchmarks do.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/bench_guard.py
"""
from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import torch

# This checkout's grader, not the one the venv installed (it may be another checkout's).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grader.course import rules  # noqa: E402
from grader.grading.reference import load  # noqa: E402
from grader.runtime import guard, wire  # noqa: E402


def timed(fn, repeats: int = 5, number: int = 20) -> float:
    medians = []
    for _ in range(repeats):
        samples = []
        for _ in range(number):
            start = time.perf_counter()
            fn()
            samples.append(time.perf_counter() - start)
        medians.append(statistics.median(samples))
    return min(medians)


def main() -> None:
    torch.set_num_threads(1)
    gen = torch.Generator().manual_seed(0)
    X, W = torch.randn(8, 16, 32, 32, generator=gen), torch.randn(8, 16, 3, 3, generator=gen)
    routines = {"F.conv2d 8x16x32x32 k3": lambda: torch.nn.functional.conv2d(X, W),
                "F.max_pool2d 8x16x32x32 k2": lambda: torch.nn.functional.max_pool2d(X, 2)}
    before = {name: timed(fn) for name, fn in routines.items()}
    run_guarded, check = guard.build([guard, wire], [])
    conv, loop, pool = load("im2col_conv"), load("loop_conv"), load("maxpool")
    cases = {
        "im2col 2x3x16x16 k3": (("im2col_conv", "im2col"), conv.im2col, (torch.randn(2, 3, 16, 16, generator=gen), 3)),
        "im2col 8x16x64x64 k3": (("im2col_conv", "im2col"), conv.im2col, (torch.randn(8, 16, 64, 64, generator=gen), 3)),
        "conv2d_unfold 8x16x32x32": (("im2col_conv", "conv2d_unfold"), conv.conv2d_unfold,
                                     (torch.randn(8, 16, 32, 32, generator=gen), torch.randn(8, 16, 3, 3, generator=gen))),
        "maxpool2d_unfold 8x16x32x32": (("maxpool", "maxpool2d_unfold"), pool.maxpool2d_unfold,
                                        (torch.randn(8, 16, 32, 32, generator=gen), 2)),
        "conv2d_loop 1x2x6x6 (python loops)": (("loop_conv", "conv2d_loop"), loop.conv2d_loop,
                                               (torch.randn(1, 2, 6, 6, generator=gen), torch.randn(2, 2, 3, 3, generator=gen))),
    }
    print(f"{'call':38} {'plain ms':>9} {'guarded ms':>11} {'ratio':>6}")
    for name, (key, fn, args) in cases.items():
        spec = rules.guard(rules.RULES[key])
        plain = timed(lambda: fn(*args))
        guarded = timed(lambda: run_guarded(spec, lambda: fn(*args)))
        assert run_guarded(spec, lambda: fn(*args))[0] == "ok"
        print(f"{name:38} {plain * 1e3:9.3f} {guarded * 1e3:11.3f} {guarded / plain:6.2f}")
    print(f"integrity check after each request: {timed(check) * 1e3:.3f} ms")
    print(f"{'routine outside a ruled call':38} {'before ms':>9} {'wrapped ms':>11} {'ratio':>6}")
    for name, fn in routines.items():
        after = timed(fn)
        print(f"{name:38} {before[name] * 1e3:9.3f} {after * 1e3:11.3f} {after / before[name]:6.2f}")


if __name__ == "__main__":
    sys.exit(main())
