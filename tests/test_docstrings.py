"""The reference docstrings in every course language (grader/authoring/docstrings.py): each
docstring a stub or a notebook shows (the reference modules', and the public checks' helpers'
in the test cells) has a translation in every language but the reference's own, the translations keep the argument names and the doctests, and they land in place."""
from __future__ import annotations

import ast
import doctest
import re

import pytest

from grader.authoring import docstrings, notebooks
from grader.course import messages, public_checks
from grader.course.assignment import EXERCISES, LANGUAGES, solution_path

TRANSLATED = [lang for lang in LANGUAGES if lang != messages.DOCSTRING_LANGUAGE]
_NAME = re.compile(r"\b[A-Za-z]\w*_\w+\b")  # identifier-like words: in_channels, H_out, dX_col...


def parameters(source: str, module: str) -> dict[str, set[str]]:
    """``{key: parameter names}`` of every function and class of ``source`` (a class: its ``__init__``'s)."""
    found = {module: set()}

    def visit(node: ast.AST, name: str) -> None:
        for child in getattr(node, "body", []):
            if isinstance(child, (ast.FunctionDef, ast.ClassDef)):
                init = child if isinstance(child, ast.FunctionDef) else next(
                    (c for c in child.body if isinstance(c, ast.FunctionDef) and c.name == "__init__"), None)
                args = init.args.posonlyargs + init.args.args + init.args.kwonlyargs if init else []
                found[f"{name}.{child.name}"] = {a.arg for a in args} - {"self", "ctx"}
                visit(child, f"{name}.{child.name}")

    visit(ast.parse(source), module)
    return found


def reference_docstrings() -> dict[str, tuple[docstrings.Docstring, set[str]]]:
    """``{key: (English docstring, parameter names of what it documents)}`` over every exercise."""
    found = {}
    for exercise in EXERCISES:
        path = solution_path(exercise)
        source = path.read_text(encoding="utf-8")
        params = parameters(source, exercise)
        for doc in docstrings.find(source, exercise, str(path)):
            found[doc.key] = (doc, params[doc.key])
        # the public checks' helpers shown in the exercise's test cell
        checks = public_checks.check_source(exercise)
        params = parameters(checks, notebooks.CHECKS_DOCSTRINGS)
        for doc in docstrings.find(checks, notebooks.CHECKS_DOCSTRINGS):
            found[doc.key] = (doc, params[doc.key])
    return found


REFERENCE = reference_docstrings()


def words(text: str, names: set[str]) -> set[str]:
    """The parameter names and identifier-like words ``text`` mentions."""
    return {name for name in names if re.search(rf"\b{re.escape(name)}\b", text)} | set(_NAME.findall(text))


def test_every_shown_docstring_has_a_translation_in_every_language():
    assert len(REFERENCE) > 30 and {"loop_conv.Conv1D.forward", "maxpool", "public_checks.course_example"} <= set(REFERENCE)
    missing = [f"{key} ({lang})" for key in REFERENCE for lang in TRANSLATED
               if not (messages.docstring(key, lang) or "").strip()]
    assert not missing, f"docstrings without a translation in grader/course/messages.py DOCSTRINGS: {missing}"
    stale = sorted(set(messages.DOCSTRINGS) - set(REFERENCE))
    assert not stale, f"DOCSTRINGS entries documenting nothing in solutions/cnn: {stale}"
    for key, entry in messages.DOCSTRINGS.items():
        assert sorted(entry) == sorted(TRANSLATED), f"{key}: languages {sorted(entry)}, needs {TRANSLATED}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_names_and_doctests(lang):
    parser = doctest.DocTestParser()
    for key, (doc, params) in REFERENCE.items():
        text = messages.docstring(key, lang)
        assert text != doc.text, f"{key} ({lang}) is the English text"
        examples = [(e.source, e.want) for e in parser.get_examples(doc.text)]
        assert [(e.source, e.want) for e in parser.get_examples(text)] == examples, f"{key} ({lang}): doctests differ"
        lost = words(doc.text, params) - words(text, params)
        assert not lost, f"{key} ({lang}) no longer names {sorted(lost)}"
        assert text.endswith("\n") == doc.text.endswith("\n"), f"{key} ({lang}): closing quotes on another line"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translate_puts_every_docstring_in_place_and_leaves_the_code(lang):
    for exercise in EXERCISES:
        source = solution_path(exercise).read_text(encoding="utf-8")
        found = docstrings.find(source, exercise)
        translated = docstrings.translate(source, exercise, lang)
        assert [d.text for d in docstrings.find(translated, exercise)] == [
            messages.docstring(d.key, lang) for d in found], exercise
        # only the docstrings changed: putting the English ones back gives the source
        assert docstrings.replace(translated, {d.key: d.text for d in found}, exercise) == source, exercise
        assert docstrings.translate(source, exercise, messages.DOCSTRING_LANGUAGE) == source


def test_the_english_text_round_trips():
    for exercise in EXERCISES:
        source = solution_path(exercise).read_text(encoding="utf-8")
        found = docstrings.find(source, exercise)
        assert docstrings.replace(source, {d.key: d.text for d in found}, exercise) == source, exercise


def test_a_missing_translation_is_refused_naming_the_function(monkeypatch):
    monkeypatch.setitem(messages.DOCSTRINGS, "maxpool.maxpool2d_backward", {"es": "Gradiente."})
    source = solution_path("maxpool").read_text(encoding="utf-8")
    assert "Gradiente." in docstrings.translate(source, "maxpool", "es")
    with pytest.raises(docstrings.DocstringError, match=r"maxpool2d_backward.*'fr'"):
        docstrings.translate(source, "maxpool", "fr", "maxpool.py")


def test_a_docstring_that_is_not_a_plain_triple_quoted_string_is_refused():
    with pytest.raises(docstrings.DocstringError, match="m.f"):
        docstrings.find("def f():\n    r'''raw'''\n", "m")
