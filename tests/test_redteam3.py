"""Red team, round 3: hostile students and students with honest bugs, each graded TOGETHER
with an honest classmate (the reference).

Each ``tests/redteam3/<attack>.py`` is appended to the reference solution of one exercise
(named in its first line, ``# exercise: NAME``; a line ``# file-start: utf-8-bom`` puts a
byte-order mark before the file); it redefines the functions it attacks and, for hostile
ones, stubs the rest, so every point it scores came from the attack. Two more
submissions are built here: a notebook whose cell source holds a number, and a folder
named like a spreadsheet formula. Every submission is graded in ONE class run (``convkit
grade``'s own code, outputs written) with the honest classmate, each on its own exercise
and the classmate on all of them. Each test checks that:

- a hostile submission scores nothing, with the message of the defence that stopped it;
- an honest bug is caught with a message that names it;
- the honest classmate's grade equals its grade alone, every submission gets a row and
  the outputs stay well-formed.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from grader.course.assignment import EXERCISES, SOLUTIONS
from grader.grading.cache import Settings
from grader.grading.class_run import Run, grade_class
from grader.isolation import bubblewrap as sandbox

ATTACKS = Path(__file__).resolve().parent / "redteam3"
HONEST = "honest"
NOTEBOOK = "notebook_bad_source"
FORMULA = '=HYPERLINK("http:evil.example","click")'
BOM = b"\xef\xbb\xbf"
MAX_RESULT_BYTES = 64 << 10  # one submission's stored result, feedback included


def exercise_of(attack: str) -> str:
    first = (ATTACKS / f"{attack}.py").read_text().splitlines()[0]
    assert first.startswith("# exercise: "), attack
    return first.split(": ", 1)[1].strip()


ATTACK_NAMES = sorted(path.stem for path in ATTACKS.glob("*.py"))
# Submissions built here rather than from a snippet: the exercise they are graded on.
BUILT = {NOTEBOOK: "im2col_conv", FORMULA: "output_size"}


def reference(folder: Path) -> Path:
    """A copy of the reference solution of every exercise (the others import them)."""
    folder.mkdir(parents=True)
    for name in EXERCISES:
        if (SOLUTIONS / f"{name}.py").exists():
            (folder / f"{name}.py").write_text((SOLUTIONS / f"{name}.py").read_text())
    return folder


def submission(folder: Path, student: str) -> Path:
    """The submission of ``student``: the honest classmate, an attack, or one built here."""
    reference(folder)
    if student == NOTEBOOK:
        # One good cell with the whole module, then a cell whose source list holds a number:
        # before, the static check's "".join raised TypeError on the grading side and the
        # submission could not be graded ("the hidden suites are broken").
        code = (SOLUTIONS / "im2col_conv.py").read_text()
        cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}
                 for source in (code, ["x = ", 1])]
        (folder / "im2col_conv.py").unlink()
        (folder / "im2col_conv.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                                               "nbformat_minor": 5}))
    elif student in ATTACK_NAMES:
        exercise = exercise_of(student)
        attack = (ATTACKS / f"{student}.py").read_text()
        code = (SOLUTIONS / f"{exercise}.py").read_text() + "\n\n# ---- the attack\n" + attack
        start = BOM if "# file-start: utf-8-bom" in attack else b""
        (folder / f"{exercise}.py").write_bytes(start + code.encode())
    return folder


EXERCISES_HERE = tuple(sorted({exercise_of(a) for a in ATTACK_NAMES} | set(BUILT.values()), key=EXERCISES.index))
STUDENTS = [*ATTACK_NAMES, *BUILT, HONEST]


def graded_exercises(student: str) -> tuple[str, ...]:
    """What ``student`` is graded on: the honest classmate every exercise of this round, the others their own."""
    if student == HONEST:
        return EXERCISES_HERE
    return (BUILT[student] if student in BUILT else exercise_of(student),)


def grade_one(folder: Path, student: str, **options):
    """The class run's grade_fn (in each grading process): the real grader, on ``student``'s exercises only."""
    from grader.grading.submission import grade_submission

    return grade_submission(folder, student, **{**options, "exercises": graded_exercises(student)})


def run_class(root: Path, students: list[str]) -> tuple[Run, Path]:
    """``convkit grade`` on ``students`` (outputs written), each graded on its own exercises."""
    folders = {student: submission(root / "class" / student, student) for student in students}
    run = grade_class(folders, root / "out", Settings(exercises=EXERCISES_HERE), jobs=2, grade_fn=grade_one,
                      progress=False)
    return run, root / "out"


@pytest.fixture(scope="session")
def hostile_class(tmp_path_factory) -> tuple[Run, Path]:
    """Every submission of this round and the honest classmate, in ONE class run."""
    return run_class(tmp_path_factory.mktemp("redteam3"), STUDENTS)


@pytest.fixture(scope="session")
def alone(tmp_path_factory) -> Run:
    """The honest classmate graded alone (same id, so the same seed)."""
    return run_class(tmp_path_factory.mktemp("redteam3-alone"), [HONEST])[0]


def graded(hostile_class, student: str) -> dict:
    """``student``'s graded exercise in the class run."""
    (exercise,) = graded_exercises(student)
    return hostile_class[0].results[student]["exercises"][exercise]


def summary(result: dict) -> list[tuple]:
    return [(test["name"], test["status"], test["score"]) for test in result["tests"]]


def by_name(result: dict) -> dict[str, dict]:
    return {test["name"]: test for test in result["tests"]}


@pytest.fixture(autouse=True)
def sandboxed():
    assert sandbox.probe().isolated, sandbox.probe().reason


# ------------------------------------------------------------------ every class run

def test_the_run_finishes_every_submission_has_a_row_and_outputs_stay_small(hostile_class):
    run, out = hostile_class
    assert run.failed == {}, run.failed
    assert sorted(run.results) == sorted(STUDENTS)
    for student, result in run.results.items():
        assert len(json.dumps(result)) < MAX_RESULT_BYTES, student
    document = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    assert sorted(s["student"] for s in document["submissions"]) == sorted(STUDENTS)
    for page in (out / "feedback").glob("*.*"):
        assert page.stat().st_size < 1 << 20, page.name


@pytest.mark.parametrize("exercise", EXERCISES_HERE)
def test_the_honest_classmate_keeps_its_grade(exercise, hostile_class, alone):
    honest = hostile_class[0].results[HONEST]["exercises"][exercise]
    assert honest["score"] == honest["max_score"] > 0, summary(honest)
    assert summary(honest) == summary(alone.results[HONEST]["exercises"][exercise])


# ------------------------------------------------------------------ hostile: nothing gained

# attack -> (statuses its tests may get, a phrase one of its messages must contain)
HOSTILE = {
    # conv2d_loop handed to scipy.signal.correlate: before, 10 of 10 points (no aten op runs).
    "scipy_correlate": ({"forbidden", "error"}, "scipy.signal"),
    # conv2d_unfold as numpy FFTs: the dispatch mode trips on torch's FFTs, never saw numpy's.
    "numpy_fft": ({"forbidden", "error"}, "another library's routine"),
    # A UTF-8 byte-order mark hid the file from the static check; the guard's flag flipped off.
    "bom_state_flip": ({"forbidden"}, "torch.utils._python_dispatch"),
    # F.conv2d forward and torch.nn.grad backward: before, 5 of 5 points for conv2d_function.
    "conv2dfunction_torch": ({"forbidden", "error"}, "convolution_backward"),
    # No socket left to reply on: every test errors at once, the module is not loaded again.
    "closes_wire": ({"error"}, "maxpool.py"),
}


@pytest.mark.parametrize("attack", sorted(HOSTILE))
def test_a_hostile_submission_gains_nothing(attack, hostile_class):
    hostile = graded(hostile_class, attack)
    assert hostile["max_score"] > 0 and hostile["score"] == 0, summary(hostile)
    statuses, phrase = HOSTILE[attack]
    assert {test["status"] for test in hostile["tests"]} <= statuses, summary(hostile)
    assert any(phrase in test["message"] for test in hostile["tests"]), [t["message"] for t in hostile["tests"]]


def test_numpy_array_basics_are_still_allowed_in_a_ruled_function(hostile_class):
    """The library check must not catch honest numpy: im2col with numpy-built indices."""
    test = by_name(graded(hostile_class, "numpy_indices"))["im2col_random"]
    assert test["status"] == "passed" and test["score"] == test["max_score"] > 0, test


def test_a_notebook_the_worker_cannot_load_is_graded_not_dropped(hostile_class):
    result = graded(hostile_class, NOTEBOOK)
    assert result["score"] == 0 and {t["status"] for t in result["tests"]} == {"error"}, summary(result)
    assert all("im2col_conv.ipynb" in t["message"] and "TypeError" in t["message"] for t in result["tests"])


def test_a_student_id_is_never_a_spreadsheet_formula(hostile_class):
    run, out = hostile_class
    assert run.results[FORMULA]["student"] == FORMULA  # grades.json keeps the id as it is
    rows = {row["student"]: row for row in csv.DictReader((out / "grades.csv").open(encoding="utf-8"))}
    assert "'" + FORMULA in rows and FORMULA not in rows
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows.values() for cell in row.values())


# ------------------------------------------------------------------ honest bugs

def test_a_result_right_only_for_a_batch_of_one_is_caught_at_the_second_sample(hostile_class):
    tests = by_name(graded(hostile_class, "batch_one_only"))
    assert tests["conv2d_loop_course"]["status"] == "passed"  # the course's example has one image
    random = tests["conv2d_loop_random"]
    assert random["status"] == "failed" and "at index (1, " in random["message"], random


def test_maxpool_backward_mutating_its_indices_loses_the_no_mutation_point(hostile_class):
    tests = by_name(graded(hostile_class, "mutates_indices"))
    assert tests["backward_random"]["status"] == "passed"  # its gradient is right
    no_mutation = tests["no_mutation"]
    assert no_mutation["status"] == "failed" and "indices" in no_mutation["message"], no_mutation


def test_im2col_losing_float64_is_charged_where_the_api_asks_for_float64(hostile_class):
    """The API asks float64 of ``Conv2dFunction`` and the convolutions' dtype tests only
    (docs/grading.md); an ``im2col`` returning float32 columns for a float64 image fails
    ``conv2d_unfold``'s float64 test, which builds on it, and nothing of ``im2col``'s own."""
    tests = by_name(graded(hostile_class, "im2col_float32"))
    assert tests["conv2d_unfold_dtype_bias"]["status"] in ("failed", "error"), tests["conv2d_unfold_dtype_bias"]
    assert all(t["status"] == "passed" for n, t in tests.items() if n.startswith("im2col")), tests


# ------------------------------------------------------------------ gaps this round found, closed

def test_tiny_forward_on_torch_routines_scores_nothing(hostile_class):
    hostile = graded(hostile_class, "tiny_forward_torch")
    assert hostile["score"] == 0, summary(hostile)
    message = by_name(hostile)["tiny_forward_random"]["message"]
    assert "tiny_forward" in message and ("F.conv2d" in message or "F.max_pool2d" in message), message


def test_hard_coded_course_answers_score_nothing(hostile_class):
    hostile = graded(hostile_class, "hardcode_course")
    assert hostile["score"] == 0, summary(hostile)


# ------------------------------------------------------------------ the static check reads what Python runs

def test_a_utf7_coding_line_hides_nothing_from_the_static_check(tmp_path):
    """UTF-7 turns ``+`` into ``+-``: read as UTF-8 the file no longer parses (no tree, no
    finding); read as Python reads it, the hidden call is there."""
    from grader.grading import forbidden

    source = "# -*- coding: utf-7 -*-\nimport gc\ncount = 0\ncount += 1\nobjects = gc.get_objects()\n"
    path = tmp_path / "im2col_conv.py"
    path.write_bytes(source.encode("utf-7"))
    assert b"+-=" in path.read_bytes()  # what a UTF-8 reader sees: not Python
    finding = forbidden.tampering(path)
    assert finding is not None and finding.text == "gc.get_objects", finding
