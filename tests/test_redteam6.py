"""Red team, round 6: code the guard cannot see because it runs inside a callback
(tests/redteam6/README.md).

Each ``tests/redteam6/<attack>/`` is a submission folder, graded here with ``convkit
grade``'s own class-run code (``--jobs 2``) on the one exercise it attacks, beside an
honest classmate graded on all three (tests/hostile_class.py). The functions that are not
attacked raise ``NotImplementedError``, so each exercise's whole score must be 0. All four
scored on main at b35279e: a profile callback runs untraced, and a kernel reached while an
allowed wrapped operator (``unfold``, ``im2col``) ran got that operator's pass.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.grading.class_run import Run
from hostile_class import (HONEST, assert_everyone_graded_and_the_honest_classmate_full, grade_hostile_class,
                           scores_nothing_on)
from hostile_class import sandboxed  # noqa: F401 (an autouse fixture)

ATTACKS = Path(__file__).resolve().parent / "redteam6"
HELPERS = ("conv_args", "output_size")

ATTACKED = {
    "profile_inside": "maxpool",
    "profile_module": "maxpool",
    "cprofile_scipy": "loop_conv",
    "signal_inside": "im2col_conv",
}
PLAN = {HONEST: ("loop_conv", "im2col_conv", "maxpool"), **{attack: (exercise,) for attack, exercise in ATTACKED.items()}}


@pytest.fixture(scope="session")
def hostile_class(tmp_path_factory) -> Run:
    return grade_hostile_class(tmp_path_factory.mktemp("redteam6"), ATTACKS, PLAN, HELPERS)


def scores_nothing(run: Run, attack: str) -> dict:
    """``attack``'s graded exercise, after asserting it scored 0 of its (nonzero) points."""
    return scores_nothing_on(run, attack, ATTACKED[attack])


def test_every_folder_is_graded_and_the_honest_classmate_gets_full_marks(hostile_class):
    assert_everyone_graded_and_the_honest_classmate_full(hostile_class, PLAN)


def test_a_profile_hook_set_during_a_ruled_call_runs_nothing_unseen(hostile_class):
    """profile_inside: ``sys.setprofile`` by a computed name; at the c_call of the entry point
    the mode runs for ``unfold`` (allowed), the callback pools with F.max_pool2d. 12/15 when
    written; now the guard's audit hook trips on the hook being set."""
    scores_nothing(hostile_class, "profile_inside")


def test_the_standard_librarys_profiler_is_a_profile_hook_too(hostile_class):
    """profile_module: the same through ``profile.Profile.runcall`` (no name on the static
    check's list). 12/15 when written."""
    scores_nothing(hostile_class, "profile_module")


def test_a_library_run_from_cprofiles_timer_is_seen(hostile_class):
    """cprofile_scipy: ``scipy.signal.correlate`` in a ``cProfile`` timer, which runs untraced
    and reaches no aten operator. 10/20 when written; now the profiler's start trips."""
    scores_nothing(hostile_class, "cprofile_scipy")


def test_a_signal_handler_run_inside_an_allowed_operator_gets_no_pass(hostile_class):
    """signal_inside: a SIGPROF timer lands during F.unfold's kernel and a handler made of C
    callables runs ``torch.conv2d`` as it returns, while the guard believes ``im2col`` runs.
    15/15 when written (11 from conv2d_unfold); now setting the handler trips."""
    scores_nothing(hostile_class, "signal_inside")
