"""Name the misconception behind a wrong result: the mutant of the bank that computes it.

When a student's result is wrong, the grading side replays the student's last request
(the same function, or worker op, on the same arguments) on each mutant of the bank
(grader/course/mutants.py) that edits the exercise's module or a module it imports. A
mutant is the reference solution with one edit, and the reference is trusted code that
the grading process already imports (grader/grading/reference.py), so its mutants run
here too. When a mutant's result equals the student's, its misconception is the
likely mistake, and the failure message states it in the student's language.

Each mutant's modules are imported once per grading process from their edited source,
under the usual bare names but without touching the reference modules already imported.
"""
from __future__ import annotations

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
    sources = {name: solution_path(name).read_text(encoding="utf-8") for name in EXERCISES}
    sources[mutant.exercise] = mutant.apply(sources[mutant.exercise])
    reference.load("conv_args")  # the given modules are shared: imported as they are
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


def candidates(module: str) -> tuple[Mutant, ...]:
    """The mutants that can change what ``module``'s functions return: of it, or of a module it imports."""
    return tuple(m for m in BANK if m.exercise == module or m.exercise in uses(module))


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


def explain(request: dict | None, actual: Any, lang: str) -> list[str]:
    """The misconceptions (in ``lang``) of the mutants whose result on ``request`` contains ``actual``."""
    if not request or request.get("module") not in EXERCISES or request["module"] in NOT_REPLAYED:
        return []
    found: list[str] = []
    for mutant in candidates(request["module"]):
        try:
            result = replay(request, mutant)
        except Exception:  # noqa: BLE001 - a mutant may well fail on this input: then it is not the mistake
            continue
        sentence = mutant.misconception.get(lang, mutant.misconception["en"])
        if sentence not in found and any(same(actual, leaf) for leaf in _leaves(result)):
            found.append(sentence)
            if len(found) == MAX_NAMED:
                break
    return found
