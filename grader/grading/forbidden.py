"""How the grader spots a forbidden routine (the rules: grader/course/rules.py).

Two independent checks, both run by the grading side for every test that calls a
function with a rule:

1. **Static** (``static_check``): read the student's source (``.py`` or the code cells
   of the ``.ipynb``) with ``ast``, resolve import aliases (``import torch.nn.functional
   as F``, ``from torch.nn.functional import unfold as u``, ``from torch import
   conv2d``, module-level ``c = F.conv2d``, ``getattr(F, "unfold")``) and look for the
   forbidden names in the function's body and in the module-level functions it calls.
2. **At run time** (grader/runtime/guard.py): while that one student function runs,
   a torch dispatch mode trips on every aten operator not on the function's
   allowlist, whatever Python path led there (``torch._C._nn.im2col``,
   ``torch.ops.aten.convolution``, a 3-D pooling on depth 1...), and on any autograd
   engine run where autograd is forbidden.

Either way the test gets status ``forbidden`` with a message naming the routine.

The static check also reads the whole file for **tampering** (:func:`tampering`):
reaching into torch's dispatch internals (``torch._C``, dispatch modes), the grader's
worker (``grader.runtime``, ``sys.modules``), frames or the garbage collector's
object graph. Honest exercise code needs none of these; a file that uses them gets
``forbidden`` in every test of its exercise, naming what was found.

The static check reads only regular files, bounded in size and nesting (``Uncheckable``
otherwise, which also marks the test ``forbidden``), so no source makes it raise
anything else or hold the grading process for long.
"""
from __future__ import annotations

import ast
import functools
import json
import os
from dataclasses import dataclass
from pathlib import Path

from grader.course.rules import Routine, Rule
from grader.isolation.submission_files import read_regular
from grader.runtime.notebook_import import cell_source

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


def _parse(source: str | bytes) -> ast.Module:
    """``ast.parse`` within the depth limit; SyntaxError (and ValueError for NUL bytes) pass through.

    A ``.py`` file is parsed from its bytes, as Python imports it: a byte-order mark or a
    ``# coding:`` line (UTF-7 hides code in what UTF-8 shows as a comment) decides the text
    here too, so the check reads exactly what the worker runs.
    """
    try:
        tree = ast.parse(source)
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


@dataclass(frozen=True)
class Source:
    """A file's parsed code, and the names its imports and module-level assignments alias."""

    trees: tuple[ast.Module, ...]
    aliases: dict[str, str]  # local name -> dotted name (see _aliases); only read


def source(path: Path) -> Source:
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
        return Source((), {})
    return _source(data, notebook) if len(data) > CACHED_BYTES else _cached_source(data, notebook)


# A submission's file is checked for each ruled function it defines and for tampering
# (14 checks of 5 files for a whole submission): parsed, and its aliases found, once per
# content (the bytes are the key, so changed code is parsed again). Only files of honest
# size are kept, so the cache holds little memory whatever a submission holds.
CACHED_BYTES = 64 << 10


@functools.lru_cache(maxsize=8)
def _cached_source(data: bytes, notebook: bool) -> Source:
    """:func:`_source`, remembered."""
    return _source(data, notebook)


def _source(data: bytes, notebook: bool) -> Source:
    trees = _trees(data, notebook)
    return Source(trees, _aliases(trees))


def _trees(data: bytes, notebook: bool) -> tuple[ast.Module, ...]:
    """The trees of :func:`source` for a file holding ``data`` (the trees are only read, never changed)."""
    try:
        if not notebook:
            return (_parse(data),)
        cells = json.loads(data.decode("utf-8", errors="replace")).get("cells", [])
    except (SyntaxError, ValueError, AttributeError, RecursionError):
        return ()
    sources = []
    for cell in cells if isinstance(cells, list) else []:
        # The worker's own rule (magics and shell lines become an indented ``pass``), so
        # the check reads exactly the code the worker runs.
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            try:
                sources.append(cell_source(cell))
            except TypeError:  # a source list holding a number: not a notebook the worker can load
                continue
    if sum(len(source) for source in sources) > MAX_SOURCE_BYTES:
        raise Uncheckable("size")
    trees = []
    for source in sources:
        try:
            trees.append(_parse(source))
        except (SyntaxError, ValueError):
            continue
    return tuple(trees)


def static_check(path: Path, function: str, rule: Rule | None) -> Finding | None:
    """The first forbidden routine that ``function`` (or a helper it calls) names in ``path``.

    Raises:
        Uncheckable: the source is too large or too deeply nested to check (nothing else
            a submission writes makes it raise).
    """
    if rule is None:
        return None
    try:
        return _check(path, function, rule.routines)
    except (RecursionError, MemoryError):
        raise Uncheckable("depth") from None


def _check(path: Path, function: str, routines: tuple[Routine, ...]) -> Finding | None:
    parsed = source(path)
    trees, aliases = parsed.trees, parsed.aliases
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


def _aliases(trees: tuple[ast.Module, ...]) -> dict[str, str]:
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


# Dotted names (and prefixes) that reach the grader's guard or torch's dispatch machinery.
TAMPERING_NAMES: tuple[str, ...] = (
    "torch._C", "torch.utils._python_dispatch", "torch._dispatch", "torch.overrides", "torch._ops",
    "torch.fx.experimental.proxy_tensor", "torch._subclasses", "torch.autograd.variable.Variable._execution_engine",
    "torch.autograd.graph", "grader", "sys.modules", "sys._getframe", "sys.setprofile", "sys.settrace",
    "sys.meta_path", "inspect.currentframe", "inspect.stack", "inspect.getouterframes", "inspect.trace",
    "gc.get_referrers", "gc.get_referents", "gc.get_objects", "ctypes", "_thread", "resource.setrlimit",
    "resource.prlimit", "builtins.__import__", "sys.addaudithook", "sys.audit", "cProfile", "profile.Profile",
    "signal.signal", "signal.setitimer",
)
# Attributes that, wherever they appear, walk frames, rebind code or define a dispatch hook.
TAMPERING_ATTRIBUTES: frozenset[str] = frozenset({
    "f_back", "f_locals", "f_globals", "f_builtins", "tb_frame", "gi_frame", "cr_frame", "ag_frame",
    "__code__", "__closure__", "__globals__", "__torch_dispatch__", "__torch_function__", "_execution_engine",
    "_EngineBase", "_ImperativeEngine", "_pop_torch_dispatch_stack", "_push_on_torch_dispatch_stack",
    "_DisableTorchDispatch", "_set_dispatch_mode", "_unset_dispatch_mode", "_python_dispatch",
    "TorchDispatchMode", "__subclasshook__", "TorchFunctionMode", "_push_on_torch_function_stack",
})


def tampering(path: Path) -> Finding | None:
    """The first place in ``path`` (the whole file: code at import runs too) that reaches
    into the grader's guard or torch's dispatch internals, as a Finding of ``TAMPERING``."""
    parsed = source(path)
    trees, aliases = parsed.trees, parsed.aliases
    for tree in trees:
        for node in ast.walk(tree):
            line = getattr(node, "lineno", 0)
            if isinstance(node, ast.Attribute) and node.attr in TAMPERING_ATTRIBUTES:
                return Finding(TAMPERING, line, ast.unparse(node)[:120])
            if isinstance(node, ast.Name) and node.id in TAMPERING_ATTRIBUTES:
                return Finding(TAMPERING, line, node.id)
            if isinstance(node, ast.FunctionDef) and node.name in TAMPERING_ATTRIBUTES:
                return Finding(TAMPERING, line, f"def {node.name}")
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                names = [item.name for item in node.names] if isinstance(node, ast.Import) else \
                    [f"{node.module}.{item.name}" for item in node.names if node.module and not node.level]
                found = next((n for n in names if _is_tampering(n)), None)
                if found:
                    return Finding(TAMPERING, line, found)
                continue
            dotted = _dotted(node, aliases) if isinstance(node, (ast.Attribute, ast.Call)) else None
            if dotted and _is_tampering(dotted):
                return Finding(TAMPERING, line, ast.unparse(node)[:120])
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and _is_tampering_text(node.value):
                return Finding(TAMPERING, line, repr(node.value)[:120])
    return None


def _is_tampering(dotted: str) -> bool:
    return any(dotted == name or dotted.startswith(name + ".") for name in TAMPERING_NAMES)


def _is_tampering_text(text: str) -> bool:
    # getattr(torch, "_C") and importlib.import_module("grader.runtime.worker") spell the name in a string.
    return text in ("_C", "grader", "_python_dispatch") or text.startswith(("grader.", "torch._C", "torch.utils._python"))


TAMPERING = Routine("the grader's guard or torch's dispatch internals (tampering)", TAMPERING_NAMES)
