"""Red team, round 8: the guard switched off through introspection reached by computed
names (gc, frames, closures, ctypes, the standard library's frame helpers).

Each ``tests/redteam8/<attack>/`` folder is a submission, graded with ``convkit grade``'s
own class-run code (``--jobs 2``) on the one exercise it attacks, beside an honest
classmate (tests/hostile_class.py); ``x_*`` folders are routes that already failed
(controls). On 9aa2cee every other attack scored (tests/redteam8/README.md); each
scores nothing now.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.grading.class_run import Run
from hostile_class import (HONEST, assert_everyone_graded_and_the_honest_classmate_full, grade_hostile_class,
                           scores_nothing_on)
from hostile_class import sandboxed  # noqa: F401 (an autouse fixture)

ATTACKS = Path(__file__).resolve().parent / "redteam8"
HELPERS = ("conv_args", "output_size")

ATTACKED = {
    "inspect_closurevars": "loop_conv",
    "gettrace_closure": "maxpool",
    "mode_subclasses": "im2col_conv",
    "mode_instance": "im2col_conv",
    "sealed_closure": "loop_conv",
    "getframe_locals": "maxpool",
    "stdlib_frames": "maxpool",
    "traceback_frame": "backward",
    "generator_frame": "maxpool",
    "gc_objects": "im2col_conv",
    "gc_referrers": "maxpool",
    "catch_trip": "maxpool",
    "signal_frame_import": "maxpool",
    "profile_import": "maxpool",
    "unraisable_import": "maxpool",
    "ctypes_capi_frames": "loop_conv",
    "gc_original_kernel": "maxpool",
    "tables_originals": "maxpool",
    "x_sealed_original_pop": "maxpool",
    "x_gc_garbage": "maxpool",
}
PLAN = {HONEST: ("loop_conv", "im2col_conv", "maxpool", "backward"),
        **{attack: (exercise,) for attack, exercise in ATTACKED.items()}}


@pytest.fixture(scope="session")
def hostile_class(tmp_path_factory) -> Run:
    return grade_hostile_class(tmp_path_factory.mktemp("redteam8"), ATTACKS, PLAN, HELPERS)


def test_every_folder_is_graded_and_the_honest_classmate_gets_full_marks(hostile_class):
    assert_everyone_graded_and_the_honest_classmate_full(hostile_class, PLAN)


@pytest.mark.parametrize("attack", sorted(ATTACKED))
def test_the_attack_scores_nothing(hostile_class, attack):
    scores_nothing_on(hostile_class, attack, ATTACKED[attack])
