"""Let a notebook import the functions of your other notebooks.

Shipped next to the exercise notebooks. After ``import notebook_import``, the statement
``from output_size import calculate_out`` finds ``output_size.ipynb`` in the current
folder (or on ``sys.path``) and runs its code cells as a module, so each exercise
builds on YOUR earlier exercises, exactly as the ``.py`` files import one another.
A ``.py`` file of the same name wins over the notebook.

Skipped cells: nbgrader's autograder tests, and the cells the notebooks mark as demos
or checks (``metadata.convkit.role``), so importing never trains a model or plots.
A cell that raises is reported as a warning and the next cells still run: the
functions defined so far stay importable.

``nbgrader autograde`` writes a student's notebooks into ``autograded/`` one at a
time, so an earlier exercise may not be there yet. The course's nbgrader_config.py
sets ``CONVKIT_NOTEBOOK_MIRRORS=<autograded>=<submitted>``: a notebook missing from a
folder under the first path is then read from the same place under the second.
"""
from __future__ import annotations

import importlib.abc
import importlib.util
import json
import os
import sys
import warnings
from pathlib import Path
from types import ModuleType

SKIPPED_ROLES = ("demo", "check", "tests")


def runnable(cell: dict) -> bool:
    """Whether an imported notebook's cell defines something (not a test, demo or check)."""
    if cell.get("cell_type") != "code":
        return False
    metadata = cell.get("metadata", {})
    grading = metadata.get("nbgrader", {})
    if grading.get("grade") and not grading.get("solution"):
        return False
    return metadata.get("convkit", {}).get("role") not in SKIPPED_ROLES


class NotebookLoader(importlib.abc.Loader):
    """Executes a notebook's runnable code cells into a fresh module."""

    def __init__(self, path: Path):
        self.path = path

    def create_module(self, spec) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        module.__file__ = str(self.path)
        cells = json.loads(self.path.read_text(encoding="utf-8"))["cells"]
        for number, cell in enumerate(cells, 1):
            if not runnable(cell):
                continue
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            try:
                exec(compile(source, f"{self.path.name} (cell {number})", "exec"), module.__dict__)
            except Exception as error:  # keep going: later cells may still define what is imported
                warnings.warn(f"{self.path.name}: cell {number} raised {type(error).__name__}: {error}", stacklevel=2)


def search_folders() -> list[Path]:
    """``sys.path`` (the current folder for ``""``), then the mirrors of those folders."""
    folders = [Path(entry or os.getcwd()).resolve() for entry in sys.path]
    for pair in filter(None, os.environ.get("CONVKIT_NOTEBOOK_MIRRORS", "").split(os.pathsep)):
        origin, _, mirror = pair.partition("=")
        for folder in list(folders):
            if folder.is_relative_to(Path(origin).resolve()):
                folders.append(Path(mirror) / folder.relative_to(Path(origin).resolve()))
    return folders


class NotebookFinder(importlib.abc.MetaPathFinder):
    """Finds ``<name>.ipynb`` for a top-level import no other finder resolved."""

    def find_spec(self, name: str, path=None, target=None):
        if path is not None or "." in name:
            return None
        for folder in search_folders():
            candidate = folder / f"{name}.ipynb"
            if candidate.is_file():
                return importlib.util.spec_from_loader(name, NotebookLoader(candidate), origin=str(candidate))
        return None


# Appended, not prepended: a real module of the same name is always preferred.
if not any(isinstance(finder, NotebookFinder) for finder in sys.meta_path):
    sys.meta_path.append(NotebookFinder())
