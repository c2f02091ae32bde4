"""A second honest submission (tests/honest/), written independently of the reference in a
different style (plain loops, as_strided, einsum; none of the stubs' helpers), as .py files
and as notebooks written from scratch: full marks under 10 student ids (issue 9).

Each grading run is shared (session scope). mnist trains a model (about 13 s a grading),
so it is graded under one id, for the .py file and the notebook, by its own test.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from grader.authoring.examples import DEMO_EXERCISES
from grade_ids import IDS, copies, grade_ids, per_test_scores

HONEST = Path(__file__).resolve().parent / "honest"


@pytest.fixture(scope="session")
def honest_py(tmp_path_factory):
    root = tmp_path_factory.mktemp("honest-py")
    return grade_ids(copies(HONEST, root / "in"), root / "out", DEMO_EXERCISES)


@pytest.fixture(scope="session")
def honest_notebooks(tmp_path_factory):
    root = tmp_path_factory.mktemp("honest-nb")
    return grade_ids(copies(HONEST / "notebooks", root / "in"), root / "out", DEMO_EXERCISES)


def not_full(results: dict[str, dict]) -> dict[str, dict[str, str]]:
    """``{id: {test: status and message}}`` for every test short of full marks."""
    return {student: {f"{name}/{t['name']}": f"{t['status']}: {t['message'][:300]}"
                      for name, ex in result["exercises"].items() for t in ex["tests"] if t["score"] < t["max_score"]}
            for student, result in results.items() if result["score"] < result["max_score"]}


def test_honest_py_gets_full_marks_under_every_id(honest_py):
    assert sorted(honest_py) == sorted(IDS)
    assert not_full(honest_py) == {}
    assert all(set(r["exercises"]) == set(DEMO_EXERCISES) for r in honest_py.values())


def test_honest_notebooks_get_full_marks_under_every_id(honest_notebooks):
    assert sorted(honest_notebooks) == sorted(IDS)
    assert not_full(honest_notebooks) == {}
    assert all(r["notes"] == [] for r in honest_notebooks.values())


def test_honest_mnist_gets_full_marks_as_py_and_as_notebook(tmp_path):
    submissions = {**copies(HONEST, tmp_path / "py", IDS[:1]), **copies(HONEST / "notebooks", tmp_path / "nb", IDS[1:2])}
    results = grade_ids(submissions, tmp_path / "out", ("mnist",))
    assert sorted(results) == sorted(IDS[:2]) and not_full(results) == {}


def test_honest_grades_are_identical_under_every_id(honest_py, honest_notebooks):
    for results in (honest_py, honest_notebooks):
        assert len({tuple(sorted(per_test_scores(r).items())) for r in results.values()}) == 1


def test_committed_notebooks_match_their_script():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_notebooks", HONEST / "make_notebooks.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    for name, text in script.render().items():
        assert (HONEST / "notebooks" / name).read_text(encoding="utf-8") == text, f"run tests/honest/make_notebooks.py ({name})"


def test_honest_submission_is_independent_of_the_given_helpers():
    for file in list(HONEST.glob("*.py")) + list((HONEST / "notebooks").glob("*.ipynb")):
        text = file.read_text(encoding="utf-8")
        assert "conv_args" not in text and "BEGIN SOLUTION" not in text, file
