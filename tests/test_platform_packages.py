"""The Gradescope and PrairieLearn packages, end to end: build each with the CLI, unpack it
into a simulated platform root, run its real entry point (run_autograder, run.sh) on an
honest and a buggy submission, and check results.json against the platform's JSON Schema
and against the grades convkit gives the same files.

The packages grade only output_size and maxpool (``--exercises``), so nothing trains;
a package built without --exercises grades all seven (checked on its settings).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from grader.commands.cli import main as convkit
from grader.course.assignment import EXAMPLES, EXERCISES
from grader.platforms import gradescope, prairielearn
from grader.platforms.autograder import SETTINGS, PackageSettings, find_submission, kit_files, pinned_torch

CHEAP = ("output_size", "maxpool")
HONEST, BUGGY = EXAMPLES / "reference", EXAMPLES / "window_indices"  # window_indices: maxpool's indices wrong


def submit(folder: Path, source: Path, *, wrap: str = "") -> None:
    """Put ``source``'s cheap exercise files in ``folder`` (inside a ``wrap`` subfolder if given)."""
    target = folder / wrap if wrap else folder
    target.mkdir(parents=True, exist_ok=True)
    for name in CHEAP:
        shutil.copy(source / f"{name}.py", target)


def run_entry(script: Path, env_root: dict) -> subprocess.CompletedProcess:
    env = {**os.environ, **env_root, "CONVKIT_PYTHON": sys.executable}
    env.pop("PYTHONPATH", None)  # the package must find its own kit
    return subprocess.run([str(script)], env=env, capture_output=True, text=True, timeout=300)


def schema(path: Path) -> dict:
    document = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(document)
    return document


# ------------------------------------------------------------------------------ Gradescope

@pytest.fixture(scope="module")
def gradescope_zip(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("gradescope") / "autograder.zip"
    assert convkit(["gradescope", "build", "--out", str(out), "--exercises", *CHEAP, "--lang", "es"]) == 0
    return out


def gradescope_run(tmp: Path, package: Path, submission: Path | None, *, wrap: str = "") -> tuple[int, dict, str]:
    """Unzip ``package`` into ``tmp/source`` (as Gradescope does), submit, run run_autograder."""
    root = tmp / "autograder"
    (root / "source").mkdir(parents=True)
    with zipfile.ZipFile(package) as archive:
        archive.extractall(root / "source")
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    for name in ("setup.sh", "run_autograder"):  # zipfile does not restore modes; Gradescope's unzip does
        assert modes[name] & 0o111, f"{name} is not executable in the zip"
        (root / "source" / name).chmod(0o755)
    (root / "submission").mkdir()
    if submission is not None:
        submit(root / "submission", submission, wrap=wrap)
    (root / "submission_metadata.json").write_text(json.dumps({"users": [{"id": "4242", "name": "A"}]}))
    done = run_entry(root / "source" / "run_autograder", {"AUTOGRADER_ROOT": str(root)})
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(results, schema(gradescope.SCHEMA))
    return done.returncode, results, done.stderr


def test_gradescope_package_holds_the_kit_and_pinned_setup(gradescope_zip):
    with zipfile.ZipFile(gradescope_zip) as archive:
        names = archive.namelist()
        setup = archive.read("setup.sh").decode()
        settings = json.loads(archive.read(SETTINGS))
    assert {"setup.sh", "run_autograder", SETTINGS} <= set(names)
    kit = {name[len("kit/"):] for name in names if name.startswith("kit/")}
    assert kit == {str(p) for p in kit_files()}
    assert "grader/suites/test_maxpool.py" in kit and "solutions/cnn/maxpool.py" in kit and "pyproject.toml" in kit
    assert not any(name.startswith(("tests/", "examples/", "assignments/", "benchmarks/")) for name in kit)
    assert pinned_torch() in setup and "torch==2.14.1" in setup and "bubblewrap" in setup
    assert settings["exercises"] == list(CHEAP) and settings["lang"] == "es"
    assert settings["hidden_visibility"] == "after_published"


def test_a_default_package_grades_every_exercise(tmp_path):
    out = tmp_path / "all.zip"
    assert convkit(["gradescope", "build", "--out", str(out), "--hidden-visibility", "after_due_date"]) == 0
    with zipfile.ZipFile(out) as archive:
        settings = json.loads(archive.read(SETTINGS))
    assert settings["exercises"] == list(EXERCISES) and settings["hidden_visibility"] == "after_due_date"
    assert convkit(["gradescope", "build", "--out", str(out), "--hidden-visibility", "soon"]) == 2


def test_gradescope_grades_honest_and_buggy_submissions(tmp_path, gradescope_zip):
    code, honest, _ = gradescope_run(tmp_path / "honest", gradescope_zip, HONEST, wrap="cnn")  # zip with a folder
    assert code == 0
    assert honest["score"] == 25.0 and honest["output_format"] == "md"
    code, buggy, _ = gradescope_run(tmp_path / "buggy", gradescope_zip, BUGGY)
    assert code == 0
    by_name = {test["name"]: test for test in buggy["tests"]}
    assert by_name["output_size"]["score"] == 10.0 and by_name["output_size"]["status"] == "passed"
    assert by_name["maxpool"]["score"] < 15.0 and by_name["maxpool"]["status"] == "failed"
    assert buggy["score"] == by_name["output_size"]["score"] + by_name["maxpool"]["score"]
    # per-exercise scores at once; each test's details (Spanish) after publishing
    assert by_name["maxpool"]["visibility"] == "visible"
    details = [t for t in buggy["tests"] if t["name"].startswith("maxpool: ")]
    assert details and all(t["visibility"] == "after_published" and "score" not in t for t in details)
    failed = [t for t in details if t["status"] == "failed"]
    assert failed and all("maxpool2d_unfold" in t["output"] and t["output"].startswith("fallida") for t in failed)
    assert "```text" in failed[0]["output"]
    numbers = [t["number"] for t in buggy["tests"]]
    assert len(numbers) == len(set(numbers))


def test_gradescope_without_exercise_files_scores_zero_and_says_why(tmp_path, gradescope_zip):
    code, results, _ = gradescope_run(tmp_path, gradescope_zip, None)
    assert code == 0 and results["score"] == 0 and "output_size" in results["output"] and results["tests"] == []


def test_gradescope_results_match_convkit_grade(tmp_path):
    """The same record through :func:`gradescope.results`: per-exercise tests carry the
    record's scores, every hidden test appears once, the visibility follows the settings."""
    record = {"student": "s", "score": 3.0, "max_score": 10.0, "exercises": {"output_size": {
        "score": 3.0, "max_score": 10.0, "tests": [
            {"name": "a", "score": 3.0, "max_score": 3.0, "status": "passed", "message": ""},
            {"name": "b", "score": 0.0, "max_score": 7.0, "status": "timeout", "message": "``` x ```"}]}}}
    results = gradescope.results(record, "# fb", 1.6, PackageSettings(lang="fr", hidden_visibility="hidden"))
    jsonschema.validate(results, schema(gradescope.SCHEMA))
    assert results["execution_time"] == 2 and results["score"] == 3.0
    timeout = next(t for t in results["tests"] if t["name"] == "output_size: b")
    assert timeout["status"] == "failed" and timeout["visibility"] == "hidden"
    assert "````text\n``` x ```\n````" in timeout["output"]  # the student's text cannot close the fence
    assert "enseignant" in results["output"]


def test_find_submission_prefers_the_shallowest_folder(tmp_path):
    submit(tmp_path / "a" / "b", HONEST)
    submit(tmp_path / "z", HONEST)
    assert find_submission(tmp_path) == tmp_path / "z"
    assert find_submission(tmp_path / "a") == tmp_path / "a" / "b"
    assert find_submission(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    (tmp_path / "empty").mkdir()
    assert find_submission(tmp_path / "empty") is None


# ---------------------------------------------------------------------------- PrairieLearn

@pytest.fixture(scope="module")
def prairielearn_folder(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("prairielearn") / "convkit"
    assert convkit(["prairielearn", "build", "--out", str(out), "--exercises", *CHEAP]) == 0
    return out


def prairielearn_run(tmp: Path, grader: Path, submission: Path | None) -> tuple[int, dict]:
    """A simulated /grade: the grader folder in serverFilesCourse, the student's files."""
    root = tmp / "grade"
    shutil.copytree(grader, root / "serverFilesCourse" / "convkit", symlinks=True)
    (root / "student").mkdir(parents=True)
    if submission is not None:
        submit(root / "student", submission)
    done = run_entry(root / "serverFilesCourse" / "convkit" / "run.sh", {"GRADE_ROOT": str(root)})
    results = json.loads((root / "results" / "results.json").read_text(encoding="utf-8"))
    jsonschema.validate(results, schema(prairielearn.SCHEMA))
    return done.returncode, results


def test_prairielearn_folder(prairielearn_folder):
    info = json.loads((prairielearn_folder / "info.json").read_text())["externalGradingOptions"]
    assert info["entrypoint"] == f"{prairielearn.MOUNT}/run.sh" and info["serverFilesCourse"] == ["convkit/"]
    assert os.access(prairielearn_folder / "run.sh", os.X_OK)
    assert pinned_torch() in (prairielearn_folder / "Dockerfile").read_text()
    assert not (prairielearn_folder / "kit" / "tests").exists() and (prairielearn_folder / "kit" / "grader").is_dir()


def test_prairielearn_grades_honest_and_buggy_submissions(tmp_path, prairielearn_folder):
    code, honest = prairielearn_run(tmp_path / "honest", prairielearn_folder, HONEST)
    assert code == 0 and honest["gradable"] and honest["score"] == 1.0
    code, buggy = prairielearn_run(tmp_path / "buggy", prairielearn_folder, BUGGY)
    assert code == 0 and buggy["gradable"]
    points = sum(t["points"] for t in buggy["tests"])
    assert buggy["score"] == pytest.approx(points / 25.0) and 0.4 <= buggy["score"] < 1.0
    assert sum(t["max_points"] for t in buggy["tests"]) == 25.0
    wrong = [t for t in buggy["tests"] if t["points"] < t["max_points"]]
    assert wrong and all(t["name"].startswith("maxpool: ") and t["message"] == "failed" for t in wrong)
    assert "first wrong element" in wrong[0]["output"]


def test_prairielearn_without_files_is_not_gradable(tmp_path, prairielearn_folder):
    code, results = prairielearn_run(tmp_path, prairielearn_folder, None)
    assert code == 0 and results["gradable"] is False and "output_size" in results["message"]
