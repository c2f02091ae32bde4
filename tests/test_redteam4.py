"""Red team, round 4: attacks written after reading the grader's source (tests/redteam4/README.md).

Each ``tests/redteam4/<attack>/`` is a submission folder, graded here with ``convkit
grade``'s own class-run code (outputs written) on the exercises it attacks. Every test
asserts the grade or behaviour an instructor must get; each of them failed on the grader
this round was written against (the README says which defence was missing).

Three class runs instead of one shared run, because the attacks need incompatible runs:

- ``hostile_class`` (one grading process, students in id order): the json guard escapes,
  the honest classmate, and the keyring pair, whose second half must be graded after the
  first by the same grading process;
- ``starved_class`` (two grading processes, as ``--jobs 2``): the CPU hog must run at the
  same time as the classmate it slows; that classmate is also graded alone;
- ``long_name_class``: a folder name that aborts the whole run would take every other
  test down with it if it shared a run.
"""
from __future__ import annotations

import ctypes
import importlib.util
import json
import os
import shutil
from pathlib import Path

import pytest

from grader.course.assignment import EXERCISES, SOLUTIONS
from grader.grading.cache import Settings
from grader.grading.class_run import Run, grade_class
from grader.isolation import bubblewrap as sandbox

ATTACKS = Path(__file__).resolve().parent / "redteam4"
HONEST = "honest"
KEY_NAME = "convkit-rt4"  # the key keyring_a_plant leaves (tests/redteam4/keyring_a_plant/_plant.py)
# A folder name of 255 bytes (the most Linux allows) in 128 characters: under the
# 200-character cap on student ids, so output file names built from it pass 255 bytes.
LONG_NAME = "é" * 127 + "x"

# student -> the exercises it is graded on (the attack's, or those its classmates are graded on)
HOSTILE = {
    HONEST: ("output_size", "im2col_conv", "maxpool"),
    "forge_reply_encoder": ("maxpool",),
    "forge_reply_base64": ("maxpool",),
    "unguard_request_decoder": ("im2col_conv",),
    "keyring_a_plant": ("im2col_conv", "maxpool", "backward"),  # many ruled calls: many fresh workers
    "keyring_b_read": ("output_size",),
    "precomputed_answers": ("im2col_conv",),
    "backward_without_col2im": ("backward",),
}
STARVED = {"cpu_starve": ("output_size",), "honest_slow": ("loop_conv",)}
LONG = {HONEST: ("output_size",), LONG_NAME: ("output_size",)}


def reference(folder: Path) -> Path:
    """A copy of the reference solution of every exercise."""
    folder.mkdir(parents=True)
    for name in EXERCISES:
        if (SOLUTIONS / f"{name}.py").exists():
            shutil.copy(SOLUTIONS / f"{name}.py", folder / f"{name}.py")
    return folder


def submission(folder: Path, student: str) -> Path:
    """``student``'s folder: the reference (honest, and the long name), or the attack's files."""
    if student in (HONEST, LONG_NAME):
        return reference(folder)
    shutil.copytree(ATTACKS / student, folder, ignore=shutil.ignore_patterns("answers.pt"))
    if student == "precomputed_answers":
        _precompute().build(folder, seed=0)  # the attacker's offline run: the documented default seed
    return folder


def _precompute():
    """tests/redteam4/_precompute.py (a script, not a package module)."""
    spec = importlib.util.spec_from_file_location("redteam4_precompute", ATTACKS / "_precompute.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def grader_for(plan: dict[str, tuple[str, ...]]):
    """The class run's grade_fn: the real grader, each student on its own exercises."""
    return _GradeOwn(plan)


class _GradeOwn:
    """Picklable grade_fn (the grading processes are spawned)."""

    def __init__(self, plan: dict[str, tuple[str, ...]]):
        self.plan = plan

    def __call__(self, folder: Path, student: str, **options):
        from grader.grading.submission import grade_submission

        return grade_submission(folder, student, **{**options, "exercises": self.plan[student]})


def run_class(root: Path, plan: dict[str, tuple[str, ...]], jobs: int) -> tuple[Run, Path]:
    """``convkit grade`` on ``plan``'s students (outputs written in ``root/out``)."""
    folders = {student: submission(root / "class" / student, student) for student in plan}
    exercises = tuple(e for e in EXERCISES if any(e in own for own in plan.values()))
    run = grade_class(folders, root / "out", Settings(exercises=exercises), jobs=jobs, grade_fn=grader_for(plan),
                      progress=False)
    return run, root / "out"


def forget_planted_keys() -> None:
    """Invalidate every key the keyring attack left in the kernel (as root we see them all)."""
    libc = ctypes.CDLL(None, use_errno=True)
    keyctl, invalidate = 250, 21
    try:
        lines = Path("/proc/keys").read_text().splitlines()
    except OSError:
        return
    for line in lines:
        if f" {KEY_NAME}:" in line:
            libc.syscall(keyctl, invalidate, int(line.split()[0], 16))


@pytest.fixture(scope="session")
def hostile_class(tmp_path_factory) -> tuple[Run, Path]:
    forget_planted_keys()
    try:
        yield run_class(tmp_path_factory.mktemp("redteam4"), HOSTILE, jobs=1)
    finally:
        forget_planted_keys()


@pytest.fixture(scope="session")
def starved_class(tmp_path_factory) -> Run:
    return run_class(tmp_path_factory.mktemp("redteam4-starved"), STARVED, jobs=2)[0]


@pytest.fixture(scope="session")
def slow_alone(tmp_path_factory) -> Run:
    return run_class(tmp_path_factory.mktemp("redteam4-slow-alone"), {"honest_slow": STARVED["honest_slow"]}, jobs=1)[0]


@pytest.fixture(autouse=True)
def sandboxed():
    assert sandbox.probe().isolated, sandbox.probe().reason


def graded(run: Run, student: str, exercise: str) -> dict:
    return run.results[student]["exercises"][exercise]


def summary(result: dict) -> list[tuple]:
    return [(test["name"], test["status"], test["score"]) for test in result["tests"]]


# ------------------------------------------------------------------ guard escapes through json's classes

def test_the_honest_classmate_gets_full_marks(hostile_class):
    run, _ = hostile_class
    assert run.failed == {}, run.failed
    for exercise in HOSTILE[HONEST]:
        result = graded(run, HONEST, exercise)
        assert result["score"] == result["max_score"] > 0, summary(result)


def test_patching_the_request_decoder_does_not_take_the_guard_off(hostile_class):
    """im2col on F.unfold, conv2d_unfold on F.conv2d, with json.JSONDecoder.decode replaced at
    import so every request arrives without its guard: 15/15 when this was written."""
    result = graded(hostile_class[0], "unguard_request_decoder", "im2col_conv")
    assert result["score"] == 0, summary(result)


def test_patching_the_reply_encoder_forges_no_result(hostile_class):
    """maxpool2d_unfold returns zeros; json.JSONEncoder.encode, replaced at import, puts
    F.max_pool2d's values and indices in the reply after the guarded call: 12/15 (every
    test of maxpool2d_unfold) when this was written."""
    result = graded(hostile_class[0], "forge_reply_encoder", "maxpool")
    assert result["score"] == 0, summary(result)


def test_patching_binascii_forges_no_result(hostile_class):
    """The same, one level lower: binascii.b2a_base64 (which base64.b64encode calls at call
    time) replaced at import swaps the zeros' bytes for F.max_pool2d's: 12/15 when this was
    written. Watching json's classes alone would not close the gap."""
    result = graded(hostile_class[0], "forge_reply_base64", "maxpool")
    assert result["score"] == 0, summary(result)


def test_answers_precomputed_from_the_default_seed_score_nothing(hostile_class):
    """The run seed defaults to 0 and a submission's seed mixes in only its (known) student
    id: a table of F.unfold/F.conv2d answers recorded offline by running the hidden suite
    under the same id scored 15/15 when this was written (0/15 with --seed 1)."""
    result = graded(hostile_class[0], "precomputed_answers", "im2col_conv")
    assert result["score"] == 0, summary(result)


def test_conv2d_backward_on_torchs_forward_routines_scores_nothing(hostile_class):
    """col2im a stub; conv2d_backward's dX is F.conv_transpose2d (the input gradient of a
    convolution), dW F.conv2d on swapped axes: both "forward routines", which conv2d_backward's
    allowlist lets through. 11/20 (conv2d_backward_random and conv2d_function) when this was
    written, for no gradient derived and no col2im (the API: "dX computed through col2im")."""
    tests = {test["name"]: test for test in graded(hostile_class[0], "backward_without_col2im", "backward")["tests"]}
    gained = {name: tests[name]["score"] for name in ("conv2d_backward_random", "conv2d_function")}
    assert gained == {"conv2d_backward_random": 0, "conv2d_function": 0}, gained


# ------------------------------------------------------------------ state left for a later submission

def test_a_later_submission_sees_nothing_an_earlier_one_left_in_the_kernel(hostile_class):
    """keyring_a_plant stores a key in the kernel keyring of each worker uid it runs as (it
    cycles all 16 uids of its grading process); keyring_b_read, graded next by the same
    process, raises if its uid's keyring holds that key, and is the reference otherwise."""
    result = graded(hostile_class[0], "keyring_b_read", "output_size")
    messages = [test["message"] for test in result["tests"] if test["message"]]
    assert result["score"] == result["max_score"] > 0, messages[:1]


# ------------------------------------------------------------------ a classmate slowed into timeouts

def test_a_cpu_hog_does_not_cost_a_concurrent_classmate_points(starved_class, slow_alone):
    """cpu_starve forks 60 spinners, each in a session (so a scheduling autogroup) of its own,
    while honest_slow (a correct loop convolution, one multiply-add per kernel element) is
    graded by the other grading process: 11/20 instead of 20/20 when this was written."""
    alone = graded(slow_alone, "honest_slow", "loop_conv")
    assert alone["score"] == alone["max_score"] > 0, summary(alone)
    beside = graded(starved_class, "honest_slow", "loop_conv")
    assert summary(beside) == summary(alone)


# ------------------------------------------------------------------ folder names

def test_a_student_id_holds_no_line_break(tmp_path):
    """A folder name with a line break printed a forged "convkit grade: graded ..." line in
    the instructor's terminal (the progress bar shows the id): a name is one line."""
    from grader.grading.discover import discover

    folder = reference(tmp_path / "class" / "zz\nconvkit grade: graded 2, unchanged 0, failed 0; no problems")
    (student,) = discover([folder.parent])
    assert "\n" not in student and "\t" not in student, repr(student)


def test_a_long_folder_name_does_not_stop_the_class(tmp_path):
    """A 255-byte folder name of 128 characters: its stored result's temporary file name
    passed the 255-byte limit, the OSError left the class run, and no one got a grade."""
    run, out = run_class(tmp_path, LONG, jobs=2)
    assert HONEST in run.results and (out / "grades.json").is_file()
    document = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    assert len(document["submissions"]) == 2
    honest = graded(run, HONEST, "output_size")
    assert honest["score"] == honest["max_score"] > 0
