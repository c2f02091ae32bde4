"""The bundled examples: generated, not edited, and graded by the real grader as documented.

One grading run of every example (real grader, the demo's exercises, --jobs 2) is shared
by the tests of this module.
"""
from __future__ import annotations

import json

import nbformat
import pytest

from grader.authoring import examples
from grader.authoring.examples import DEMO_EXERCISES, EXAMPLE_LIST, EXAMPLES
from grader.authoring.stubs import regions
from grader.course.assignment import EXERCISES, REPO, solution_path
from grader.course.mutation import MutationError
from grader.grading import class_run
from grader.grading.cache import Settings
from grader.grading.discover import discover


def test_committed_examples_match_the_generator():
    assert examples.drift() == [], "examples/ drifted from grader/authoring/examples.py: run `convkit examples`"


def test_each_mistake_is_confined_to_its_module():
    reference = examples.reference_files()
    changed = {
        example.name: sorted(name for name, text in example.build().items() if reference.get(name) != text)
        for example in EXAMPLE_LIST
    }
    assert changed["reference"] == []
    assert changed["stubs"] == sorted(f"{name}.py" for name in EXERCISES)
    assert changed["ceil_output_size"] == ["output_size.py"]
    assert changed["window_indices"] == ["maxpool.py"]
    assert changed["forbidden_unfold"] == ["im2col_conv.py"]
    assert changed["notebook_broken_cell"] == ["maxpool.ipynb"]


def test_notebook_example_has_exactly_one_broken_cell():
    book = nbformat.reads((EXAMPLES / "notebook_broken_cell" / "maxpool.ipynb").read_text(encoding="utf-8"), as_version=4)
    nbformat.validate(book)
    broken = []
    for number, cell in enumerate(book.cells):
        if cell.cell_type == "code":
            try:
                compile(cell.source, f"cell {number}", "exec")
            except SyntaxError:
                broken.append(cell.source.split("\n")[0])
    assert len(broken) == 1
    assert broken[0].startswith("def maxpool2d_backward(") and not broken[0].endswith(":")


def test_a_mutation_that_no_longer_matches_fails_loudly():
    with pytest.raises(MutationError, match="exactly once, found it 0 times"):
        examples.Mutation("maxpool", "text that is not there", "x").apply("source")


def test_examples_grade_as_documented(tmp_path):
    """One real grading run of every example (the demo's exercises, --jobs 2), then every
    documented fact about it. One test, so parallel test workers do not grade twice."""
    run = class_run.grade_class(discover([EXAMPLES]), tmp_path, Settings(exercises=DEMO_EXERCISES),
                            jobs=2, progress=False)
    assert run.failed == {}
    document = json.loads((tmp_path / "grades.json").read_text(encoding="utf-8"))
    graded = {sub["student"]: sub for sub in document["submissions"]}
    assert sorted(graded) == sorted(example.name for example in EXAMPLE_LIST)

    reference, stubs = graded["reference"], graded["stubs"]
    assert {name: ex["max_score"] for name, ex in reference["exercises"].items()} == dict(examples.FULL)
    assert reference["score"] == reference["max_score"] == document["max_score"] > 0
    assert all(t["status"] == "passed" for ex in reference["exercises"].values() for t in ex["tests"])
    assert stubs["score"] == 0 and not any(t["status"] == "passed" for ex in stubs["exercises"].values() for t in ex["tests"])

    wrong = {}
    for example in EXAMPLE_LIST:
        got = {name: ex["score"] for name, ex in graded[example.name]["exercises"].items()}
        if got != dict(example.expected):
            wrong[example.name] = {"documented": dict(example.expected), "graded": got}
    assert not wrong, f"examples scored differently from grader/authoring/examples.py: {wrong}"

    forbidden = [t for t in graded["forbidden_unfold"]["exercises"]["im2col_conv"]["tests"] if t["status"] == "forbidden"]
    assert forbidden and all("unfold" in t["message"] for t in forbidden)
    assert "cell 4 of maxpool.ipynb raised SyntaxError" in (tmp_path / "feedback" / "notebook_broken_cell.md").read_text(encoding="utf-8")

    hidden = {line.strip() for suite in (REPO / "grader" / "suites").glob("*.py")
              for line in suite.read_text(encoding="utf-8").splitlines() if len(line.strip()) >= 30}
    pages = [p for p in (tmp_path / "feedback").iterdir() if p.is_file()] + [tmp_path / "report.html", tmp_path / "report.md"]
    for page in pages:  # the feedback pages and the class report (figures are beside them, in folders)
        leaked = [line for line in hidden if line in page.read_text(encoding="utf-8")]
        assert not leaked, f"{page.name} shows hidden test code: {leaked[:3]}"

    # No solution code beyond what the stubs hand out (their hints) may reach the stubs' feedback.
    handed_out = "\n".join(examples.stub_files().values())
    solution_lines = set()
    for name in DEMO_EXERCISES:
        lines = solution_path(name).read_text(encoding="utf-8").split("\n")
        for begin, end, _, _ in regions("\n".join(lines)):
            solution_lines |= {line.strip() for line in lines[begin + 1 : end]
                               if len(line.strip()) >= 30 and not line.strip().startswith("#")}
    for suffix in (".md", ".html"):
        page = (tmp_path / "feedback" / f"stubs{suffix}").read_text(encoding="utf-8")
        leaked = [line for line in solution_lines if line in page and line not in handed_out]
        assert not leaked, f"stubs{suffix} shows reference source: {leaked[:3]}"


def test_examples_grade_as_documented_with_cascade(tmp_path):
    """The examples whose documented --cascade scores differ from their default ones,
    graded the composed way (the others score the same either way)."""
    differing = {example.name: example for example in EXAMPLE_LIST if example.cascade != example.expected}
    assert "ceil_output_size" in differing
    submissions = {name: folder for name, folder in discover([EXAMPLES]).items() if name in differing}
    run = class_run.grade_all(submissions, tmp_path, Settings(exercises=DEMO_EXERCISES, cascade=True), jobs=2,
                              progress=False)
    assert run.failed == {}
    got = {name: {e: ex["score"] for e, ex in run.results[name]["exercises"].items()} for name in differing}
    assert got == {name: dict(example.cascade) for name, example in differing.items()}
