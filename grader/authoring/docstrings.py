"""The reference modules' docstrings in the course's languages.

A reference module (``solutions/cnn/<exercise>.py``) is written in English, docstrings
included: it is their one source. Their translations are the catalog's
``messages.DOCSTRINGS`` entries, keyed by what they document: ``"maxpool"`` (the module),
``"maxpool.maxpool2d_unfold"``, ``"loop_conv.Conv1D.forward"``. The stubs and the
notebooks of a language other than English show the translation in place of the English
text (:func:`translate`); the code around it is untouched.

A translation is stored as the text between the triple quotes, its continuation lines
without the indentation of the body they document (:func:`find` gives the English one in
that form), so one translation serves a method and a function alike.

>>> source = 'def f(x):\\n    \"\"\"One line.\\n\\n    More.\\n    \"\"\"\\n    return x\\n'
>>> [(d.key, d.text) for d in find(source, "m")]
[('m.f', 'One line.\\n\\nMore.\\n')]
>>> print(replace(source, {"m.f": "Una línea.\\n\\nMás.\\n"}, "m"))
def f(x):
    \"\"\"Una línea.
<BLANKLINE>
    Más.
    \"\"\"
    return x
<BLANKLINE>
"""
from __future__ import annotations

import ast
from dataclasses import dataclass

from grader.course import messages

QUOTES = '"""'


class DocstringError(ValueError):
    """A docstring that cannot be translated: not a plain triple-quoted string, or no translation."""


@dataclass(frozen=True)
class Docstring:
    """One docstring of a source text: ``key`` names what it documents; ``text`` is what stands
    between its quotes, dedented by ``indent``; it spans lines ``first`` to ``last`` (0-based),
    from column ``start`` of the first to column ``end`` of the last (characters, quotes included)."""

    key: str
    text: str
    indent: str
    first: int
    last: int
    start: int
    end: int


def find(source: str, module: str, where: str = "<source>") -> list[Docstring]:
    """Every docstring of ``source`` (module, classes, functions, methods), in source order.

    ``module`` prefixes the keys: ``"<module>"`` for the module docstring, else
    ``"<module>.<qualified name>"``.
    """
    lines = source.split("\n")
    found: list[Docstring] = []

    def visit(node: ast.AST, name: str) -> None:
        body = getattr(node, "body", [])
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            found.append(_docstring(lines, body[0], name, where))
        for child in body:
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                visit(child, f"{name}.{child.name}")

    visit(ast.parse(source, where), module)
    return found


def _docstring(lines: list[str], node: ast.Expr, key: str, where: str) -> Docstring:
    first, last = node.lineno - 1, node.end_lineno - 1
    start = len(lines[first].encode("utf-8")[: node.col_offset].decode("utf-8"))
    end = len(lines[last].encode("utf-8")[: node.end_col_offset].decode("utf-8"))
    literal = "\n".join([lines[first][start:]] + lines[first + 1 : last] + [lines[last][:end]]) if last > first \
        else lines[first][start:end]
    if not (literal.startswith(QUOTES) and literal.endswith(QUOTES) and len(literal) >= 6):
        raise DocstringError(f"{where}:{first + 1}: the docstring of {key} must be a plain {QUOTES}...{QUOTES} "
                             "string to be translated")
    indent = lines[first][:start]
    raw = literal[3:-3].split("\n")
    text = "\n".join(raw[:1] + [line[len(indent):] if line.startswith(indent) else line for line in raw[1:]])
    return Docstring(key, text, indent, first, last, start, end)


def _indented(text: str, indent: str) -> str:
    """``text`` with its continuation lines indented again; blank lines stay empty, but the
    last one (before the closing quotes) gets the indent so the quotes line up."""
    lines = text.split("\n")
    return "\n".join(lines[:1] + [indent + line if line or number == len(lines) - 1 else ""
                                  for number, line in enumerate(lines) if number > 0])


def replace(source: str, texts: dict[str, str], module: str, where: str = "<source>") -> str:
    """``source`` with each docstring whose key ``texts`` holds replaced by that text."""
    lines = source.split("\n")
    for doc in reversed(find(source, module, where)):
        if doc.key not in texts:
            continue
        literal = f"{QUOTES}{_indented(texts[doc.key], doc.indent)}{QUOTES}"
        head, tail = lines[doc.first][: doc.start], lines[doc.last][doc.end :]
        lines[doc.first : doc.last + 1] = (head + literal + tail).split("\n")
    return "\n".join(lines)


def translate(source: str, module: str, lang: str, where: str = "<source>") -> str:
    """``source`` (a reference module or a piece of it) with every docstring in ``lang``.

    Raises:
        DocstringError: a docstring has no ``lang`` translation in ``messages.DOCSTRINGS``.
    """
    if lang == messages.DOCSTRING_LANGUAGE:
        return source
    texts = {}
    for doc in find(source, module, where):
        translated = messages.docstring(doc.key, lang)
        if translated is None:
            raise DocstringError(f"{where}:{doc.first + 1}: the docstring of {doc.key} has no {lang!r} translation "
                                 f"in grader/course/messages.py (DOCSTRINGS[{doc.key!r}])")
        texts[doc.key] = translated
    return replace(source, texts, module, where)
