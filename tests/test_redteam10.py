"""Red team, round 10 (against f3bd82d): HONEST submissions the hook-held guard wrongly
marked ``forbidden``/tampering (a doctest cell clearing the trace hook, warnings.warn
with stacklevel=2, a recursion that falls back at the limit), with the honest uses it
already got right as controls.

Each submission is the reference with one habit, written at test time by
tests/honest_habits.py (a docstring at the top says what it does), graded with
``convkit grade``'s own class-run code (``--jobs 2``) on its one
exercise, beside an honest classmate (the reference, tests/hostile_class.py). Each must
score, test by test, what the reference scores: they do the same work.
tests/redteam10/README.md has the rest of the round (what stays open).
"""
from __future__ import annotations

import pytest

from grader.grading.class_run import Run
from honest_habits import SUBMISSIONS
from hostile_class import HONEST, assert_everyone_graded_and_the_honest_classmate_full, grade_hostile_class, graded
from hostile_class import sandboxed  # noqa: F401 (an autouse fixture)

HELPERS = ("conv_args", "output_size", "loop_conv")  # mnist.py builds on loop_conv

# Correct, honest work: every test must score what the reference scores.
HONEST_WORK = {
    "honest_doctest_notebook": "maxpool",
    "honest_warn_stacklevel": "maxpool",
    # bank 3 (stop 26): a printed tensor was tampering, promote_types an unknown operator,
    # a dataclass in a function an AttributeError, tqdm another library and a thread
    "honest_prints_tensors": "maxpool",
    "honest_promote_types": "loop_conv",
    "honest_local_dataclass": "maxpool",
    "honest_tqdm": "loop_conv",
    # controls: handled correctly on f3bd82d
    "honest_stdlib_mix": "maxpool",
    "honest_plots_torchvision_import": "maxpool",
    "honest_numpy_windows": "maxpool",
    "honest_out_buffer": "im2col_conv",
    "honest_mnist_workers": "mnist",
}
PLAN = {HONEST: ("loop_conv", "im2col_conv", "maxpool", "mnist"), "honest_recursion_fallback": ("loop_conv",),
        **{name: (exercise,) for name, exercise in HONEST_WORK.items()}}


@pytest.fixture(scope="session")
def hostile_class(tmp_path_factory) -> Run:
    root = tmp_path_factory.mktemp("redteam10")
    for name, files in SUBMISSIONS.items():
        (root / "submissions" / name).mkdir(parents=True)
        for file, text in files.items():
            (root / "submissions" / name / file).write_text(text, encoding="utf-8")
    return grade_hostile_class(root, root / "submissions", PLAN, HELPERS)


def test_every_folder_is_graded_and_the_honest_classmate_gets_full_marks(hostile_class):
    assert_everyone_graded_and_the_honest_classmate_full(hostile_class, PLAN)


@pytest.mark.parametrize("student", sorted(HONEST_WORK))
def test_honest_work_scores_what_the_reference_scores(hostile_class, student):
    exercise = HONEST_WORK[student]
    reference = {t["name"]: t for t in graded(hostile_class, HONEST, exercise)["tests"]}
    result = graded(hostile_class, student, exercise)
    forbidden = [(t["name"], t["message"][:200]) for t in result["tests"] if t["status"] == "forbidden"]
    assert not forbidden, forbidden
    lost = [(t["name"], t["status"], t["score"], reference[t["name"]]["score"], t["message"][:200])
            for t in result["tests"] if t["score"] < reference[t["name"]]["score"]]
    assert not lost, lost


def test_a_recursion_caught_at_the_limit_is_named_not_called_tampering(hostile_class):
    """honest_recursion_fallback catches RecursionError and falls back to loops. At the
    limit CPython takes the guard's trace hook off, so the calls made after it go
    unchecked: the large tests are forbidden, saying so (depth), and nothing else is lost."""
    reference = {t["name"]: t for t in graded(hostile_class, HONEST, "loop_conv")["tests"]}
    result = graded(hostile_class, "honest_recursion_fallback", "loop_conv")
    forbidden = [t for t in result["tests"] if t["status"] == "forbidden"]
    assert forbidden and all("recursion limit" in t["message"] and "tampering" not in t["message"] for t in forbidden)
    assert all(t["score"] == reference[t["name"]]["score"] for t in result["tests"] if t["status"] != "forbidden")
