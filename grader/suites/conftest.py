"""Fixtures of the hidden suites: how a test reaches the student's code.

The suites run only through ``grader.grading.submission.grade_submission`` (never as the kit's
own tests), which passes a ``GradingContext`` for one submission. A test file is
``test_<exercise>.py``; each test is a function ``test_<name>`` with
``@pytest.mark.points(n)`` and, optionally, ``@pytest.mark.budget(seconds)`` to allow
each student call in that test more than the default 10 s (still within the
submission's total budget). The test's name (without ``test_``) is what the student
sees. A test must never use a bare ``assert``: pytest would print test code. It
checks results with the ``check`` fixture, whose ``Mismatch`` messages teach.

Fixtures
--------
``student`` (``grader.grading.session.StudentSession``)
    ``student.call(module, function, *args, **kwargs)`` runs ``module.function`` in the
    worker and returns plain values (tensors, numbers, tuples, lists, dicts,
    ``grader.runtime.wire.Opaque`` for anything else). ``student.call_and_inputs(...)`` also
    returns the arguments as they are after the call (mutation checks).
    ``student.op(name, module, forbid=None, **payload)`` runs a worker op registered
    with ``@grader.runtime.worker.op(name)`` (built-in ones are in ``grader/runtime/conv_ops.py``;
    ``grader/runtime/mnist_ops.py`` adds MNIST ones). ``forbid="function"`` applies that
    function's forbidden-routine rule (``grader/grading/forbidden.py``).
    Each module is seen with correct stand-ins of the earlier exercises it imports;
    inside ``with student.composed():`` with the student's own (the ``composition`` tests;
    see docs/grading.md). Failures raise ``grader.grading.session.StudentProblem`` subclasses (StudentError,
    MissingExercise, MissingFunction, LoadError, StudentTimeout, BudgetExhausted,
    WorkerCrashed, ForbiddenCall); let them propagate: the plugin turns each into the
    test's status and message. Catch ``StudentError`` only to expect an exception
    (``check.raises_value_error``).
``check`` (``grader.grading.compare.Checker``)
    ``check.tensor(actual, expected, function, part, call=..., window=...)``,
    ``check.value(...)`` for ints/tuples, ``check.raises_value_error(lambda: ..., function,
    case)``, ``check.unchanged(before, after, names, function)``, and window
    describers ``check.conv_window(kernel, stride, padding, dilation)``,
    ``check.length_window``, ``check.column_window``, ``check.pixel_window``.
    ``part`` is a ``part_*`` key of ``grader/course/messages.py`` ("output", "indices", "dW"...)
    or plain text.
``seed`` (int), ``rng`` (``random.Random``), ``gen`` (``torch.Generator``)
    Seeded from the run seed, the student id and the test's name: configurations
    differ between students and runs and are reproducible.
``ref`` (``grader.grading.reference.load``)
    ``ref("maxpool").maxpool2d_unfold`` is the reference solution, run here (trusted).
``lang`` (one of LANGUAGES)

Shared random configurations (conv/pool cases) live in ``grader/suites/configs.py``: build a
test's cases from its strata (``conv_cases``, ``pool_cases``) so every seed has every feature.
"""
from __future__ import annotations

import random
from typing import Any, Callable, Iterator

import pytest
import torch

from grader.grading import reference
from grader.grading.compare import Checker
from grader.grading.session import StudentSession
from grader.grading.submission import CONTEXT, GradingContext, per_test_seed


@pytest.fixture
def context(request: pytest.FixtureRequest) -> GradingContext:
    try:
        return request.config.stash[CONTEXT]
    except KeyError:
        raise RuntimeError("the hidden suites run only through grader.grading.submission.grade_submission") from None


@pytest.fixture
def student(context: GradingContext, request: pytest.FixtureRequest) -> Iterator[StudentSession]:
    marker = request.node.get_closest_marker("budget")
    if marker is None:
        yield context.student
    else:
        with context.student.time_limit(float(marker.args[0])):
            yield context.student


@pytest.fixture
def check(context: GradingContext) -> Checker:
    return context.check


@pytest.fixture
def detail(context: GradingContext, request: pytest.FixtureRequest):
    """What a test reports when it passes: ``detail(messages.Text("passed_accuracy", accuracy=97.1, bar=90))``."""
    return context.detail_for(request.node.nodeid)


@pytest.fixture
def lang(context: GradingContext) -> str:
    return context.lang


@pytest.fixture
def seed(context: GradingContext, request: pytest.FixtureRequest) -> int:
    return per_test_seed(context.seed, request.node.name)


@pytest.fixture
def rng(seed: int) -> random.Random:
    return random.Random(seed)


@pytest.fixture
def gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.fixture
def ref() -> Callable[[str], Any]:
    return reference.load
