"""``convkit check [PATH]``: the student's own check before submitting.

Runs the PUBLIC checks (grader/course/public_checks.py, the same ones each notebook's test cell
shows and its last cell runs) on the student's work: a folder holding ``<exercise>.py``
files or ``<exercise>.ipynb`` notebooks (``.py`` wins when both exist), or one such file.
For each exercise it prints what passes and, for what fails, the message and the hint of
the function at fault (the ``# HINT`` line of the reference's solution region).

The report speaks the student's language: the one asked for, else the one the student's
notebooks record (``metadata["convkit"]["lang"]``, written by the notebook generator), else
the one of the course folder holding them (``convkit.json``, written by ``convkit course
init``), else English (:func:`work_language`).

This runs the student's own code on the student's own machine and decides no grade, so it
runs in this process; each exercise's failure, whatever it raises, is reported and the
next exercise is still checked. The given modules (``conv_args``...) come from the kit
when the folder lacks them; nothing else of the kit is importable as an exercise.
"""
from __future__ import annotations

import importlib
import json
import shutil
import sys
import tempfile
import traceback
from pathlib import Path

from grader.authoring.stubs import regions
from grader.course import messages, public_checks
from grader.course.assignment import COURSE_SETTINGS, EXERCISES, GIVEN, LANGUAGES, solution_path
from grader.runtime.notebook_import import module_file  # importing it installs the <exercise>.ipynb finder


def hints(lang: str) -> dict[str, dict[str, str]]:
    """``{lang: {function: hint}}`` from the reference solutions' regions."""
    found: dict[str, str] = {}
    for exercise in EXERCISES:
        path = solution_path(exercise)
        for _, _, owner, region_hints in regions(path.read_text(encoding="utf-8"), str(path)):
            found.setdefault(owner, region_hints[lang])
    return {lang: found}


def _recorded_language(path: Path, *keys: str) -> str | None:
    """``json[keys[0]][keys[1]]...`` of the JSON file ``path`` when it is one of LANGUAGES; None
    otherwise (a missing, unreadable or hand-edited file is not an error: the work is still checked)."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
        for key in keys:
            value = value[key]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return value if isinstance(value, str) and value in LANGUAGES else None


def work_language(path: Path) -> str | None:
    """The language the student's work at ``path`` (an exercise file or a folder) is in, or None.

    First a notebook's ``metadata["convkit"]["lang"]`` (the notebook itself, or the folder's
    exercise notebooks in teaching order), then the ``convkit.json`` of the nearest enclosing
    course folder.
    """
    path = path.resolve()
    folder = path.parent if path.is_file() else path
    notebooks = [path] if path.suffix == ".ipynb" else [folder / f"{exercise}.ipynb" for exercise in EXERCISES]
    for notebook in notebooks:
        if (lang := _recorded_language(notebook, "metadata", "convkit", "lang")):
            return lang
    for parent in (folder, *folder.parents):
        if (lang := _recorded_language(parent / COURSE_SETTINGS, "lang")):
            return lang
    return None


def _fresh_imports(folder: Path, given: Path) -> None:
    """Make bare-name imports resolve to ``folder`` (then the given modules), never to stale modules."""
    for name in EXERCISES + GIVEN:
        sys.modules.pop(name, None)
    for entry in (str(folder), str(given)):
        while entry in sys.path:
            sys.path.remove(entry)
    sys.path.insert(0, str(folder))
    sys.path.append(str(given))


def check_folder(folder: Path, lang: str = "en", only: tuple[str, ...] = EXERCISES) -> bool:
    """Print the public checks' report for every exercise in ``folder``; True when all present ones pass."""
    known_hints = hints(lang)
    passed = checked = 0
    with tempfile.TemporaryDirectory(prefix="convkit-given-") as given:
        for module in GIVEN:
            shutil.copy(solution_path(module), Path(given) / f"{module}.py")
        shutil.copy(Path(__file__).resolve().parents[1] / "runtime" / "notebook_import.py", Path(given) / "notebook_import.py")
        _fresh_imports(folder.resolve(), Path(given))
        for exercise in only:
            file = module_file(folder, exercise)
            if file is None:
                print(f"== {exercise}: {messages.text('check_missing', lang, name=exercise)}")
                continue
            checked += 1
            print(f"== {exercise} ({file.name})")
            try:
                namespace = vars(importlib.import_module(exercise))
            except BaseException as error:  # the student's module may raise anything, even SystemExit
                print(f"  [!!] {messages.text('check_load', lang, file=file.name)}: {type(error).__name__}: {error}")
                print("".join(traceback.format_exception(error)[-2:]).rstrip())
                continue
            passed += public_checks.report(exercise, namespace, lang, known_hints, {lang: messages.check_words(lang)},
                                           {lang: messages.public_check_texts(lang)})
    print(messages.text("check_total", lang, passed=passed, total=checked))
    return checked > 0 and passed == checked


