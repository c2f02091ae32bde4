"""How fast the reference implementations are next to torch's own layers.

Run: ``.venv/bin/python benchmarks/bench_reference.py`` (one thread, a minute or two).

Every line compares two ways of computing the same thing in the same run: both are
timed call by call in alternation, in several rounds after a warm-up; each round
keeps the median of its repetitions and the report keeps each side's fastest round
(min of medians), which is robust to the load of a shared machine. Ratios are what
matter, not seconds.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from grader.grading.reference import load  # noqa: E402  (the repository root must be on the path first)

im2col_conv, maxpool, backward, loop_conv, mnist = (
    load(name) for name in ("im2col_conv", "maxpool", "backward", "loop_conv", "mnist")
)


def _seconds(fn: Callable[[], object]) -> float:
    """Time one call, right after an untimed one that warms the caches the other side used."""
    fn()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def compare(ours: Callable[[], object], theirs: Callable[[], object], rounds: int, repetitions: int) -> tuple[float, float]:
    """Seconds per call of ``ours`` and ``theirs``: min over rounds of the median of repetitions.

    The two run call by call in alternating order, so a burst of load from other
    processes slows both sides alike instead of one side's whole round.
    """
    for fn in (ours, theirs):  # warm-up: allocator, lazy init
        fn()
    best = [float("inf"), float("inf")]
    for _ in range(rounds):
        samples: tuple[list[float], list[float]] = ([], [])
        for repetition in range(repetitions):
            for side in ((0, 1) if repetition % 2 == 0 else (1, 0)):
                samples[side].append(_seconds((ours, theirs)[side]))
        best = [min(b, statistics.median(s)) for b, s in zip(best, samples)]
    return best[0], best[1]


class UnfoldConv2d(nn.Module):
    """An ``nn.Conv2d``'s parameters run through a reference convolution."""

    def __init__(self, conv: nn.Conv2d, function: Callable[..., torch.Tensor]):
        super().__init__()
        self.weight = nn.Parameter(conv.weight.detach().clone())
        self.bias = nn.Parameter(conv.bias.detach().clone())
        self.stride, self.padding, self.dilation = conv.stride, conv.padding, conv.dilation
        self.function = function

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Args: x: batch x in x H x W. Returns: batch x out x H_out x W_out."""
        return self.function(x, self.weight, self.bias, self.stride, self.padding, self.dilation)


class UnfoldMaxPool2d(nn.Module):
    """``nn.MaxPool2d`` through the reference ``maxpool2d_unfold`` (autograd through its values)."""

    def __init__(self, pool: nn.MaxPool2d):
        super().__init__()
        self.kernel_size, self.stride = pool.kernel_size, pool.stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Args: x: batch x C x H x W. Returns: batch x C x H_out x W_out."""
        return maxpool.maxpool2d_unfold(x, self.kernel_size, self.stride)[0]


def reference_model(model: nn.Sequential, conv: Callable[..., torch.Tensor]) -> nn.Sequential:
    """A copy of ``model`` (same initial weights) with its convs and max-pools replaced."""
    layers = []
    for layer in model:
        if isinstance(layer, nn.Conv2d):
            layer = UnfoldConv2d(layer, conv)
        elif isinstance(layer, nn.MaxPool2d):
            layer = UnfoldMaxPool2d(layer)
        layers.append(layer)
    return nn.Sequential(*layers)


def training_step(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> Callable[[], None]:
    """One forward + backward + SGD step of ``model`` on one batch, as a thunk."""
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

    def step() -> None:
        optimizer.zero_grad()
        F.cross_entropy(model(images), labels).backward()
        optimizer.step()

    return step


def report(name: str, ours: float, theirs: float, goal: float | None) -> bool:
    """Print one line; returns whether the goal (a maximum ratio) was met."""
    ratio = ours / theirs
    verdict = "  (no goal)" if goal is None else f"  goal <= {goal:g}x  {'PASS' if ratio <= goal else 'MISS'}"
    print(f"{name:52s} {ours * 1e3:9.2f} ms vs {theirs * 1e3:8.2f} ms  ratio {ratio:6.2f}x{verdict}", flush=True)
    return goal is None or ratio <= goal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="rounds per comparison (default 5)")
    parser.add_argument("--repetitions", type=int, default=7, help="timed calls per round (default 7)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    torch.manual_seed(0)
    timing = dict(rounds=args.rounds, repetitions=args.repetitions)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} thread; times are min over {args.rounds} rounds "
          f"of the median of {args.repetitions} calls")
    met = []

    for shape, out_channels in (((64, 1, 28, 28), 8), ((32, 3, 56, 56), 64)):
        X = torch.randn(shape)
        conv = nn.Conv2d(shape[1], out_channels, 3, padding=1)
        w, b = conv.weight.detach(), conv.bias.detach()
        ours, theirs = compare(lambda: im2col_conv.conv2d_unfold(X, w, b, 1, 1), lambda: F.conv2d(X, w, b, 1, 1), **timing)
        met.append(report(f"conv2d_unfold vs F.conv2d, {tuple(shape)}->{out_channels}ch k3 p1", ours, theirs, 2.0))

    images, labels = torch.randn(64, 1, 28, 28), torch.randint(0, 10, (64,))
    for label, conv in (("Conv2dFunction", backward.Conv2dFunction.apply), ("autograd through conv2d_unfold", im2col_conv.conv2d_unfold)):
        torch_model = mnist.build_cnn()
        ours_step = training_step(reference_model(torch_model, conv), images, labels)
        theirs_step = training_step(torch_model, images, labels)
        ours, theirs = compare(ours_step, theirs_step, **timing)
        met.append(report(f"train step vs nn model: {label}", ours, theirs, 2.5))

    # One image through build_cnn's first layer: why im2col exists.
    image = torch.randn(1, 1, 28, 28)
    conv = nn.Conv2d(1, 8, 3, padding=1)
    w, b = conv.weight.detach(), conv.bias.detach()
    few = dict(rounds=2, repetitions=3)  # the loop takes tens of ms per call
    for label, fast in (("F.conv2d", F.conv2d), ("conv2d_unfold", im2col_conv.conv2d_unfold)):
        ours, theirs = compare(lambda: loop_conv.conv2d_loop(image, w, b, 1, 1), lambda: fast(image, w, b, 1, 1), **few)
        report(f"conv2d_loop vs {label}, one 1x28x28 image ->8ch", ours, theirs, None)

    print(f"{sum(met)}/{len(met)} goals met")
    return 0 if all(met) else 1


if __name__ == "__main__":
    sys.exit(main())
