"""Name the misconception behind a wrong result: the mutant of the bank that computes it.

When a student's result is wrong, the grading side replays the student's last request
(the same function, or worker op, on the same arguments) on each mutant of the bank
(grader/course/mutants.py) that edits a reference definition the requested one runs
(itself, what it calls in its module, and what it imports from earlier exercises). A
mutant is the reference solution with one edit, and the reference is trusted code that
the grading process already imports (grader/grading/reference.py), so its mutants run
here too. When a mutant's result equals the student's, its misconception is the
likely mistake, and the failure message states it in the student's language.

Each mutant's modules are imported once per grading process from their edited source,
under the usual bare names but without touching the reference modules already imported.
"""
from __future__ import annotations

import ast
import functools
import importlib
import importlib.abc
import importlib.util
import sys
from types import ModuleType
from typing import Any, Iterator

import torch

from grader.course.assignment import EXERCISES, solution_path
from grader.course.dependencies import uses
from grader.course.mutants import BANK, BY_ID, Mutant
from grader.grading import reference
from grader.grading.compare import TOLERANCES
from grader.runtime import conv_ops  # noqa: F401  (registers the conv ops replayed here)
from grader.runtime.worker import registered

# The mnist exercise's ops train models: replaying them once per mutant would cost seconds,
# and its suite's messages already name the usual mistakes (zero_grad, percent, no_grad).
NOT_REPLAYED = ("mnist",)
MAX_NAMED = 2

# Read once, when the grading process imports this module (grader/grading/submission.py does,
# before any worker starts): nothing a submission writes to disk later can change the code
# run here. The given modules (conv_args) are imported as they are, for the same reason.
REFERENCE: dict[str, str] = {name: solution_path(name).read_text(encoding="utf-8") for name in EXERCISES}
reference.load("conv_args")
for _name in EXERCISES:
    uses(_name)  # cached: the dependency graph is read now too


class _Sources(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves the exercise modules from given source text (a mutant's edited reference)."""

    def __init__(self, sources: dict[str, str]):
        self.sources = sources

    def find_spec(self, name, path=None, target=None):
        return importlib.util.spec_from_loader(name, self) if name in self.sources else None

    def create_module(self, spec):
        return None

    def exec_module(self, module: ModuleType) -> None:
        exec(compile(self.sources[module.__name__], f"<mutant of {module.__name__}.py>", "exec"), vars(module))


@functools.lru_cache(maxsize=None)
def variant(mutant_id: str, module: str) -> ModuleType:
    """The exercise ``module`` as the reference with mutant ``mutant_id`` applied (imports included)."""
    mutant = BY_ID[mutant_id]
    sources = dict(REFERENCE)
    sources[mutant.exercise] = mutant.apply(sources[mutant.exercise])
    saved = {name: sys.modules.pop(name) for name in EXERCISES if name in sys.modules}
    finder = _Sources(sources)
    sys.meta_path.insert(0, finder)
    try:
        return importlib.import_module(module)
    finally:
        sys.meta_path.remove(finder)
        for name in EXERCISES:
            sys.modules.pop(name, None)
        sys.modules.update(saved)


def _definitions(module: str) -> dict[str, str]:
    """``{top-level function or class name: its source}`` of ``module``'s reference."""
    source = REFERENCE[module]
    return {node.name: ast.get_source_segment(source, node) or "" for node in ast.parse(source).body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


@functools.lru_cache(maxsize=None)
def reach(module: str, name: str) -> frozenset[tuple[str, str]]:
    """The reference definitions ``module.name`` runs: itself, and what its source names, transitively
    (definitions of the same module and names imported from earlier exercises)."""
    found: set[tuple[str, str]] = set()
    todo = [(module, name)]
    while todo:
        where, what = todo.pop()
        definitions = _definitions(where)
        if (where, what) in found or what not in definitions:
            continue
        found.add((where, what))
        named = {node.id for node in ast.walk(ast.parse(definitions[what])) if isinstance(node, ast.Name)}
        todo += [(where, other) for other in named & set(definitions)]
        todo += [(earlier, other) for earlier, names in uses(where).items() for other in named & set(names)]
    return frozenset(found)


@functools.lru_cache(maxsize=None)
def edited(mutant_id: str) -> frozenset[tuple[str, str]]:
    """The reference definitions a mutant edits (every one of its module when an edit is outside them)."""
    mutant = BY_ID[mutant_id]
    definitions = _definitions(mutant.exercise)
    found = set()
    for edit in mutant.edits:
        holders = {name for name, source in definitions.items() if edit.old in source}
        found |= holders or set(definitions)
    return frozenset((mutant.exercise, name) for name in found)


def candidates(module: str, name: str | None) -> tuple[Mutant, ...]:
    """The mutants that can change what ``module.name`` returns (``name`` None: any of ``module``'s definitions)."""
    runs = reach(module, name) if name is not None else frozenset().union(*(reach(module, n) for n in _definitions(module)))
    return tuple(m for m in BANK if edited(m.id) & runs)


def _copy(value: Any) -> Any:
    """``value`` with every tensor cloned, so a replay cannot change the suite's own arguments."""
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value)
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def _leaves(value: Any) -> Iterator[Any]:
    """``value`` and everything inside its tuples, lists and dicts."""
    yield value
    if isinstance(value, (list, tuple)):
        for v in value:
            yield from _leaves(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _leaves(v)


def same(actual: Any, other: Any) -> bool:
    """Whether a student's value equals a mutant's: tensors by shape, dtype and close values; the rest exactly."""
    if type(actual) is torch.Tensor:
        if not isinstance(other, torch.Tensor) or other.shape != actual.shape or other.dtype != actual.dtype:
            return False
        other = other.detach()
        if not actual.is_floating_point() or actual.dtype not in TOLERANCES:
            return bool(torch.equal(actual, other))
        rtol, atol = TOLERANCES[actual.dtype]
        return bool(torch.isclose(actual, other, rtol=rtol, atol=atol, equal_nan=True).all())
    if isinstance(other, torch.Tensor) or type(other) is not type(actual):
        return False
    try:
        return bool(actual == other)
    except Exception:  # noqa: BLE001 - a value without a usable ==
        return False


def replay(request: dict, mutant: Mutant) -> Any:
    """What ``mutant``'s version of the requested function or op returns on the request's arguments."""
    module = variant(mutant.id, request["module"])
    if request.get("cmd") == "call":
        return getattr(module, request["function"])(*_copy(request.get("args", [])), **_copy(request.get("kwargs", {})))
    fn = registered(str(request.get("name")))
    if fn is None:
        raise LookupError(f"no op {request.get('name')!r}")
    return fn(module, **_copy(request.get("payload", {})))


def explain(request: dict | None, actual: Any) -> list[dict[str, str]]:
    """The misconceptions ({lang: sentence}) of the mutants whose result on ``request`` contains ``actual``."""
    if not request or request.get("module") not in EXERCISES or request["module"] in NOT_REPLAYED:
        return []
    found: list[dict[str, str]] = []
    target = request.get("function") if request.get("cmd") == "call" else (request.get("payload") or {}).get("cls")
    name = target.split(".")[0] if isinstance(target, str) else None
    # A mistake in the requested function itself before one in what it calls: when both
    # give this result, the student's own function is the likelier culprit.
    ranked = sorted(candidates(request["module"], name), key=lambda m: (request["module"], name) not in edited(m.id))
    for mutant in ranked:
        try:
            result = replay(request, mutant)
        except Exception:  # noqa: BLE001 - a mutant may well fail on this input: then it is not the mistake
            continue
        sentence = dict(mutant.misconception)
        if sentence not in found and any(same(actual, leaf) for leaf in _leaves(result)):
            found.append(sentence)
            if len(found) == MAX_NAMED:
                break
    return found
