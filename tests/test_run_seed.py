"""The run seed of graded work is secret by default (grader/grading/run_seed.py).

With a run seed everyone knows (it used to default to 0) and a known student id, a student
with the kit's source could grade the reference offline under their own id, record the
hidden suite's inputs and hand in torch's answers (tests/redteam4/precomputed_answers:
15/15 on im2col_conv with no convolution code). Now an output folder draws its own seed on
its first run and keeps it where only the instructor reads it; a package bakes one in.

The grader is tests/fake_grading.py (its scores depend on the seed) except in the last
test, which grades that red-team submission with the real one.
"""
from __future__ import annotations

import importlib.util
import json
import shutil
import stat
import zipfile
from pathlib import Path

import fake_grading
import pytest

from grader.commands import grade as command
from grader.commands.cli import main as convkit
from grader.grading import cache, class_run, run_seed
from grader.platforms import autograder

TESTS = Path(__file__).resolve().parent
STUDENTS = ("ana", "ben", "cy")
EXERCISES = ("output_size", "maxpool")


@pytest.fixture()
def class_folder(tmp_path, monkeypatch) -> Path:
    # Pinned: in a shared working tree the grader's own source may change between runs.
    monkeypatch.setattr(class_run, "grader_version", lambda: "pinned")
    root = tmp_path / "class"
    for student in STUDENTS:
        (root / student).mkdir(parents=True)
        for exercise in EXERCISES:
            (root / student / f"{exercise}.py").write_text(f"# {student} {exercise}\n", encoding="utf-8")
    return root


def grade(root: Path, out: Path, *flags: str) -> int:
    args = command.parser().parse_args([str(root), "--out", str(out), "--exercises", *EXERCISES, "--no-progress",
                                        "--jobs", "2", *flags])
    return command.run(args, grade_fn=fake_grading.grade_submission)


def graded_with(root: Path, out: Path) -> set[int]:
    """The run seeds the stored grades in ``out`` were graded with, read back from their cache keys."""
    seeds = set()
    for student in STUDENTS:
        key = json.loads((out / cache.RESULTS / f"{student}.json").read_text(encoding="utf-8"))["key"]
        candidates = [run_seed.stored_seed(out), 0, 7]
        found = [seed for seed in candidates
                 if cache.result_key(root / student, cache.Settings(seed=seed, exercises=EXERCISES), "pinned") == key]
        assert found, f"{student} was graded with none of the seeds {candidates}"
        seeds.add(found[0])
    return seeds


def outputs_text(out: Path) -> str:
    """Everything a student or a reader of the outputs may see: grades, feedback, report."""
    files = [out / "grades.csv", out / "grades.json", out / "report.md", out / "report.html",
             *sorted((out / "feedback").iterdir())]
    return "\n".join(path.read_bytes().decode("utf-8", "replace") for path in files)


def test_a_first_run_keeps_a_secret_seed_that_no_output_shows(class_folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert grade(class_folder, out) == 0
    seed = run_seed.stored_seed(out)
    assert seed is not None and seed != 0
    assert stat.S_IMODE((out / run_seed.SEED_FILE).stat().st_mode) == 0o600
    assert graded_with(class_folder, out) == {seed}
    terminal = capsys.readouterr().err
    assert "secret run seed was drawn" in terminal and str(out / run_seed.SEED_FILE) in terminal
    assert str(seed) not in terminal and str(seed) not in outputs_text(out)
    document = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    for submission in document["submissions"]:  # graded with the stored seed, not 0
        expected = fake_grading.grade_submission(class_folder / submission["student"], submission["student"],
                                                 seed=seed, exercises=EXERCISES)
        assert submission["exercises"] == expected["exercises"]


def test_a_rerun_into_the_same_folder_reuses_the_seed_and_every_grade(class_folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert grade(class_folder, out) == 0
    seed, first = run_seed.stored_seed(out), (out / "grades.json").read_bytes()
    capsys.readouterr()
    assert grade(class_folder, out) == 0
    terminal = capsys.readouterr().err
    assert f"graded 0, unchanged {len(STUDENTS)}, failed 0" in terminal and "drawn" not in terminal
    assert run_seed.stored_seed(out) == seed and (out / "grades.json").read_bytes() == first


def test_two_fresh_folders_get_different_seeds(class_folder, tmp_path):
    assert grade(class_folder, tmp_path / "a") == 0 and grade(class_folder, tmp_path / "b") == 0
    assert run_seed.stored_seed(tmp_path / "a") != run_seed.stored_seed(tmp_path / "b")


def test_an_explicit_seed_wins_for_its_run_and_the_stored_one_is_kept(class_folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert grade(class_folder, out) == 0
    seed = run_seed.stored_seed(out)
    capsys.readouterr()
    assert grade(class_folder, out, "--seed", "7") == 0
    terminal = capsys.readouterr().err
    assert "this run uses --seed" in terminal and f"graded {len(STUDENTS)}," in terminal and str(seed) not in terminal
    assert graded_with(class_folder, out) == {7} and run_seed.stored_seed(out) == seed
    assert grade(class_folder, out) == 0  # without --seed: the stored one again
    assert f"graded {len(STUDENTS)}," in capsys.readouterr().err and graded_with(class_folder, out) == {seed}


def test_a_fresh_folders_first_explicit_seed_is_its_seed(class_folder, tmp_path, capsys):
    """Two folders that must agree: --seed on each one's first run, and later runs need not repeat it."""
    out = tmp_path / "out"
    assert grade(class_folder, out, "--seed", "7") == 0
    assert run_seed.stored_seed(out) == 7 and "drawn" not in capsys.readouterr().err
    assert grade(class_folder, out) == 0
    assert f"graded 0, unchanged {len(STUDENTS)}" in capsys.readouterr().err and graded_with(class_folder, out) == {7}


def test_a_damaged_seed_file_stops_the_run_before_grading(class_folder, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / run_seed.SEED_FILE).write_text("12ab\n")
    assert grade(class_folder, out) == 1
    assert "does not hold a run seed" in capsys.readouterr().err
    assert not (out / cache.RESULTS).exists() and (out / run_seed.SEED_FILE).read_text() == "12ab\n"


def test_a_usage_error_stores_no_seed(class_folder, tmp_path):
    assert grade(class_folder, tmp_path / "out", "--exercises", "pooling") == 2
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("platform", ["gradescope", "prairielearn"])
def test_each_package_bakes_its_own_secret_seed(platform, tmp_path, capsys):
    def built_seed(out: Path, *flags: str) -> int:
        assert convkit([platform, "build", "--out", str(out), "--exercises", "output_size", *flags]) == 0
        if platform == "gradescope":
            with zipfile.ZipFile(out) as archive:
                return json.loads(archive.read(autograder.SETTINGS))["seed"]
        return autograder.PackageSettings.read(out / autograder.SETTINGS).seed

    first, second = built_seed(tmp_path / "a"), built_seed(tmp_path / "b")
    assert 0 not in (first, second) and first != second
    terminal = capsys.readouterr().err
    assert "run seed secret" in terminal and str(first) not in terminal and str(second) not in terminal
    assert built_seed(tmp_path / "c", "--seed", "5") == 5


# ---------------------------------------------------------------- the red team's attack, real grader

def _precompute():
    """tests/redteam4/_precompute.py (a script, not a package module)."""
    spec = importlib.util.spec_from_file_location("redteam4_precompute", TESTS / "redteam4" / "_precompute.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_answers_precomputed_for_seed_0_score_nothing_under_the_default_command(tmp_path):
    """tests/redteam4/precomputed_answers answers exactly the inputs the im2col_conv suite
    draws for its student id under seed 0 (recorded offline with the real grader): 15/15
    under the default command line when seed 0 was the default (and still under --seed 0).
    Only the course's own example may still match its table: that test scales the published
    example by a seeded factor of 2-4 (ties kept), so a third of the seeds reuse seed 0's
    factor, and the course publishes the example's numbers anyway; every test on drawn
    inputs must score nothing."""
    folder = tmp_path / "class" / "mallory"
    shutil.copytree(TESTS / "redteam4" / "precomputed_answers", folder, ignore=shutil.ignore_patterns("answers.pt"))
    assert _precompute().build(folder, seed=0) > 0
    out = tmp_path / "out"
    args = command.parser().parse_args([str(folder), "--out", str(out), "--exercises", "im2col_conv", "--no-progress"])
    assert command.run(args) == 0
    (submission,) = json.loads((out / "grades.json").read_text(encoding="utf-8"))["submissions"]
    exercise = submission["exercises"]["im2col_conv"]
    drawn = {t["name"]: t["score"] for t in exercise["tests"] if not t["name"].endswith("_course")}
    assert exercise["max_score"] == 15 and len(drawn) >= 5 and set(drawn.values()) == {0}, exercise["tests"]
