"""Red team, round 7: code run from the submission's own audit hook, and a torch function
mode that sees the guard's own calls (tests/redteam7/README.md).

Each ``tests/redteam7/<attack>/`` is a submission folder, graded here with ``convkit
grade``'s own class-run code (``--jobs 2``) on the one exercise it attacks, beside an
honest classmate (tests/hostile_class.py). All four scored on main at 5a13f97.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.grading.class_run import Run
from hostile_class import (HONEST, assert_everyone_graded_and_the_honest_classmate_full, grade_hostile_class,
                           reference_function, scores_nothing_on, graded, submission, summary)
from hostile_class import sandboxed  # noqa: F401 (an autouse fixture)

ATTACKS = Path(__file__).resolve().parent / "redteam7"
HELPERS = ("conv_args", "output_size")

ATTACKED = {
    "audit_scipy": "loop_conv",
    "tfmode_autograd": "backward",
    "reply_forge": "maxpool",
    "reply_forge_conv": "im2col_conv",
}
PLAN = {HONEST: ("loop_conv", "im2col_conv", "maxpool", "backward"),
        **{attack: (exercise,) for attack, exercise in ATTACKED.items()}}


@pytest.fixture(scope="session")
def hostile_class(tmp_path_factory) -> Run:
    return grade_hostile_class(tmp_path_factory.mktemp("redteam7"), ATTACKS, PLAN, HELPERS)


def scores_nothing(run: Run, attack: str) -> dict:
    """``attack``'s graded exercise, after asserting it scored 0 of its (nonzero) points."""
    return scores_nothing_on(run, attack, ATTACKED[attack])


def test_every_folder_is_graded_and_the_honest_classmate_gets_full_marks(hostile_class):
    assert_everyone_graded_and_the_honest_classmate_full(hostile_class, PLAN)


def test_a_library_run_from_the_submissions_own_audit_hook_is_seen(hostile_class):
    """audit_scipy: ``sys.addaudithook`` at import, ``scipy.signal.correlate`` in the hook,
    fired with ``sys.audit`` in conv2d_loop; audit hooks run untraced. 10/20 when written;
    now no audit hook can be added once the guard exists, and trying is tampering."""
    scores_nothing(hostile_class, "audit_scipy")


def test_autograd_run_below_the_popped_mode_by_a_function_mode_is_seen(hostile_class):
    """tfmode_autograd: a torch function mode whose handler is a C callable sees the entry
    point the guard runs inside an allowed operator, with the dispatch mode popped, and
    runs the autograd engine from there. 15/20 when written; its col2im is the reference's,
    honest, so only col2im's own tests may pass."""
    result = graded(hostile_class, "tfmode_autograd", "backward")
    cheated = [test for test in result["tests"] if test["name"] not in ("col2im_random", "bad_input")]
    assert cheated and all(test["score"] == 0 for test in cheated), summary(result)


def test_the_attack_is_graded_with_the_reference_col2im_spliced_in(tmp_path):
    folder = submission(ATTACKS, tmp_path / "tfmode_autograd", "tfmode_autograd", HELPERS)
    text = (folder / "backward.py").read_text()
    assert reference_function("backward", "col2im") in text and "# reference:" not in text


def test_a_reply_rewritten_after_the_guard_is_not_sent(hostile_class):
    """reply_forge: a function mode left on the stack catches plain()'s clones, and an audit
    hook fired by the guard's own setrlimit after the call overwrites them with
    F.max_pool2d's output. 12/15 when written."""
    scores_nothing(hostile_class, "reply_forge")


def test_a_reply_rewritten_with_a_convolution_is_not_sent(hostile_class):
    """reply_forge_conv: the same with F.conv2d in conv2d_unfold. 8/15 when written."""
    scores_nothing(hostile_class, "reply_forge_conv")
