"""Every course language makes an nbgrader course whose released notebooks are valid and render.

The full round trip (fetch, submit, autograde, feedback, export) runs once, in Spanish, in
tests/test_course_e2e.py; here each other language gets the cheap part that depends on the
language: ``convkit course init --lang``, ``nbgrader generate_assignment``, nbformat
validation, the notebooks' recorded language and an HTML rendering by nbconvert.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbconvert import HTMLExporter

from grader.authoring import notebooks
from grader.commands.cli import main as convkit
from grader.course import messages
from grader.course.assignment import ASSIGNMENT, EXERCISES, LANGUAGES

BIN = Path(sys.executable).parent
E2E_LANGUAGE = "fr"  # the language tests/test_course_e2e.py runs the whole round trip in


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != E2E_LANGUAGE])
def test_course_inits_generates_and_renders(tmp_path, lang, capsys):
    course = tmp_path / "course"
    assert convkit(["course", "init", str(course), "--lang", lang]) == 0
    said = capsys.readouterr().out
    assert messages.text("course_next", lang, root=course, commands="").split(str(course))[0] in said
    assert json.loads((course / "convkit.json").read_text(encoding="utf-8"))["lang"] == lang

    jupyter = {f"JUPYTER_{name}_DIR": str(tmp_path / "jupyter" / name) for name in ("CONFIG", "DATA", "RUNTIME")}
    done = subprocess.run([str(BIN / "nbgrader"), "generate_assignment", ASSIGNMENT], cwd=course, capture_output=True,
                          text=True, timeout=300, env={**os.environ, **jupyter, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]

    exporter = HTMLExporter(template_name="classic")
    hint = messages.text("notebook_hint", lang, hint="")
    for exercise in EXERCISES:
        released = nbformat.read(course / "release" / ASSIGNMENT / f"{exercise}.ipynb", 4)
        nbformat.validate(released)
        assert released.metadata["convkit"] == {"exercise": exercise, "lang": lang}
        committed = nbformat.read(notebooks.released_dir(lang) / f"{exercise}.ipynb", 4)
        assert [c.source for c in released.cells] == [c.source for c in committed.cells], exercise
        lesson = next(c.source for c in released.cells if c.cell_type == "markdown")
        page, _ = exporter.from_notebook_node(released)
        assert page.startswith("<!DOCTYPE html>") and lesson.split("\n")[0].lstrip("# ") in page, exercise
        assert any(hint in c.source for c in released.cells if c.cell_type == "code"), f"{exercise}: no {hint!r}"
