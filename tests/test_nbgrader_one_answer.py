"""An nbgrader course gives one answer (grader/platforms/gradebook.py, nbgrader_course.py).

A real course (``convkit course init`` + ``nbgrader generate_assignment``, no kernel
needed) with two collected submissions; the grader is tests/fake_grading.py (instant),
since what is tested is where the scores and the feedback go. ``nbgrader autograde``'s
writes are made the way autograde makes them, through ``nbgrader.api`` (the real
autograde-then-convkit order runs in tests/test_course_e2e.py).
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import fake_grading
import nbformat
import pytest
from nbgrader.api import Gradebook
from traitlets.config.loader import PyFileConfigLoader

from grader.commands import grade as command
from grader.course.assignment import EXERCISES
from grader.platforms.gradebook import LEDGER, cell_score
from grader.platforms.nbgrader_course import CONFIG, grading_environment, init_course

BIN = Path(sys.executable).parent
STUDENTS = ("alice", "bob")


@pytest.fixture(scope="module")
def jupyter_env(tmp_path_factory) -> dict:
    """Jupyter and IPython write only under a temporary folder."""
    base = tmp_path_factory.mktemp("jupyter")
    folders = {f"JUPYTER_{n.upper()}_DIR": base / n for n in ("config", "data", "runtime")} | {"IPYTHONDIR": base / "ipython"}
    for folder in folders.values():
        folder.mkdir()
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            **{k: str(v) for k, v in folders.items()}}




@pytest.fixture(scope="module")
def generated(tmp_path_factory, jupyter_env) -> Path:
    """A course after ``nbgrader generate_assignment cnn`` (once: it takes seconds)."""
    root = tmp_path_factory.mktemp("template") / "course"
    init_course(root)
    done = subprocess.run([str(BIN / "nbgrader"), "generate_assignment", "cnn"], cwd=root, env=jupyter_env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return root


@pytest.fixture()
def course(tmp_path, jupyter_env, generated) -> Path:
    """A fresh course (its config names its own folder) with the generated assignment's
    gradebook and release, and alice's and bob's collected notebooks."""
    root = tmp_path / "course"
    init_course(root)
    shutil.copy(generated / "gradebook.db", root / "gradebook.db")
    shutil.copytree(generated / "release", root / "release")
    for student in STUDENTS:
        folder = root / "submitted" / student / "cnn"
        shutil.copytree(root / "release" / "cnn", folder)
        (folder / "timestamp.txt").write_text("2026-12-01 10:00:00.000000 UTC")
        (folder / "submission_secret.txt").write_text(secrets.token_hex(16))
    return root


def convkit_nbgrader(course: Path, *flags: str) -> int:
    args = command.parser().parse_args(["--nbgrader", str(course), "cnn", "--no-progress", "--seed", "0", *flags])
    return command.run(args, grade_fn=fake_grading.grade_submission)


def auto_scores(course: Path, student: str) -> dict[str, float | None]:
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="convkit") as gradebook:
        return {e: gradebook.find_grade(f"{e}_tests", e, "cnn", student).auto_score for e in EXERCISES}


def autograde_writes(course: Path, student: str, exercise: str, score: float) -> None:
    """What ``nbgrader autograde`` does to a test cell: it sets its auto score."""
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="convkit") as gradebook:
        gradebook.update_or_create_student(student)
        gradebook.update_or_create_submission("cnn", student)
        gradebook.find_grade(f"{exercise}_tests", exercise, "cnn", student).auto_score = score
        gradebook.db.commit()


def expected(course: Path, student: str, seed: int = 0) -> dict[str, float]:
    result = fake_grading.grade_submission(course / "submitted" / student / "cnn", student, seed=seed)
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", course_id="convkit") as gradebook:
        return {e: cell_score(result["exercises"][e], gradebook.find_grade(f"{e}_tests", e, "cnn", student).max_score)
                for e in EXERCISES}


def test_convkit_does_not_overwrite_autograde_and_detects_the_reverse(course, capsys):
    autograde_writes(course, "bob", "maxpool", 15.0)  # nbgrader autograde ran first, for bob
    assert convkit_nbgrader(course) == 2
    err = capsys.readouterr().err
    assert "bob: gradebook scores written by nbgrader autograde: maxpool 15" in err and "--force" in err
    assert "alice" not in err.split("refusing")[0]
    assert auto_scores(course, "bob")["maxpool"] == 15.0 and not (course / "convkit" / "cnn" / LEDGER).exists()

    assert convkit_nbgrader(course, "--force") == 0
    for student in STUDENTS:
        assert auto_scores(course, student) == expected(course, student)
    ledger = json.loads((course / "convkit" / "cnn" / LEDGER).read_text())
    assert ledger["alice"] == expected(course, "alice")

    assert convkit_nbgrader(course) == 0  # convkit's own scores: no conflict with itself
    autograde_writes(course, "alice", "output_size", 1.0)  # autograde ran after convkit
    capsys.readouterr()
    assert convkit_nbgrader(course) == 2
    err = capsys.readouterr().err
    assert "alice: gradebook scores changed after convkit recorded its scores" in err
    assert f"output_size 1 (convkit wrote {expected(course, 'alice')['output_size']:g})" in err


def test_without_seed_the_course_folder_keeps_a_secret_one(course, capsys):
    """The gradebook's scores come from convkit/cnn's own seed, drawn on the first run and reused."""
    from grader.grading.run_seed import SEED_FILE, stored_seed

    args = lambda: command.parser().parse_args(["--nbgrader", str(course), "cnn", "--no-progress"])  # noqa: E731
    assert command.run(args(), grade_fn=fake_grading.grade_submission) == 0
    out = course / "convkit" / "cnn"
    seed = stored_seed(out)
    assert seed not in (None, 0) and (out / SEED_FILE).stat().st_mode & 0o077 == 0
    assert all(auto_scores(course, student) == expected(course, student, seed) for student in STUDENTS)
    assert str(seed) not in capsys.readouterr().err
    assert command.run(args(), grade_fn=fake_grading.grade_submission) == 0
    assert f"graded 0, unchanged {len(STUDENTS)}" in capsys.readouterr().err and stored_seed(out) == seed


def test_feedback_goes_where_release_feedback_takes_it(course, jupyter_env):
    assert convkit_nbgrader(course) == 0
    for student in STUDENTS:
        page = (course / "convkit" / "cnn" / "feedback" / f"{student}.html").read_text(encoding="utf-8")
        folder = course / "feedback" / student / "cnn"
        assert sorted(p.stem for p in folder.glob("*.html")) == sorted(EXERCISES)
        assert all(p.read_text(encoding="utf-8") == page for p in folder.glob("*.html"))
        for name in ("timestamp.txt", "submission_secret.txt"):
            assert (folder / name).read_text() == (course / "submitted" / student / "cnn" / name).read_text()
    done = subprocess.run([str(BIN / "nbgrader"), "release_feedback", "cnn"], cwd=course, env=jupyter_env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    released = list((course.parent / "course" / "exchange" / "convkit" / "feedback").glob("*.html"))
    assert len(released) == len(STUDENTS) * len(EXERCISES)


def test_only_grading_kernels_get_the_grading_environment(course, jupyter_env, monkeypatch):
    """The config changes no process environment; nbgrader's Execute preprocessor (autograde,
    validate) starts kernels that see CONVKIT_GRADING and the mirrors."""
    from nbgrader.preprocessors import Execute

    before = dict(os.environ)
    config = PyFileConfigLoader(CONFIG, path=str(course)).load_config()
    assert dict(os.environ) == before and "CONVKIT_GRADING" not in (course / CONFIG).read_text().split("exec_lines")[0]
    for key, value in jupyter_env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("CONVKIT_GRADING", raising=False)
    probe = "import os; print(repr({k: os.environ.get(k) for k in %r}))" % sorted(grading_environment(course))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(probe)])
    notebook, _ = Execute(config=config).preprocess(notebook, {"metadata": {"path": str(course)}})
    seen = eval(notebook.cells[0].outputs[0]["text"])  # noqa: S307 - our own probe's repr
    assert seen == grading_environment(course) and seen["CONVKIT_GRADING"] == "1"
