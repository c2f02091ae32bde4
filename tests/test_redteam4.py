"""Red team, round 4: attacks written after reading the grader's source (tests/redteam4/README.md).

Each ``tests/redteam4/<attack>/`` is a submission folder, graded here with ``convkit
grade``'s own class-run code (outputs written) on the exercises it attacks, beside an
honest classmate (tests/hostile_class.py). Every test asserts the grade an instructor
must get; each failed on the grader this round was written against (the README says
which defence was missing). The round's other attacks are tested where their defence
lives: the kernel key store in tests/test_keyring.py, the CPU hog in
tests/test_cpu_fairness.py, answers precomputed for a known seed in
tests/test_run_seed.py, long and multi-line folder names in tests/test_grade_cli.py.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.grading.class_run import Run
from hostile_class import HONEST, grade_hostile_class, graded, sandboxed, summary  # noqa: F401 (sandboxed: autouse)

ATTACKS = Path(__file__).resolve().parent / "redteam4"

# student -> the exercises it is graded on (the attack's, or those its classmates are graded on)
HOSTILE = {
    HONEST: ("im2col_conv", "maxpool", "backward"),
    "forge_reply_encoder": ("maxpool",),
    "forge_reply_base64": ("maxpool",),
    "unguard_request_decoder": ("im2col_conv",),
    "backward_without_col2im": ("backward",),
}


@pytest.fixture(scope="session")
def hostile_class(tmp_path_factory) -> Run:
    return grade_hostile_class(tmp_path_factory.mktemp("redteam4"), ATTACKS, HOSTILE)


# ------------------------------------------------------------------ guard escapes through json's classes

def test_the_honest_classmate_gets_full_marks(hostile_class):
    run = hostile_class
    assert run.failed == {}, run.failed
    for exercise in HOSTILE[HONEST]:
        result = graded(run, HONEST, exercise)
        assert result["score"] == result["max_score"] > 0, summary(result)


def test_patching_the_request_decoder_does_not_take_the_guard_off(hostile_class):
    """im2col on F.unfold, conv2d_unfold on F.conv2d, with json.JSONDecoder.decode replaced at
    import so every request arrives without its guard: 15/15 when this was written."""
    result = graded(hostile_class, "unguard_request_decoder", "im2col_conv")
    assert result["score"] == 0, summary(result)


def test_patching_the_reply_encoder_forges_no_result(hostile_class):
    """maxpool2d_unfold returns zeros; json.JSONEncoder.encode, replaced at import, puts
    F.max_pool2d's values and indices in the reply after the guarded call: 12/15 (every
    test of maxpool2d_unfold) when this was written."""
    result = graded(hostile_class, "forge_reply_encoder", "maxpool")
    assert result["score"] == 0, summary(result)


def test_patching_binascii_forges_no_result(hostile_class):
    """The same, one level lower: binascii.b2a_base64 (which base64.b64encode calls at call
    time) replaced at import swaps the zeros' bytes for F.max_pool2d's: 12/15 when this was
    written. Watching json's classes alone would not close the gap."""
    result = graded(hostile_class, "forge_reply_base64", "maxpool")
    assert result["score"] == 0, summary(result)


def test_conv2d_backward_not_through_col2im_scores_nothing(hostile_class):
    """col2im a stub; conv2d_backward's dX is F.conv_transpose2d (the input gradient of a
    convolution), dW F.conv2d on swapped axes: both "forward routines", which conv2d_backward's
    allowlist lets through. 11/20 (conv2d_backward_random and conv2d_function) when this was
    written, for no gradient derived and no col2im (the API: "dX computed through col2im").
    Conv2dFunction keeps its 5: its backward uses conv2d_backward, as the API asks, and the
    fault is charged once, in conv2d_backward's own tests, with a message that names it."""
    tests = {test["name"]: test for test in graded(hostile_class, "backward_without_col2im", "backward")["tests"]}
    assert tests["conv2d_backward_random"]["score"] == 0, summary({"tests": list(tests.values())})
    assert "col2im" in tests["conv2d_backward_random"]["message"]
