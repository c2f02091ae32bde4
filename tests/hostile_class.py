"""A red-team round's attacks and an honest classmate, graded in one class run.

Shared by tests/test_redteam4.py to tests/test_redteam7.py. Each attack is a submission
folder ``<round>/<attack>/``; the honest classmate is the reference solution of every
exercise. :func:`grade_hostile_class` grades them all with ``convkit grade``'s own
class-run code (``--jobs 2``, outputs written), each student on its own exercises only
(its ``plan``), so a round's file needs just its plan, one session fixture and its tests.
"""
from __future__ import annotations

import ast
import re
import shutil
from pathlib import Path
from typing import Mapping

import pytest

from grader.course.assignment import EXERCISES, SOLUTIONS
from grader.grading.cache import Settings
from grader.grading.class_run import Run, grade_class
from grader.isolation import bubblewrap as sandbox

HONEST = "honest"
# A line of an attack that stands for a reference function (an honest part of the attack),
# spliced in when the class is built so the repository holds no copy of reference code.
SPLICE = re.compile(r"^# reference: (\w+)\.(\w+)$", re.MULTILINE)


def reference_function(module: str, name: str) -> str:
    """The source of the top-level function ``name`` of the reference ``module``."""
    source = (SOLUTIONS / f"{module}.py").read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return ast.get_source_segment(source, node)
    raise ValueError(f"the reference {module}.py has no function {name}: update the attack's splice line")


# A line naming the exercise's functions or classes an attack leaves alone: each becomes a
# callable that raises NotImplementedError, as an unsolved stub does.
UNATTACKED = re.compile(r"^# unattacked: ([\w ]+)$", re.MULTILINE)


def unattacked(names: str) -> str:
    """``def name(*args, **kwargs): raise NotImplementedError`` for each of the names."""
    return "\n\n".join(f"def {name}(*args, **kwargs):\n    raise NotImplementedError" for name in names.split())


def splice_references(folder: Path) -> None:
    """Replace every ``# reference: module.function`` line of ``folder``'s Python files with
    that reference function, and every ``# unattacked: A B`` line with stubs of A and B."""
    for path in folder.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        spliced = SPLICE.sub(lambda line: reference_function(*line.groups()), text)
        spliced = UNATTACKED.sub(lambda line: unattacked(line.group(1)), spliced)
        if spliced != text:
            path.write_text(spliced, encoding="utf-8")


def submission(attacks: Path, folder: Path, student: str, helpers: tuple[str, ...] = ()) -> Path:
    """``student``'s folder: the reference solution of every exercise, or the attack's files
    from ``attacks`` (reference functions spliced in, :func:`splice_references`) with the
    reference modules ``helpers`` it imports but does not hold."""
    if student != HONEST:
        shutil.copytree(attacks / student, folder)
        splice_references(folder)
        for name in helpers:
            if not (folder / f"{name}.py").exists():
                shutil.copy(SOLUTIONS / f"{name}.py", folder / f"{name}.py")
        return folder
    folder.mkdir(parents=True)
    for name in EXERCISES:
        if (SOLUTIONS / f"{name}.py").exists():
            shutil.copy(SOLUTIONS / f"{name}.py", folder / f"{name}.py")
    return folder


class _GradeOwn:
    """The class run's grade_fn (picklable: the grading processes are spawned): the real
    grader, each student on its own exercises."""

    def __init__(self, plan: Mapping[str, tuple[str, ...]]):
        self.plan = dict(plan)

    def __call__(self, folder: Path, student: str, **options):
        from grader.grading.submission import grade_submission

        return grade_submission(folder, student, **{**options, "exercises": self.plan[student]})


def grade_hostile_class(root: Path, attacks: Path, plan: Mapping[str, tuple[str, ...]],
                        helpers: tuple[str, ...] = ()) -> Run:
    """Every student of ``plan`` (student -> the exercises it is graded on) in ONE class run
    under ``root``; each attack gets the reference ``helpers`` it lacks (see :func:`submission`)."""
    folders = {student: submission(attacks, root / "class" / student, student, helpers) for student in plan}
    exercises = tuple(e for e in EXERCISES if any(e in own for own in plan.values()))
    return grade_class(folders, root / "out", Settings(exercises=exercises), jobs=2, grade_fn=_GradeOwn(plan),
                       progress=False)


@pytest.fixture(autouse=True)
def sandboxed():
    """Import it into a test module: the attacks are graded only where the sandbox isolates."""
    assert sandbox.probe().isolated, sandbox.probe().reason


def graded(run: Run, student: str, exercise: str) -> dict:
    return run.results[student]["exercises"][exercise]


def summary(result: dict) -> list[tuple]:
    return [(test["name"], test["status"], test["score"]) for test in result["tests"]]


def scores_nothing_on(run: Run, attack: str, exercise: str) -> dict:
    """``attack``'s graded ``exercise``, after asserting it scored 0 of its (nonzero) points."""
    result = graded(run, attack, exercise)
    assert result["max_score"] > 0 and result["score"] == 0, summary(result)
    return result


def assert_everyone_graded_and_the_honest_classmate_full(run: Run, plan: Mapping[str, tuple[str, ...]]) -> None:
    """Every student of ``plan`` has a grade, and the honest classmate every point of each exercise."""
    assert run.failed == {}, run.failed
    assert sorted(run.results) == sorted(plan)
    for exercise in plan[HONEST]:
        result = graded(run, HONEST, exercise)
        assert result["score"] == result["max_score"] > 0, (exercise, summary(result))
