"""Generate the student stubs from the reference solutions.

Each region between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (nbgrader's markers)
becomes ``raise NotImplementedError(...)`` carrying the region's hint in the chosen
language. A region states its hints as its first comment lines::

    ### BEGIN SOLUTION
    # HINT en: use floor division
    # HINT es: usa división entera
    # HINT fr: utilisez la division entière
    ...

Everything outside the regions (signatures, given checks) is copied as is, but the
docstrings, which are in the chosen language (grader/authoring/docstrings.py). The given
modules (``GIVEN``) are the grader's own code, copied unchanged: a student calls them but
never edits them, and the grader supplies them itself.

>>> strip_solutions("def f():\\n    ### BEGIN SOLUTION\\n    # HINT en: add\\n    return 1\\n    ### END SOLUTION\\n", "en")
'def f():\\n    # YOUR CODE HERE\\n    raise NotImplementedError("f: not implemented yet. Hint: add")\\n'
"""
from __future__ import annotations

import re
from pathlib import Path

from grader.authoring import docstrings
from grader.course import messages
from grader.course.assignment import EXERCISES, GIVEN, STUBS, require_language, solution_path

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_HINT = re.compile(r"#\s*HINT (\w+):\s*(.*)")
_DEF = re.compile(r"(\s*)(?:def|class)\s+(\w+)")

# nbgrader's own marker for the student's part, the same in every language (its released
# notebooks say it too); the texts around it are the catalog's ``stub_*`` entries.
CODE_MARKER = "YOUR CODE HERE"


def stub_header(lang: str) -> str:
    """The first line of every generated stub: where it comes from, so nobody edits the copy."""
    return f"# {messages.text('stub_header', lang)}\n"


class MarkerError(ValueError):
    """A solution file whose markers do not pair up or whose region lacks a hint."""


def _stub_line(indent: str, owner: str, hints: dict[str, str], lang: str, where: str) -> list[str]:
    if lang not in hints:
        raise MarkerError(f"{where}: solution region in {owner} has no '# HINT {lang}:' line")
    message = messages.text("stub_not_implemented", lang, owner=owner, hint=hints[lang])
    message = message.replace("\\", "\\\\").replace('"', '\\"')
    return [f"{indent}# {CODE_MARKER}", f'{indent}raise NotImplementedError("{message}")']


def regions(source: str, where: str = "<source>") -> list[tuple[int, int, str, dict[str, str]]]:
    """Find the solution regions of a source text.

    Returns:
        one ``(begin_line, end_line, owner, hints)`` per region, lines 0-based, where
        ``owner`` is the enclosing function or class and ``hints`` maps language to hint.
    """
    lines = source.split("\n")
    found, begin = [], None
    scope: list[tuple[int, str]] = []  # (indent, name) of the enclosing defs and classes
    for number, line in enumerate(lines):
        match = _DEF.match(line)
        if match and begin is None:
            indent = len(match.group(1))
            scope = [(i, name) for i, name in scope if i < indent] + [(indent, match.group(2))]
        if BEGIN in line:
            if begin is not None:
                raise MarkerError(f"{where}:{number + 1}: nested '{BEGIN}'")
            begin = number
        elif END in line:
            if begin is None:
                raise MarkerError(f"{where}:{number + 1}: '{END}' without '{BEGIN}'")
            hints = dict(m.groups() for m in map(_HINT.match, (l.strip() for l in lines[begin + 1 : number])) if m)
            owner = ".".join(name for _, name in scope) or "<module>"
            found.append((begin, number, owner, hints))
            begin = None
    if begin is not None:
        raise MarkerError(f"{where}:{begin + 1}: '{BEGIN}' without '{END}'")
    return found


def strip_solutions(source: str, lang: str, where: str = "<source>") -> str:
    """Replace every solution region of ``source`` with a hinting ``NotImplementedError``."""
    lines = source.split("\n")
    out, last = [], 0
    for begin, end, owner, hints in regions(source, where):
        indent = re.match(r"\s*", lines[begin]).group(0)
        out += lines[last:begin] + _stub_line(indent, owner, hints, lang, where)
        last = end + 1
    return "\n".join(out + lines[last:])


def render_stubs(lang: str = "en") -> dict[str, str]:
    """The stub files as ``{file name: text}``: exercises stripped (docstrings in ``lang``),
    given modules copied."""
    require_language(lang, "stubs")
    files = {}
    for module in GIVEN + EXERCISES:
        path = solution_path(module)
        text = path.read_text(encoding="utf-8")
        if module in EXERCISES:
            text = docstrings.translate(text, module, lang, str(path))
            text = stub_header(lang) + strip_solutions(text, lang, str(path))
        files[path.name] = text
    return files


def write_stubs(target: Path = STUBS, lang: str = "en") -> list[Path]:
    """Write the stubs into ``target`` (created if needed); returns the files written."""
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_stubs(lang).items():
        path = target / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


