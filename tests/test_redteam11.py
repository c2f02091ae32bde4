"""Red team, round 11 (against dfebea1): a one-shot pass for sys.settrace(None) left
unused by a call that failed before its own event, then taken by cProfile's enable
(whose timer read a kernel wrapper's answer); and the mode's handler swapped for a
pass-through on its class for part of a call (the autograd engine's elementary
operators then ran unseen).

Each ``tests/redteam11/<attack>/`` folder is a submission, graded with ``convkit grade``'s
own class-run code (``--jobs 2``) on the one exercise it attacks, beside an honest
classmate (tests/hostile_class.py). Both scored on dfebea1 (12/15, 7/20); each scores
nothing now. A third, ``print_pass_conv``, was written at stop 26 against the pass that lets
torch's tensor printing step off the mode stack: its formatting runs a convolution. A
fourth, ``tqdm_thread_map``, against stop 26's tqdm allowance: tqdm's thread pool runs the
convolution. A fifth, ``modswap_finalizer``, found by a helper against stop 26's module
registration: a finalizer that ran unguarded after the call and rewrote the reply (12/15).
A sixth, ``string_finder``, on the place the helper flagged: a meta-path finder compiled
under "<string>" ran scipy's correlate during an import inside the call (9/20).
"""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.grading.class_run import Run
from hostile_class import (HONEST, assert_everyone_graded_and_the_honest_classmate_full, grade_hostile_class,
                           scores_nothing_on, submission)
from hostile_class import sandboxed  # noqa: F401 (an autouse fixture)

ATTACKS = Path(__file__).resolve().parent / "redteam11"
HELPERS = ("conv_args", "output_size")
ATTACKED = {"setting_flag_profiler": "maxpool", "mode_handler_swap": "backward", "print_pass_conv": "loop_conv",
            "tqdm_thread_map": "loop_conv", "modswap_finalizer": "maxpool", "string_finder": "loop_conv"}
PLAN = {HONEST: ("maxpool", "backward", "loop_conv"), **{attack: (exercise,) for attack, exercise in ATTACKED.items()}}


@pytest.fixture(scope="session")
def hostile_class(tmp_path_factory) -> Run:
    return grade_hostile_class(tmp_path_factory.mktemp("redteam11"), ATTACKS, PLAN, HELPERS)


def test_every_folder_is_graded_and_the_honest_classmate_gets_full_marks(hostile_class):
    assert_everyone_graded_and_the_honest_classmate_full(hostile_class, PLAN)


@pytest.mark.parametrize("attack", sorted(ATTACKED))
def test_the_attack_scores_nothing(hostile_class, attack):
    scores_nothing_on(hostile_class, attack, ATTACKED[attack])


@pytest.mark.parametrize("attack", sorted(ATTACKED))
def test_each_attack_is_built_whole(tmp_path, attack):
    """Its "# unattacked:" line becomes stubs: the module compiles and defines them, so it
    scores nothing for its attack, not for a syntax error."""
    folder = submission(ATTACKS, tmp_path / attack, attack, HELPERS)
    text = (folder / f"{ATTACKED[attack]}.py").read_text()
    assert "# unattacked:" not in text
    compile(text, attack, "exec")
