"""The code a submission wrote for one exercise, and the code every student was given.

Submissions are untrusted: only regular files are read (no symlinks, FIFOs or devices),
at most ``MAX_BYTES`` of each, decoded with replacement; a notebook contributes the
source of its code cells and a notebook that is not valid JSON contributes nothing.
"""
from __future__ import annotations

import json
from pathlib import Path

from grader.course.assignment import EXERCISES, NOTEBOOKS, STUBS
from grader.isolation.submission_files import read_regular

MAX_BYTES = 1 << 20


def read_text(path: Path) -> str | None:
    """The text of ``path`` if it is a regular file of at most MAX_BYTES (never through a symlink)."""
    data = read_regular(path, MAX_BYTES)
    return None if data is None else data.decode("utf-8", "replace")


def notebook_code(text: str) -> str:
    """The code cells of a notebook's JSON text, one after another ("" when it is not a notebook)."""
    try:
        cells = json.loads(text).get("cells", [])
    except (ValueError, AttributeError, RecursionError):
        return ""
    sources = []
    for cell in cells if isinstance(cells, list) else []:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            source = cell.get("source", "")
            sources.append("".join(map(str, source)) if isinstance(source, list) else str(source))
    return "\n\n".join(sources)


def exercise_code(folder: Path, exercise: str) -> str:
    """What ``folder`` holds for ``exercise``: ``X.py`` as it is, else the code cells of ``X.ipynb``."""
    text = read_text(folder / f"{exercise}.py")
    if text is not None:
        return text
    text = read_text(folder / f"{exercise}.ipynb")
    return notebook_code(text) if text is not None else ""


def given_code(exercise: str) -> list[str]:
    """Everything students were handed for ``exercise``: its stub and each released notebook's code."""
    given = [(STUBS / f"{exercise}.py").read_text(encoding="utf-8")]
    for notebook in sorted(NOTEBOOKS.glob(f"*/*/{exercise}.ipynb")):
        given.append(notebook_code(notebook.read_text(encoding="utf-8")))
    return given


def reference_code(folder: Path) -> dict[str, str]:
    """A reference's code per exercise (e.g. a leaked answer key such as solutions/cnn)."""
    return {exercise: exercise_code(folder, exercise) for exercise in EXERCISES}
