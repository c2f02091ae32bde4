"""Calibrate the mnist exercise's accuracy bar: the reference and three wrong submissions, many seeds.

Runs the grading path of ``test_training_accuracy`` in one process, one thread: the
worker's training op (``grader/runtime/mnist_ops.py: train``) with a submission's
``build_cnn`` and ``train_epoch``, then the grader's check (the weights loaded into the
reference architecture, tested on the test split). Submissions: the reference, and three
that must fail: an untrained model (``train_epoch`` returns at once), a ``train_epoch`` that
never steps the optimizer, and a ``build_cnn`` that flattens channels last. The training
run (digits x epochs) is the suite's ``TRAINING`` entry for the data source, or
``--digits/--epochs``. Prints a Markdown table: min / mean / max test accuracy after each epoch (one training run per
seed gives every epoch count), seconds per epoch.

Usage: .venv/bin/python benchmarks/calibrate_mnist_bar.py [--data-root DIR] [--seeds 10] [--wrong-seeds 3]
       [--digits N --epochs E] [--out FILE]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import types
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pytest  # noqa: E402
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

from grader.course.recipe import BATCH_SIZE, LEARNING_RATE  # noqa: E402
from grader.grading import reference  # noqa: E402
from grader.runtime import mnist_ops  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
    from grader.suites import test_mnist as suite  # noqa: E402


class ChannelsLast(nn.Module):
    """Moves channels last before the flatten: same shapes, another flatten order."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.permute(0, 2, 3, 1)


def submissions() -> dict[str, types.SimpleNamespace]:
    """Name -> a namespace with ``build_cnn`` and ``train_epoch``, as the worker op reads a student module."""
    ref = reference.load("mnist")

    def untrained(model, loader, optimizer, criterion):
        return 0.0

    def never_steps(model, loader, optimizer, criterion):
        losses = []
        for images, labels in loader:
            optimizer.zero_grad()
            loss = criterion(model(images), labels)
            loss.backward()
            losses.append(loss.item())
        return sum(losses) / len(losses)

    def channels_last():
        layers = list(ref.build_cnn())
        return nn.Sequential(*layers[:-2], ChannelsLast(), *layers[-2:])

    return {
        "reference": types.SimpleNamespace(build_cnn=ref.build_cnn, train_epoch=ref.train_epoch),
        "untrained": types.SimpleNamespace(build_cnn=ref.build_cnn, train_epoch=untrained),
        "never steps": types.SimpleNamespace(build_cnn=ref.build_cnn, train_epoch=never_steps),
        "channels-last flatten": types.SimpleNamespace(build_cnn=channels_last, train_epoch=ref.train_epoch),
    }


def accuracy_curve(namespace, data, digits: int, epochs: int, seed: int) -> tuple[list[float], float]:
    """Test accuracy (%) after each epoch, graded as the suite grades a run of that many epochs, and the
    training seconds per epoch (evaluations excluded).

    One training run gives the whole curve: the submission's ``train_epoch`` is wrapped so
    that after each epoch the weights so far are tested exactly as the suite tests them
    (the op's shuffling and seeding do not depend on the number of epochs).
    """
    curve, spent = [], []

    def recording(model, loader, optimizer, criterion):
        start = time.perf_counter()
        loss = namespace.train_epoch(model, loader, optimizer, criterion)
        spent.append(time.perf_counter() - start)
        weights = {name: value.detach().clone() for name, value in model.state_dict().items()}
        curve.append(suite.test_accuracy(suite.trained_reference(weights, "en"), data.images["test"],
                                         data.labels["test"]))
        return loss

    wrapped = types.SimpleNamespace(build_cnn=namespace.build_cnn, train_epoch=recording)
    mnist_ops.train(wrapped, data.images["train"][:digits], data.labels["train"][:digits], epochs=epochs,
                    batch_size=BATCH_SIZE, lr=LEARNING_RATE, seed=seed, budget_s=float("inf"))
    return curve, statistics.mean(spent)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-root", default=None)
    parser.add_argument("--seeds", type=int, default=10, help="seeds of the reference (default: 10)")
    parser.add_argument("--wrong-seeds", type=int, default=3, help="seeds of each wrong submission (default: 3)")
    parser.add_argument("--digits", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None, help="append the table to this file")
    args = parser.parse_args()
    torch.set_num_threads(1)
    data = reference.load("mnist_data").load_mnist(args.data_root)
    run = suite.TRAINING[data.source]
    digits, epochs = args.digits or run.digits, args.epochs or run.epochs
    lines = [f"### {data.source}: {digits:,} training digits per epoch ({-(-digits // BATCH_SIZE)} Adam steps), "
             f"{len(data.labels['test']):,} test digits; load average {os.getloadavg()[0]:.1f}", "",
             "| submission | seeds | epochs | test accuracy min | mean | max | s / epoch (mean) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, namespace in submissions().items():
        count = args.seeds if name == "reference" else args.wrong_seeds
        runs = [accuracy_curve(namespace, data, digits, epochs, seed) for seed in range(count)]
        for epoch in range(epochs):
            accuracies = [curve[epoch] for curve, _ in runs]
            print(f"{name}, {epoch + 1} epoch(s): {[round(a, 2) for a in accuracies]}", flush=True)
            lines.append(f"| {name} | {count} | {epoch + 1} | {min(accuracies):.2f} | {statistics.mean(accuracies):.2f} "
                         f"| {max(accuracies):.2f} | {statistics.mean(s for _, s in runs):.2f} |")
    table = "\n".join(lines) + "\n"
    print(table)
    if args.out:
        with open(args.out, "a", encoding="utf-8") as f:
            f.write("\n" + table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
