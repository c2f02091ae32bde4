"""The generated notebooks: no drift from the generator, nbgrader metadata, no leaked solutions,
both languages from one source, and the import hook that chains a student's notebooks."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.authoring import docstrings, notebooks
from grader.authoring.stubs import regions
from grader.course import messages, public_checks
from grader.course.assignment import EXERCISES, LANGUAGES, solution_path


@pytest.mark.parametrize("lang", LANGUAGES)
def test_committed_notebooks_match_the_generator(lang):
    target = notebooks.released_dir(lang)
    expected = notebooks.render(lang, solutions=False)
    committed = {path.name: path.read_text(encoding="utf-8") for path in target.iterdir() if path.is_file()}
    assert sorted(committed) == sorted(expected), f"{target}: files differ; run `convkit notebooks`"
    for name, text in expected.items():
        assert committed[name] == text, f"{target / name} drifted from the generator; run `convkit notebooks`"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_released_notebooks_hold_no_solution_and_no_hidden_test(lang):
    for exercise in EXERCISES:
        text = (notebooks.released_dir(lang) / f"{exercise}.ipynb").read_text(encoding="utf-8")
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", *(f"HINT {lang}:" for lang in LANGUAGES)):
            assert marker not in text, f"{exercise}.ipynb ({lang}) contains {marker!r}"
        # every line of every solution region's body is gone
        source = solution_path(exercise).read_text(encoding="utf-8").split("\n")
        found = regions("\n".join(source))
        shown = " ".join(hints[lang] for *_, hints in found)  # hints are shown on purpose, as in the .py stubs
        for begin, end, owner, _ in found:
            body = [line.strip() for line in source[begin + 1 : end]
                    if line.strip() and "HINT" not in line and line.strip() not in shown]
            leaked = [line for line in body if len(line) > 25 and line in text]
            assert not leaked, f"{exercise}.ipynb ({lang}) leaks {owner}'s solution: {leaked[:2]}"


def english_docstrings() -> set[str]:
    """Every docstring of the reference modules and of the public checks shown in the test cells,
    as it stands between its quotes, dedented."""
    sources = [(solution_path(e).read_text(encoding="utf-8"), e) for e in EXERCISES]
    sources += [(public_checks.check_source(e), notebooks.CHECKS_DOCSTRINGS) for e in EXERCISES]
    return {doc.text for source, module in sources for doc in docstrings.find(source, module)}


def cell_docstrings(lang: str, exercise: str) -> list[str]:
    """The docstrings of the code cells of the committed released notebook ``exercise`` of ``lang``."""
    notebook = nbformat.read(notebooks.released_dir(lang) / f"{exercise}.ipynb", 4)
    return [doc.text for cell in notebook.cells if cell.cell_type == "code"
            for doc in docstrings.find(cell.source, exercise)]


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != messages.DOCSTRING_LANGUAGE])
def test_notebooks_show_no_english_docstring(lang):
    english = english_docstrings()
    for exercise in EXERCISES:
        shown, reference = cell_docstrings(lang, exercise), cell_docstrings(messages.DOCSTRING_LANGUAGE, exercise)
        assert len(shown) == len(reference) > 0, f"{exercise}.ipynb ({lang}): {len(shown)} docstrings, en has {len(reference)}"
        assert set(reference) <= english, f"{exercise}.ipynb (en) shows a docstring the reference lacks"
        left = [text.split("\n")[0] for text in shown if text in english]
        assert not left, f"{exercise}.ipynb ({lang}) shows English docstrings: {left}"


def test_source_notebook_metadata_follows_nbgrader():
    for exercise in EXERCISES:
        notebook = notebooks.build_source_notebook(exercise, "es")
        nbformat.validate(notebook)
        ids = [cell.metadata["nbgrader"]["grade_id"] for cell in notebook.cells if "nbgrader" in cell.metadata]
        assert len(ids) == len(set(ids)), f"{exercise}: duplicate grade_id"
        roles = [cell.metadata["convkit"]["role"] for cell in notebook.cells]
        solution_cells = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("solution")]
        # one solution cell per function/class holding a region, no more
        owners = {owner.split(".")[0] for *_, owner, _ in regions(solution_path(exercise).read_text(encoding="utf-8"))}
        assert {c.metadata["nbgrader"]["grade_id"] for c in solution_cells} == {f"{exercise}_{o}" for o in owners}
        for cell in solution_cells:
            assert cell.metadata["nbgrader"]["grade"] is False and "### BEGIN SOLUTION" in cell.source
            assert "# Pista:" in cell.source and "HINT" not in cell.source
        tests = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")]
        assert len(tests) == 1 and tests[0].metadata["nbgrader"]["points"] == notebooks.POINTS[exercise]
        assert "### BEGIN HIDDEN TESTS" in tests[0].source and tests[0].metadata["nbgrader"]["locked"]
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                assert cell.metadata["nbgrader"]["locked"], f"{exercise}: instructions must be read-only"
        assert roles[-1] == "check" and "CONVKIT_GRADING" in notebook.cells[-1].source


def test_every_language_comes_from_one_lesson_with_the_same_cells():
    for exercise in EXERCISES:
        built = {lang: notebooks.build_source_notebook(exercise, lang) for lang in LANGUAGES}
        en = built["en"]
        for lang, notebook in built.items():
            assert [c.metadata for c in notebook.cells] == [c.metadata for c in en.cells]
            assert notebook.metadata["convkit"] == {"exercise": exercise, "lang": lang}
            hint = f"# {messages.text('notebook_hint', lang, hint='')}"
            solutions = [c.source for c in notebook.cells if c.metadata["convkit"]["role"] == "solution"]
            assert solutions and all(hint in s for s in solutions), f"{exercise} ({lang}): a solution cell lacks {hint!r}"
        for cell in range(len(en.cells)):
            if en.cells[cell].cell_type == "markdown":
                texts = [notebook.cells[cell].source for notebook in built.values()]
                assert len(set(texts)) == len(texts), f"{exercise}: markdown cell {cell} is not translated"


def test_lessons_teach_the_course_topics():
    text = "".join((notebooks.LESSONS / f"{e}.md").read_text(encoding="utf-8") for e in EXERCISES)
    for topic in ("stride", "padding", "dilation", "im2col", "col2im", "pooling", "first maximum",
                  "primer máximo", "premier maximum", "remplissage", "dilatation", "pas de 2", "noyau",
                  "carte de caractéristiques", "rétropropagation", "couche de convolution", "6x6", "flat index", "18"):
        assert topic in text, f"the lessons never mention {topic!r}"
    long_cells = [c for e in EXERCISES for c in notebooks.build_source_notebook(e, "en").cells
                  if c.metadata["convkit"]["role"] == "demo" and ("train_epoch(" in c.source or "plt." in c.source)
                  and e == "mnist"]
    assert long_cells and all("CONVKIT_GRADING" in c.source for c in long_cells)


def test_lesson_format_errors_name_the_file(tmp_path):
    bad = tmp_path / "x.md"
    bad.write_text("=== markdown\n--- en\nonly english\n", encoding="utf-8")
    with pytest.raises(notebooks.LessonError, match="x.md"):
        notebooks.parse_lesson(bad)


def test_localize_keeps_markers_and_one_hint():
    code = "def f():\n    ### BEGIN SOLUTION\n    # HINT en: add\n    # HINT es: suma\n    return 1\n    ### END SOLUTION"
    assert notebooks.localize_regions(code, "en", "f") == (
        "def f():\n    # Hint: add\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION")


def test_demo_lines_keep_the_chosen_language_only():
    code = ('# en: the loss\n# es: la pérdida\n# fr: la perte\n'
            'ax.set_ylabel("loss")  # en\nax.set_ylabel("pérdida")  # es\nax.set_ylabel("perte")  # fr\n'
            'x = 1  # noqa\n')
    assert notebooks.comment_groups(code) == [["en", "es", "fr"], ["en", "es", "fr"]]
    assert notebooks.localize_comments(code, "fr") == '# la perte\nax.set_ylabel("perte")\nx = 1  # noqa'
    for lang in LANGUAGES:  # no demo or test cell (hidden tests included) keeps a line of another language
        for exercise in EXERCISES:
            demos = [c.source for c in notebooks.build_source_notebook(exercise, lang).cells
                     if c.metadata["convkit"]["role"] in ("demo", "tests")]
            marked = [line for source in demos for line in source.split("\n")
                      if any(line.rstrip().endswith(f"# {other}") or f"# {other}: " in line for other in LANGUAGES)]
            assert not marked, f"{exercise} ({lang}): {marked[:2]}"


def test_notebook_import_chains_a_students_notebooks(tmp_path):
    """im2col's notebook imports calculate_out from the student's own output_size.ipynb;
    tests, demos and checks are not run on import, and a failing cell does not stop it."""
    notebooks.write(tmp_path, "en", solutions=True)
    output_size = json.loads((tmp_path / "output_size.ipynb").read_text(encoding="utf-8"))
    output_size["cells"].insert(2, nbformat.v4.new_code_cell("raise RuntimeError('broken cell')"))
    (tmp_path / "output_size.ipynb").write_text(json.dumps(output_size), encoding="utf-8")
    script = (
        "import warnings, notebook_import\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    from im2col_conv import conv2d_unfold\n"
        "    import output_size\n"
        "import torch\n"
        "print(conv2d_unfold(torch.ones(1, 1, 4, 4), torch.ones(1, 1, 3, 3)).flatten().tolist())\n"
        "print(output_size.__file__.endswith('.ipynb'), any('broken cell' in str(w.message) for w in caught))\n"
        "print('check_output_size_course' in vars(output_size))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "CONVKIT_GRADING": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:3] == ["[9.0, 9.0, 9.0, 9.0]", "True True", "False"]
