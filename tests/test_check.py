"""``convkit check``: public checks with hints, on .py folders and on notebooks."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from grader.authoring import notebooks
from grader.course import messages
from grader.course.assignment import COURSE_SETTINGS, EXERCISES, SOLUTIONS
from grader.student.check import work_language


def check(path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "grader.commands.cli", "check", str(path), *args], capture_output=True,
                          text=True, timeout=300, cwd=path if path.is_dir() else path.parent)


def test_reference_passes_and_a_bug_gets_its_hint(tmp_path):
    for exercise in EXERCISES:  # no conv_args.py: the given modules come from the kit
        shutil.copy(SOLUTIONS / f"{exercise}.py", tmp_path)
    done = check(tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "7 of 7 exercises pass" in done.stdout and "FAILED" not in done.stdout

    maxpool = tmp_path / "maxpool.py"
    source = maxpool.read_text(encoding="utf-8")
    # a classic mistake: the position inside the window instead of the flat index in the plane
    start = source.index("    return values.view(N, C, H_out, W_out), indices.view")
    maxpool.write_text(source[:start] + "    return values.view(N, C, H_out, W_out), within.view(N, C, H_out, W_out)\n"
                       + source[source.index("    ### END SOLUTION", start):], encoding="utf-8")
    done = check(tmp_path, "--lang", "es")
    assert done.returncode == 1
    report = done.stdout.split("== maxpool")[1].split("==")[0]
    assert "check_maxpool_course: FALLA (maxpool2d_unfold)" in report
    assert "pista: F.unfold(H, kernel, stride=stride)" in report
    assert "check_maxpool_backward: pasa" in report
    # worked_example builds on the student's own maxpool, so it fails too
    assert "check_tiny_backward_course: FALLA" in done.stdout and "5 de 7 ejercicios pasan" in done.stdout


def test_notebooks_are_checked_with_the_students_earlier_notebooks(tmp_path):
    released = notebooks.released_dir("en")
    for file in released.iterdir():
        shutil.copy(file, tmp_path)
    # the student answered exercise 1 only (the source notebook's solution cell)
    answered = nbformat.read(tmp_path / "output_size.ipynb", 4)
    source = notebooks.build_source_notebook("output_size", "en")
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in source.cells if c.metadata.get("nbgrader", {}).get("solution")}
    for cell in answered.cells:
        cell.source = solutions.get(cell.metadata.get("nbgrader", {}).get("grade_id"), cell.source)
    nbformat.write(answered, tmp_path / "output_size.ipynb")

    done = check(tmp_path / "output_size.ipynb")
    assert done.returncode == 0 and "3/3 public checks pass" in done.stdout, done.stdout + done.stderr
    done = check(tmp_path)
    assert done.returncode == 1
    im2col = done.stdout.split("== im2col_conv")[1].split("==")[0]
    assert "check_im2col_course: FAILED (im2col)" in im2col and "hint: pad X, take windows with Tensor.unfold" in im2col
    assert "1 of 7 exercises pass" in done.stdout


def test_stubs_show_each_hint_once_without_a_traceback():
    from grader.course.assignment import STUBS

    done = check(STUBS / "output_size.py")
    assert done.returncode == 1, done.stdout + done.stderr
    assert done.stdout.count("floor division") == 3, done.stdout  # one line per failing check
    assert "Traceback" not in done.stdout and "File " not in done.stdout and "hint:" not in done.stdout


def test_the_report_speaks_the_language_of_the_notebooks_else_of_the_course(tmp_path):
    course = tmp_path / "course"
    folder = course / "submitted" / "ana" / "cnn"
    folder.mkdir(parents=True)
    shutil.copy(SOLUTIONS / "output_size.py", folder)
    assert work_language(folder) is None  # nothing says: `convkit check` falls back to English
    (course / COURSE_SETTINGS).write_text(json.dumps({"lang": "es"}), encoding="utf-8")
    assert work_language(folder) == work_language(folder / "output_size.py") == "es"
    (folder / "maxpool.ipynb").write_text("{not a notebook", encoding="utf-8")  # unreadable: skipped
    assert work_language(folder) == "es"
    shutil.copy(notebooks.released_dir("fr") / "output_size.ipynb", folder)
    assert work_language(folder) == work_language(folder / "output_size.ipynb") == "fr"

    (folder / "output_size.py").unlink()  # the .py would be checked instead of the notebook
    done = check(folder / "output_size.ipynb")  # no --lang: the notebook's French
    assert done.returncode == 1
    hint = messages.text("check_hint", "fr", hint="pour chaque dimension spatiale")
    assert "check_output_size_course: ÉCHEC (calculate_out)" in done.stdout and hint in done.stdout, done.stdout
    assert messages.text("check_total", "fr", passed=0, total=1) in done.stdout
