"""How the grader spots a forbidden routine (the rules: grader/course/rules.py).

Two independent checks, both run by the grading side for every test that calls a
function with a rule:

1. **Static** (``static_check``): read the student's source (``.py`` or the code cells
   of the ``.ipynb``) with ``ast``, resolve import aliases (``import torch.nn.functional
   as F``, ``from torch.nn.functional import unfold as u``, ``from torch import
   conv2d``, module-level ``c = F.conv2d``, ``getattr(F, "unfold")``) and look for the
   forbidden names in the function's body and in the module-level functions it calls.
2. **At run time** (``guard``): the worker installs tripwires while that one student
   function runs: a torch dispatch mode that trips on the aten operators the routine
   reaches, whatever Python path led there (``torch._C._nn.im2col``,
   ``torch.ops.aten.convolution``, ``nn.Conv2d``...), and wrappers around the
   autograd entry points.

Either way the test gets status ``forbidden`` with a message naming the routine. The
static check reads only regular files, bounded in size and nesting (``Uncheckable``
otherwise, which also marks the test ``forbidden``), so no source makes it raise
anything else or hold the grading process for long.
"""
from __future__ import annotations

import ast
import json
import os
from dataclasses import dataclass
from pathlib import Path

from grader.course.rules import Routine
from grader.isolation.submission_files import read_regular

# Bounds on the work the check does for one file (honest exercise files are a few KB,
# nested about 16 deep): source past them is not checked, and the test is marked
# forbidden, since an unchecked function could name any routine.
MAX_SOURCE_BYTES = 1 << 20
MAX_NOTEBOOK_BYTES = 32 << 20  # outputs (plots) make notebooks larger than their code
MAX_AST_DEPTH = 100


@dataclass(frozen=True)
class Finding:
    """A forbidden routine found in the source: which, where, and as written."""

    routine: Routine
    line: int
    text: str


class Uncheckable(Exception):
    """The source is too large or too deeply nested to check; ``reason`` is "size" or "depth"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _parse(text: str) -> ast.Module:
    """``ast.parse`` within the depth limit; SyntaxError (and ValueError for NUL bytes) pass through."""
    try:
        tree = ast.parse(text)
    except (RecursionError, MemoryError):
        raise Uncheckable("depth") from None
    # Iteratively, so the walk itself cannot overflow the stack; every later walk
    # (alias resolution, unparse) then recurses at most MAX_AST_DEPTH deep.
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_AST_DEPTH:
            raise Uncheckable("depth")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return tree


def source_trees(path: Path) -> list[ast.Module]:
    """The parsed source of a ``.py`` file, or of each parsable code cell of a notebook.

    Only a regular file is read (never through a link), at most ``MAX_SOURCE_BYTES`` of
    code (``MAX_NOTEBOOK_BYTES`` of notebook). Source that does not parse gives no tree
    (the worker reports the syntax error itself).

    Raises:
        Uncheckable: the code is over the size cap or nested deeper than ``MAX_AST_DEPTH``.
    """
    notebook = path.suffix == ".ipynb"
    limit = MAX_NOTEBOOK_BYTES if notebook else MAX_SOURCE_BYTES
    try:
        too_large = os.lstat(path).st_size > limit
    except (OSError, ValueError):
        return []
    if too_large:
        raise Uncheckable("size")
    data = read_regular(path, limit)
    if data is None:
        return []
    text = data.decode("utf-8", errors="replace")
    try:
        if not notebook:
            return [_parse(text)]
        cells = json.loads(text).get("cells", [])
    except (SyntaxError, ValueError, AttributeError, RecursionError):
        return []
    sources = []
    for cell in cells if isinstance(cells, list) else []:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        source = "".join(map(str, source)) if isinstance(source, list) else str(source)
        sources.append("\n".join("pass" if line.lstrip().startswith(("%", "!")) else line
                                 for line in source.splitlines()))
    if sum(len(source) for source in sources) > MAX_SOURCE_BYTES:
        raise Uncheckable("size")
    trees = []
    for source in sources:
        try:
            trees.append(_parse(source))
        except (SyntaxError, ValueError):
            continue
    return trees


def static_check(path: Path, function: str, routines: tuple[Routine, ...]) -> Finding | None:
    """The first forbidden routine that ``function`` (or a helper it calls) names in ``path``.

    Raises:
        Uncheckable: the source is too large or too deeply nested to check (nothing else
            a submission writes makes it raise).
    """
    if not routines:
        return None
    try:
        return _check(path, function, routines)
    except (RecursionError, MemoryError):
        raise Uncheckable("depth") from None


def _check(path: Path, function: str, routines: tuple[Routine, ...]) -> Finding | None:
    trees = source_trees(path)
    aliases = _aliases(trees)
    definitions = {
        node.name: node for tree in trees for node in tree.body
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }
    pending, seen = [function], set()
    while pending:
        name = pending.pop()
        if name in seen or name not in definitions:
            continue
        seen.add(name)
        for node in ast.walk(definitions[name]):
            finding = _match(node, aliases, routines)
            if finding:
                return finding
            if isinstance(node, ast.Name) and node.id in definitions:
                pending.append(node.id)
    return None


def _aliases(trees: list[ast.Module]) -> dict[str, str]:
    """Local name -> dotted name it stands for, from imports anywhere and module-level assignments."""
    aliases: dict[str, str] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for item in node.names:
                    if item.asname:
                        aliases[item.asname] = item.name
                    else:
                        root = item.name.split(".")[0]
                        aliases[root] = root
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for item in node.names:
                    if item.name == "*":
                        aliases.setdefault("*", node.module)
                    else:
                        aliases[item.asname or item.name] = f"{node.module}.{item.name}"
    for tree in trees:
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                value = _dotted(node.value, aliases)
                if value:
                    aliases[node.targets[0].id] = value
    return aliases


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    """The dotted name an expression stands for, if it is a (possibly aliased) name chain."""
    if isinstance(node, ast.Name):
        return aliases.get(node.id)
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value, aliases)
        return f"{base}.{node.attr}" if base else None
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr"
            and len(node.args) >= 2 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, str)):
        base = _dotted(node.args[0], aliases)
        return f"{base}.{node.args[1].value}" if base else None
    return None


def _match(node: ast.AST, aliases: dict[str, str], routines: tuple[Routine, ...]) -> Finding | None:
    line = getattr(node, "lineno", 0)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "backward":
        for routine in routines:
            if routine.autograd:
                return Finding(routine, line, ast.unparse(node.func))
    dotted = _dotted(node, aliases)
    if dotted is None and isinstance(node, ast.Name) and "*" in aliases and node.id not in aliases:
        dotted = f"{aliases['*']}.{node.id}"
    if dotted is None:
        return None
    for routine in routines:
        for qualname in routine.qualnames:
            if dotted == qualname or dotted.startswith(qualname + "."):
                return Finding(routine, line, ast.unparse(node))
    return None
