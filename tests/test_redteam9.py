"""Red team, round 9: the redesigned guard (d299f97: every decision in one audit hook,
everything a submission reaches stateless) reached through student code that runs
*inside* the hook or a kernel wrapper (a signal handler, a gc callback, a finalizer)
with a generator frame saved while suspended, through a sealed function's bound keywords
overridden by its caller, and one HONEST submission the guard calls tampering.

Each ``tests/redteam9/<attack>/`` folder is a submission, graded with ``convkit grade``'s
own class-run code (``--jobs 2``) on the one exercise it attacks, beside an honest
classmate (tests/hostile_class.py). On 262db19 every attack scored (tests/redteam9/README.md)
and ``honest_unvalidated_refused`` got ``forbidden`` on bad_input.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.grading.class_run import Run
from hostile_class import (HONEST, assert_everyone_graded_and_the_honest_classmate_full, grade_hostile_class,
                           graded, scores_nothing_on)
from hostile_class import sandboxed  # noqa: F401 (an autouse fixture)

ATTACKS = Path(__file__).resolve().parent / "redteam9"
HELPERS = ("conv_args", "output_size")

ATTACKED = {
    "signal_hook_frame": "maxpool",
    "gc_callback_hook_frame": "im2col_conv",
    "kernel_token_finalizer": "maxpool",
    "sealed_kwargs_original": "backward",
}
# Honest code the guard must not call tampering (it may lose the points its mistakes cost).
HONEST_BUT_IMPERFECT = {"honest_unvalidated_refused": "maxpool"}
PLAN = {HONEST: ("loop_conv", "im2col_conv", "maxpool", "backward"),
        **{attack: (exercise,) for attack, exercise in {**ATTACKED, **HONEST_BUT_IMPERFECT}.items()}}


@pytest.fixture(scope="session")
def hostile_class(tmp_path_factory) -> Run:
    return grade_hostile_class(tmp_path_factory.mktemp("redteam9"), ATTACKS, PLAN, HELPERS)


def test_every_folder_is_graded_and_the_honest_classmate_gets_full_marks(hostile_class):
    assert_everyone_graded_and_the_honest_classmate_full(hostile_class, PLAN)


@pytest.mark.parametrize("attack", sorted(ATTACKED))
def test_the_attack_scores_nothing(hostile_class, attack):
    scores_nothing_on(hostile_class, attack, ATTACKED[attack])


@pytest.mark.parametrize("student", sorted(HONEST_BUT_IMPERFECT))
def test_an_honest_error_is_not_called_tampering(hostile_class, student):
    result = graded(hostile_class, student, HONEST_BUT_IMPERFECT[student])
    forbidden = [(test["name"], test["message"]) for test in result["tests"] if test["status"] == "forbidden"]
    assert not forbidden, forbidden
    # bad_input is lost (torch's RuntimeError is not the ValueError asked for); nothing else is.
    bad = next(test for test in result["tests"] if test["name"] == "bad_input")
    assert bad["status"] in ("failed", "error") and "tampering" not in bad["message"], bad
