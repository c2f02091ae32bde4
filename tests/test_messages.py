"""The one catalog of grader texts (grader/course/messages.py): complete in both languages, and
every key the grader's code names exists.

Keys reach the catalog four ways, all scanned here in grader/'s source: ``messages.text(
"key", ...)``, ``messages.Text("key", ...)``, ``Checker._fail("key", ...)``
(grader/grading/compare.py) and the first argument of a ``StudentProblem``
(grader/grading/session.py) or of its subclasses' ``super().__init__``. Keys
built at run time (``f"limit_{kind}"``...) are checked against the names they are built from.
"""
from __future__ import annotations

import ast
import re
import string
from collections import Counter
from pathlib import Path

import pytest

from grader.course import messages
from grader.course.assignment import LANGUAGES
from grader.grading import outputs, session
from grader.isolation import limits

GRADER = Path(messages.__file__).parents[1]


def placeholders(template: str) -> Counter:
    """Each ``{field!conversion:spec}`` of ``template``, counted (literal text and ``{{`` left out)."""
    return Counter((field, conversion, spec) for _, field, spec, conversion in string.Formatter().parse(template)
                   if field is not None)


def sources() -> dict[Path, ast.AST]:
    """grader/'s modules, hidden suites included, parsed (never imported: suites load references)."""
    return {path: ast.parse(path.read_text(encoding="utf-8"), str(path)) for path in sorted(GRADER.rglob("*.py"))}


def problem_classes(trees: dict[Path, ast.AST]) -> set[str]:
    """Names of ``StudentProblem`` and of every class deriving from it in ``trees``."""
    classes = [node for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    found = {session.StudentProblem.__name__}
    while True:
        more = {cls.name for cls in classes
                if any(getattr(base, "id", getattr(base, "attr", None)) in found for base in cls.bases)} - found
        if not more:
            return found
        found |= more


def key_arguments(tree: ast.AST, problems: set[str]) -> list[ast.expr]:
    """The first argument of every call in ``tree`` that names a catalog key."""
    found = []
    for owner in ast.walk(tree):
        in_problem = isinstance(owner, ast.ClassDef) and owner.name in problems
        for node in ast.walk(owner) if in_problem else [owner]:
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            named = (isinstance(func, ast.Attribute) and func.attr in ("text", "_fail", "Text")
                     or isinstance(func, ast.Name) and func.id in (*problems, "Text")
                     or in_problem and isinstance(func, ast.Attribute) and func.attr == "__init__"
                     and isinstance(func.value, ast.Call) and getattr(func.value.func, "id", "") == "super")
            if named:
                found.append(node.args[0])
    return found


def used_keys() -> tuple[dict[str, str], dict[str, str]]:
    """``({literal key: where}, {f-string prefix: where})`` over grader/'s source."""
    trees = sources()
    problems = problem_classes(trees)
    literal, prefixes = {}, {}
    for path, tree in trees.items():
        for arg in key_arguments(tree, problems):
            where = f"{path.relative_to(GRADER.parent)}:{arg.lineno}"
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                literal.setdefault(arg.value, where)
            elif isinstance(arg, ast.JoinedStr) and isinstance(arg.values[0], ast.Constant):
                prefixes.setdefault(arg.values[0].value, where)
    return literal, prefixes


@pytest.mark.parametrize("key", sorted(messages.CATALOG))
def test_every_key_has_both_languages_with_the_same_placeholders(key: str) -> None:
    entry = messages.CATALOG[key]
    # every language of the kit; a text may already carry one being added (French)
    assert set(LANGUAGES) <= set(entry), f"{key}: languages {sorted(entry)}"
    assert all(text.strip() for text in entry.values()), f"{key}: an empty text"
    assert all(placeholders(entry["en"]) == placeholders(text) for text in entry.values()), \
        f"{key}: the languages name different fields"


def test_every_literal_key_in_the_grader_is_in_the_catalog() -> None:
    literal, prefixes = used_keys()
    # The scan must see the calls of every module that was folded into the catalog.
    for key in ("load_failed", "shape", "limit_cpu", "mnist_bar", "mnist_train_timeout", "check_total",
                "feedback_window_values", "window_conv", "no_suite"):
        assert key in literal or any(key.startswith(p) for p in prefixes), f"scan missed {key}"
    missing = {key: where for key, where in literal.items() if key not in messages.CATALOG}
    assert not missing, f"keys used but not in grader/course/messages.py: {missing}"
    unmatched = {p: where for p, where in prefixes.items() if not any(k.startswith(p) for k in messages.CATALOG)}
    assert not unmatched, f"f-string keys matching no catalog entry: {unmatched}"


def mnist_sources() -> list[str]:
    """The data source names keying ``TRAINING`` in the mnist hidden suite."""
    tree = ast.parse((GRADER / "suites" / "test_mnist.py").read_text(encoding="utf-8"))
    (training,) = [node.value for node in ast.walk(tree) if isinstance(node, ast.Assign)
                   and [getattr(t, "id", None) for t in node.targets] == ["TRAINING"]]
    return [ast.literal_eval(key) for key in training.keys]


def test_every_key_in_the_templates_is_in_the_catalog() -> None:
    """The feedback and report templates name their texts as ``t("key", ...)``."""
    used = {match[1]: path.name for path in (GRADER / "grading" / "templates").glob("*.j2")
            for match in re.finditer(r"""\bt\(["']([a-z_]+)["']""", path.read_text(encoding="utf-8"))}
    assert {"feedback_title", "report_reteach"} <= set(used)
    missing = {key: where for key, where in used.items() if key not in messages.CATALOG}
    assert not missing, f"template keys not in grader/course/messages.py: {missing}"


def test_keys_built_at_run_time_exist() -> None:
    built = [f"feedback_status_{status}" for status in outputs.STATUSES]
    built += [f"limit_{kind}" for kind in ("cpu", "file", "memory", "processes", "folder")]
    built += [f"mnist_source_{source}" for source in mnist_sources()]
    assert len(built) == len(outputs.STATUSES) + 5 + 2, built
    assert [key for key in built if key not in messages.CATALOG] == []
    # every limit sandbox can report formats with its values, in both languages
    for kind in ("cpu", "file", "memory", "processes", "folder"):
        assert limits.limit_message(kind, lang="en") != limits.limit_message(kind, lang="es")


def test_text_formats_and_falls_back_to_english() -> None:
    assert messages.text("check_total", "es", passed=2, total=7) == "2 de 7 ejercicios pasan sus comprobaciones públicas"
    assert messages.text("feedback_title", "fr", student="ana") == "Feedback for ana"
