"""The whole nbgrader course, end to end, with real nbgrader and a real Jupyter kernel.

Init a French course with its own exchange, generate (all seven notebooks) and release;
fetch as alice and bob; alice answers with the reference, bob breaks ``MaxPool1D`` and
leaves the mnist notebook unanswered; submit, collect; grade with ``nbgrader autograde``
(alice: every notebook, the one full autograde of the reference; bob: maxpool and mnist,
to keep the test short), feedback, export; then grade again with ``convkit grade --nbgrader``,
which refuses to overwrite autograde's scores until told to (``--force``), and export:
nbgrader's CSV holds convkit's scores, and ``release_feedback`` releases convkit's feedback.
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.authoring import notebooks
from grader.commands.cli import main as convkit
from grader.course.assignment import EXERCISES

BIN = Path(sys.executable).parent
BROKEN_MAXPOOL1D = ("range(0, x.shape[2] - p + 1, p)", "range(0, x.shape[2], p)")  # keeps a partial block


def run(command: list[str], cwd: Path, env: dict) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done.stdout + done.stderr


def exported(course: Path, env: dict) -> dict[str, float]:
    (course / "grades.csv").unlink(missing_ok=True)
    run([str(BIN / "nbgrader"), "export"], course, env)
    with open(course / "grades.csv", newline="", encoding="utf-8") as file:
        return {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(file)}


def answer(folder: Path, source: Path, *, broken: bool) -> None:
    """Fill the fetched notebooks' solution cells from the source notebooks (by grade_id)."""
    for exercise in EXERCISES:
        if broken and exercise == "mnist":
            continue  # bob never got to the last exercise
        reference = {c.metadata["nbgrader"]["grade_id"]: c.source
                     for c in nbformat.read(source / f"{exercise}.ipynb", 4).cells if c.metadata.get("nbgrader", {}).get("solution")}
        notebook = nbformat.read(folder / f"{exercise}.ipynb", 4)
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in reference:
                cell.source = reference[grade_id]
                if broken and grade_id == "loop_conv_MaxPool1D":
                    assert BROKEN_MAXPOOL1D[0] in cell.source
                    cell.source = cell.source.replace(*BROKEN_MAXPOOL1D)
        nbformat.write(notebook, folder / f"{exercise}.ipynb")


@pytest.fixture()
def env(tmp_path):
    """Jupyter and IPython write only under tmp_path; a python3 kernel spec is findable (the
    venv's own, else the one installed into the temporary data folder)."""
    folders = {name: tmp_path / "jupyter" / name for name in ("config", "data", "runtime", "ipython")}
    for folder in folders.values():
        folder.mkdir(parents=True)
    environment = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
                   "JUPYTER_CONFIG_DIR": str(folders["config"]), "JUPYTER_DATA_DIR": str(folders["data"]),
                   "JUPYTER_RUNTIME_DIR": str(folders["runtime"]), "IPYTHONDIR": str(folders["ipython"]),
                   "CONVKIT_CACHE": str(tmp_path / "cache")}
    run([sys.executable, "-m", "ipykernel", "install", "--user", "--name", "python3"], tmp_path, environment)
    specs = json.loads(run([str(BIN / "jupyter"), "kernelspec", "list", "--json"], tmp_path, environment).split("\n[")[0])
    assert Path(specs["kernelspecs"]["python3"]["resource_dir"], "kernel.json").is_file()
    return environment


def test_course_end_to_end(tmp_path, env):
    course, exchange = tmp_path / "course", tmp_path / "exchange"
    nbgrader = str(BIN / "nbgrader")
    assert convkit(["course", "init", str(course), "--lang", "fr", "--exchange", str(exchange)]) == 0
    assert json.loads((course / "convkit.json").read_text())["lang"] == "fr"

    run([nbgrader, "generate_assignment", "cnn"], course, env)
    for exercise in EXERCISES:  # what nbgrader releases is what the repository commits
        released = nbformat.read(course / "release" / "cnn" / f"{exercise}.ipynb", 4)
        committed = nbformat.read(notebooks.released_dir("fr") / f"{exercise}.ipynb", 4)
        assert [c.source for c in released.cells] == [c.source for c in committed.cells], exercise
    run([nbgrader, "release_assignment", "cnn"], course, env)
    assert (exchange / "convkit" / "outbound" / "cnn" / "maxpool.ipynb").is_file()

    student_flags = [f"--Exchange.root={exchange}", f"--Exchange.cache={tmp_path / 'exchange-cache'}",
                     "--CourseDirectory.course_id=convkit"]
    for student in ("alice", "bob"):
        home = tmp_path / student
        home.mkdir()
        run([nbgrader, "fetch_assignment", "cnn", *student_flags], home, env)
        answer(home / "cnn", course / "source" / "cnn", broken=student == "bob")
        run([nbgrader, "submit", "cnn", "--student", student, *student_flags], home, env)
    run([nbgrader, "collect", "cnn", "--ExchangeCollect.check_owner=False"], course, env)

    run([nbgrader, "autograde", "cnn", "--student", "alice"], course, env)
    run([nbgrader, "autograde", "cnn", "--student", "bob", "--notebook", "m*"], course, env)  # maxpool, mnist
    run([nbgrader, "generate_feedback", "cnn"], course, env)
    for student in ("alice", "bob"):
        assert list((course / "feedback" / student / "cnn").glob("*.html")), f"no feedback for {student}"
    total = sum(notebooks.POINTS.values())
    assert exported(course, env) == {"alice": total, "bob": notebooks.POINTS["maxpool"]}

    grade = [sys.executable, "-m", "grader.commands.cli", "grade", "--nbgrader", str(course), "cnn", "--jobs", "2",
             "--no-progress"]
    refused = subprocess.run(grade, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert refused.returncode == 2 and "written by nbgrader autograde" in refused.stderr, refused.stderr
    assert exported(course, env) == {"alice": total, "bob": notebooks.POINTS["maxpool"]}  # nothing overwritten
    run([*grade, "--force"], tmp_path, env)
    document = json.loads((course / "convkit" / "cnn" / "grades.json").read_text())
    results = {sub["student"]: sub for sub in document["submissions"]}
    for exercise in EXERCISES:  # each test cell is worth what the hidden suite is worth
        assert results["alice"]["exercises"][exercise]["max_score"] == notebooks.POINTS[exercise]
    scores = exported(course, env)
    lost = [(e, t["name"], t["status"], t["message"][:300]) for e, x in results["alice"]["exercises"].items()
            for t in x["tests"] if t["status"] != "passed"]
    assert scores["alice"] == results["alice"]["score"] == total, lost
    assert scores["bob"] == pytest.approx(results["bob"]["score"])
    assert 0 < scores["bob"] < total and results["bob"]["exercises"]["mnist"]["score"] == 0
    assert results["bob"]["exercises"]["loop_conv"]["score"] < notebooks.POINTS["loop_conv"]
    for student in ("alice", "bob"):
        page = (course / "convkit" / "cnn" / "feedback" / f"{student}.html").read_text(encoding="utf-8")
        assert '<html lang="fr">' in page  # the course's language, without --lang
        assert (course / "feedback" / student / "cnn" / "maxpool.html").read_text(encoding="utf-8") == page
    run([nbgrader, "release_feedback", "cnn"], course, env)
    assert len(list((exchange / "convkit" / "feedback").glob("*.html"))) == 2 * len(EXERCISES)
