"""Let a notebook import the functions of your other notebooks.

Shipped next to the exercise notebooks. After ``import notebook_import``, the statement
``from output_size import calculate_out`` finds ``output_size.ipynb`` in the current
folder (or on ``sys.path``) and runs its code cells as a module, so each exercise
builds on YOUR earlier exercises, exactly as the ``.py`` files import one another.
A ``.py`` file of the same name wins over the notebook.

Skipped cells: nbgrader's autograder tests, and the cells the notebooks mark as demos
or checks (``metadata.convkit.role``), so importing never trains a model or plots.
IPython magics and shell lines (``%matplotlib``, ``!pip``) are skipped too. A cell
that raises is reported as a warning and the next cells still run: the functions
defined so far stay importable.

``nbgrader autograde`` writes a student's notebooks into ``autograded/`` one at a
time, so an earlier exercise may not be there yet. The course's nbgrader_config.py
sets ``CONVKIT_NOTEBOOK_MIRRORS=<autograded>=<submitted>``: a notebook missing from a
folder under the first path is then read from the same place under the second.

The grading worker runs notebooks with this same code (``code_cells``, ``run_cells``)
and installs its own finder with ``install``. This file is standalone on purpose
(standard library only): students receive it as a plain file.
"""
from __future__ import annotations

import importlib.abc
import importlib.util
import json
import linecache
import os
import sys
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

SKIPPED_ROLES: tuple[str, ...] = ("demo", "check", "tests")


class NotebookError(Exception):
    """The .ipynb file is not a readable notebook."""


def _mapping(value: Any) -> dict:
    """``value`` if it is a dict, else an empty one (notebook JSON may be hand-edited)."""
    return value if isinstance(value, dict) else {}


def runnable(cell: Any, skipped_roles: tuple[str, ...] = SKIPPED_ROLES) -> bool:
    """Whether a cell defines something: a code cell that is not an autograder test
    (nbgrader grade without solution) nor marked with one of ``skipped_roles``."""
    if not isinstance(cell, dict) or cell.get("cell_type") != "code":
        return False
    metadata = _mapping(cell.get("metadata"))
    grading = _mapping(metadata.get("nbgrader"))
    if grading.get("grade") and not grading.get("solution"):
        return False
    return _mapping(metadata.get("convkit")).get("role") not in skipped_roles


def cell_source(cell: dict) -> str:
    """A code cell's source as Python: magics and shell lines become ``pass``."""
    source = cell.get("source", "")
    source = "".join(source) if isinstance(source, list) else str(source)
    lines = []
    for line in source.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(("%", "!")):
            line = line[: len(line) - len(stripped)] + "pass"
        lines.append(line)
    return "\n".join(lines) + "\n"


def code_cells(path: Path, skipped_roles: tuple[str, ...] = SKIPPED_ROLES) -> list[tuple[int, str]]:
    """The cells of notebook ``path`` to run, as (1-based cell number in the notebook, source).

    Raises:
        NotebookError: ``path`` is not JSON with a list of ``cells``.
    """
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        if not isinstance(cells, list):
            raise TypeError("'cells' is not a list")
    except Exception as exc:
        raise NotebookError(f"{path.name} is not a valid notebook ({type(exc).__name__}: {exc})") from None
    return [(number, cell_source(cell)) for number, cell in enumerate(cells, start=1)
            if runnable(cell, skipped_roles)]


def cell_filename(notebook: str, number: int) -> str:
    """The pseudo file name a cell's code is compiled under, shown in tracebacks."""
    return f"{notebook}, cell {number}"


def run_cells(path: Path, module: ModuleType, on_error: Callable[[int, BaseException], None],
              skipped_roles: tuple[str, ...] = SKIPPED_ROLES) -> None:
    """Run notebook ``path``'s cells in order in ``module``'s namespace.

    A cell that raises is passed to ``on_error(cell number, exception)``, which may
    re-raise it to stop; otherwise the next cell runs. Each cell's source is put in
    ``linecache`` so that tracebacks show its lines.
    """
    for number, source in code_cells(path, skipped_roles):
        filename = cell_filename(path.name, number)
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        try:
            exec(compile(source, filename, "exec"), module.__dict__)
        except BaseException as error:  # noqa: BLE001 - on_error decides what stops the import
            on_error(number, error)


class NotebookLoader(importlib.abc.Loader):
    """Executes a notebook's runnable code cells into a fresh module."""

    skipped_roles: tuple[str, ...] = SKIPPED_ROLES

    def __init__(self, path: Path):
        self.path = path

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: ModuleType) -> None:
        module.__file__ = str(self.path)
        run_cells(self.path, module, self.cell_failed, self.skipped_roles)

    def cell_failed(self, number: int, error: BaseException) -> None:
        """Warn and go on: later cells may still define what is imported (Ctrl-C and exit() stop)."""
        if not isinstance(error, Exception):
            raise error
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


# A module's files, in the order one wins over the other: X.py, then X.ipynb.
MODULE_SUFFIXES = (".py", ".ipynb")


def module_file(folder: Path, name: str) -> Path | None:
    """The file ``import name`` loads from ``folder``: ``name.py``, else ``name.ipynb``, else None.

    Only a regular file counts, never a symlink (the grader never follows one).
    """
    for suffix in MODULE_SUFFIXES:
        path = folder / f"{name}{suffix}"
        if path.is_file() and not path.is_symlink():
            return path
    return None


class NotebookFinder(importlib.abc.MetaPathFinder):
    """Finds ``<name>.ipynb`` in ``folders()`` for a top-level import no other finder resolved."""

    def folders(self) -> list[Path]:
        return search_folders()

    def loader(self, notebook: Path) -> NotebookLoader:
        return NotebookLoader(notebook)

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        if path is not None or "." in name:
            return None
        for folder in self.folders():
            candidate = folder / f"{name}.ipynb"
            if candidate.is_file():
                return importlib.util.spec_from_loader(name, self.loader(candidate), origin=str(candidate))
        return None


def install(finder: NotebookFinder) -> None:
    """Make ``finder`` the only NotebookFinder of this module on ``sys.meta_path``.

    Appended, not prepended: a real module of the same name is always preferred.
    """
    sys.meta_path[:] = [found for found in sys.meta_path if not isinstance(found, NotebookFinder)] + [finder]


# Importing this module is what a notebook's first cell does to turn the finder on.
install(NotebookFinder())
