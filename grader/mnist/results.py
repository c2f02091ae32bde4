"""``convkit mnist-results``: train the three reference MNIST models and table their results.

Each model is trained as in the course (grader/course/recipe.py: Adam, cross-entropy) on the
fixed training split of whichever source ``mnist_data.load_mnist`` finds, then tested
on the fixed test split. The Markdown table puts this run's test accuracy, parameter
count and seconds per epoch next to what the course reports after 5 epochs on full MNIST.
"""
from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from grader.course.recipe import BATCH_SIZE, COURSE_ACCURACY, LEARNING_RATE
from grader.grading import reference

MODELS = ("build_cnn1d", "build_cnn2d", "build_cnn")


@dataclass(frozen=True)
class Result:
    """One trained reference model: its builder, size, speed and test accuracy (%)."""

    model: str
    parameters: int
    seconds_per_epoch: float
    accuracy: float


def train_reference(model_name: str, data, epochs: int, seed: int) -> Result:
    """Train ``mnist.<model_name>()`` for ``epochs`` on ``data``'s training split and test it.

    Args:
        model_name: one of ``MODELS``.
        data: ``mnist_data.MNISTSplits`` (images N x 28 x 28 uint8 per split).
        epochs: passes over the training split.
        seed: seeds the initial weights and the shuffling.
    """
    mnist = reference.load("mnist")
    torch.manual_seed(seed)
    model = getattr(mnist, model_name)()
    train_loader, _, test_loader = data.loaders(batch_size=BATCH_SIZE, seed=seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    criterion = torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    for _ in range(epochs):
        mnist.train_epoch(model, train_loader, optimizer, criterion)
    seconds = (time.perf_counter() - start) / max(epochs, 1)
    parameters = sum(p.numel() for p in model.parameters())
    return Result(model_name, parameters, seconds, mnist.evaluate(model, test_loader))


def results_table(results: list[Result], data, epochs: int, seed: int) -> str:
    """The Markdown report: where the data came from, then one row per model."""
    sizes = ", ".join(f"{split} {len(data.labels[split])}" for split in ("train", "val", "test"))
    lines = [
        f"## {data.source}",
        "",
        f"- Date: {datetime.date.today().isoformat()}; torch {torch.__version__}, {torch.get_num_threads()} thread(s).",
        f"- Data source: **{data.source}** ({sizes}).",
        f"- This run: {epochs} epoch(s), Adam lr {LEARNING_RATE:g}, batch {BATCH_SIZE}, seed {seed}.",
        "- Course: 5 epochs on full MNIST (48,000 training digits, official 10,000 test digits).",
        "",
        "| model | parameters | s / epoch | test accuracy (this run) | course, 5 epochs, full MNIST |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.model} | {r.parameters:,} | {r.seconds_per_epoch:.2f} | {r.accuracy:.2f} % | {COURSE_ACCURACY[r.model]:.2f} % |"
        )
    return "\n".join(lines) + "\n"


def write_results(data_root: Path | None, *, download: bool, epochs: int, seed: int, out: Path | None) -> str:
    """Train the three models, print each result and the table, write it to ``out`` if given."""
    torch.set_num_threads(1)  # the timings are for one core, like one grading worker
    data = reference.load("mnist_data").load_mnist(data_root, download=download)
    results = []
    for name in MODELS:
        results.append(train_reference(name, data, epochs, seed))
        print(f"{name}: {results[-1].accuracy:.2f} % after {epochs} epoch(s), {results[-1].seconds_per_epoch:.2f} s/epoch")
    table = results_table(results, data, epochs, seed)
    print(table)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        previous = out.read_text(encoding="utf-8") if out.is_file() else ""
        out.write_text(merge_section(previous, data.source, table), encoding="utf-8")
    return table


TITLE = "# Reference MNIST models"


def merge_section(document: str, source: str, section: str) -> str:
    """``document`` with its ``## <source>`` section replaced by (or appended as) ``section``.

    One results file keeps one run per data source (full MNIST and the sample side by
    side); a run rewrites only its own source's section. Sources in a fixed order:
    ``mnist`` first, then the others alphabetically.
    """
    sections = {}
    for part in document.split("\n## ")[1:]:
        name = part.split("\n", 1)[0].strip()
        sections[name] = "## " + part.rstrip("\n") + "\n"
    sections[source] = section
    order = sorted(sections, key=lambda name: (name != "mnist", name))
    return TITLE + "\n\n" + "\n".join(sections[name] for name in order)
