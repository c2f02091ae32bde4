"""Probes of the worker's guard, run in a fresh interpreter by tests/test_guard_layers.py.

Building a guard seals torch's dispatch functions, wraps the routines' kernels and
refuses kernel registrations for the rest of the process, so it happens here, not in
pytest's process. Prints one JSON object: probe name -> what it found.
"""
from __future__ import annotations

import builtins
import dis
import functools
import gc
import json
import os
import sys
import tempfile
import types
from pathlib import Path
from typing import Any, Callable

import torch
import torch.nn.functional as F

from grader.course import rules
from grader.runtime import guard, wire

X = torch.randn(1, 2, 6, 6, generator=torch.Generator().manual_seed(0))
W = torch.randn(3, 2, 3, 3, generator=torch.Generator().manual_seed(1))
POOL = torch.ops.aten.max_pool2d_with_indices.default
CPU = torch._C.DispatchKey.CPU
BELOW_PYTHON = torch._C.DispatchKeySet(CPU)
SPEC = rules.guard(rules.rules_for("maxpool", "maxpool2d_unfold"))

# A Python kernel registered for an allowed operator BEFORE the guard exists (after, the
# registration is refused): it computes a forbidden routine under an allowed name.
_EARLY = torch.library.Library("aten", "IMPL")
_EARLY.impl("fmax", lambda a, b: F.max_pool2d(a, 2), "CPU")
# A custom operator named like an allowed one.
_CUSTOM = torch.library.Library("convkit_probe", "DEF")
_CUSTOM.define("view(Tensor x) -> Tensor")
_CUSTOM.impl("view", lambda x: F.max_pool2d(x, 2), "CPU")


def pooled_honestly(x: torch.Tensor) -> torch.Tensor:
    """2x2 max pooling with views and a max over the window axis, as students write it."""
    n, c, h, w = x.shape
    windows = x.reshape(n, c, h // 2, 2, w // 2, 2).permute(0, 1, 2, 4, 3, 5).reshape(n, c, h // 2, w // 2, 4)
    return windows.amax(dim=-1)


def ways_around_the_mode() -> dict[str, Callable[[], Any]]:
    """Each runs F.max_pool2d's kernel without the dispatch mode seeing it (or so it hopes)."""
    schema_renamed = torch.ops.aten.max_pool2d_with_indices.default
    return {
        "redispatch below the Python key": lambda: POOL.redispatch(BELOW_PYTHON, X, [2, 2])[0],
        "the overload's _op_dk": lambda: POOL._op_dk(CPU, X, [2, 2])[0],
        "an operator handle's redispatch_boxed": lambda: POOL._handle.redispatch_boxed(BELOW_PYTHON, X, [2, 2])[0],
        "the computed CPU kernel": lambda: torch._C._dispatch_get_computed_kernel_for_dispatch_key(
            "aten::max_pool2d_with_indices", CPU).call_boxed(BELOW_PYTHON, X, [2, 2])[0],
        "Tensor.__torch_dispatch__ with a C function": lambda: getattr(torch.Tensor, "__torch_dispatch__")(
            torch.max_pool2d, (), (X, 2), {}),
        "Tensor.__torch_dispatch__ with an overload": lambda: getattr(torch.Tensor, "__torch_dispatch__")(
            POOL, (), (X, [2, 2]), {})[0],
        "the Python key excluded by a forced key set": lambda: _forced_key_set(),
        "a Python kernel over an allowed operator": lambda: torch.fmax(X, X),
        "a custom operator named view": lambda: torch.ops.convkit_probe.view(X),
        "an allowed overload's schema and entry point borrowed": lambda: _borrowed(schema_renamed),
        # Kernels that do a routine's work under another name (a second red team's, 2 Dec).
        "a dilated convolution's kernel by _op_dk": lambda: torch.ops.aten.slow_conv_dilated2d.default._op_dk(
            CPU, X, W, [3, 3], None, [1, 1], [0, 0], [1, 1]),
        "a convolution as a weight gradient": lambda: dispatch(torch.ops.aten.convolution_backward.default, (
            W.transpose(0, 1), X.transpose(0, 1), torch.zeros(3, 1, 4, 4), None, [1, 1], [0, 0], [1, 1], False,
            [0, 0], 1, [False, True, False]))[1],
        "oneDNN's convolution": lambda: dispatch(torch.ops.mkldnn._convolution_pointwise.default, (
            X, W, None, [0, 0], [1, 1], [1, 1], 1, "none", [], "")),
        "a time-batch-channel convolution": lambda: dispatch(torch.ops.aten.conv_tbc.default, (
            torch.randn(6, 1, 2), torch.randn(3, 2, 3), torch.zeros(3), 0)),
        "a finalizer run by the collector inside an allowed operator": finalizer_inside_an_operator,
    }


class _Bomb:
    """Cyclic garbage whose finalizer is C code (no Python frame): it runs max pooling."""

    __del__ = functools.partial(list.extend, [], map(torch.max_pool2d, [X], [2]))


def finalizer_inside_an_operator() -> Any:
    """Collection on (the guard turns it off for the call), then garbage collected while
    unbind, an allowed operator, makes 3,000 tensors: the finalizer runs inside it."""
    gc.enable()
    try:
        big = torch.zeros(3000)
        torch.unbind(big)
        bomb = _Bomb()
        bomb.me = bomb
        del bomb
        return torch.unbind(big)[0]
    finally:
        gc.disable()


def dispatch(op: Any, args: tuple) -> Any:
    """``op`` run with torch dispatch turned off (torch.Tensor's own __torch_dispatch__)."""
    return getattr(torch.Tensor, "__torch_dispatch__")(op, (), args, {})


def _forced_key_set() -> torch.Tensor:
    excluded = torch._C._dispatch_tls_local_exclude_set() | torch._C.DispatchKeySet(torch._C.DispatchKey.Python)
    with torch._C._ForceDispatchKeyGuard(torch._C._dispatch_tls_local_include_set(), excluded):
        return torch.max_pool2d(X, 2)


def _borrowed(pool: Any) -> torch.Tensor:
    """Tell the mode max_pool2d_with_indices is ``view`` (its schema) and make ``fmax`` run it."""
    fmax = torch.ops.aten.fmax.default
    pool._schema = torch.ops.aten.view.default._schema
    fmax._op = pool._op
    return fmax(X, [2, 2])[0]


def shared_reads(run: Callable, check: Callable, armed: Callable) -> list[str]:
    """What the guard's functions read, when they run, from a namespace student code can
    write: a module's or builtins' own, or an attribute of a module. ``armed``: the check
    the kernel wrappers call (the hook), which nothing of ``run``'s reaches."""
    sealed = [getattr(torch._C, name) for name in guard.SEALED_C if hasattr(torch._C, name)]
    found, todo, seen = [], [run, check, armed, *sealed], set()
    while todo:
        item = todo.pop()
        if isinstance(item, type) and item.__module__ == guard.__name__ and id(item) not in seen:
            seen.add(id(item))
            todo += list(vars(item).values())
        function = getattr(item, "__func__", item)
        if type(function) is not types.FunctionType or id(function) in seen:
            continue
        if function.__code__.co_filename != guard.__file__:
            continue
        seen.add(id(function))
        cells = dict(zip(function.__code__.co_freevars, function.__closure__ or ()))
        todo += [guard.cell_contents(cell) for cell in cells.values()]
        todo += [value for value in function.__code__.co_consts if isinstance(value, types.FunctionType)]
        if function.__globals__ is vars(guard) or function.__builtins__ is vars(builtins):
            found.append(f"{function.__qualname__}: this module's or builtins' own namespace")
        steps = list(dis.get_instructions(function))
        for load, then in zip(steps, steps[1:]):
            if load.opname == "LOAD_GLOBAL":
                value = function.__globals__.get(load.argval, function.__builtins__.get(load.argval))
            elif load.opname == "LOAD_DEREF" and load.argval in cells:
                value = guard.cell_contents(cells[load.argval])
            else:
                continue
            if isinstance(value, types.ModuleType) and then.opname in ("LOAD_ATTR", "LOAD_METHOD"):
                found.append(f"{function.__qualname__}: {load.argval}.{then.argval}")
    return sorted(found)


def reachable_originals(tables: guard.Tables, depth: int = 6) -> list[str]:
    """Where a submission that imports modules finds one of torch's originals that the
    guard replaced (a sealed function, a CPU kernel it wrapped): every module's namespace,
    and the dicts, lists, tuples and classes in it, ``depth`` levels down."""
    originals = {id(original): name for _, name, original in tables.sites if type(original) is not tuple}
    kernel_type = type(torch._C._dispatch_get_computed_kernel_for_dispatch_key("aten::im2col", "CPU"))
    found: list[str] = []
    seen = {id(tables)}
    todo = [(name, vars(module), depth) for name, module in list(sys.modules.items())
            if type(getattr(module, "__dict__", None)) is dict]
    while todo:
        path, value, left = todo.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if id(value) in originals or type(value) is kernel_type:
            found.append(f"{path}: {originals.get(id(value), 'an original kernel')}")
            continue
        if left == 0:
            continue
        if type(value) is dict:
            todo += [(f"{path}[{key!r}]", item, left - 1) for key, item in list(value.items())]
        elif type(value) in (list, tuple, set, frozenset):
            todo += [(f"{path}[{index}]", item, left - 1) for index, item in enumerate(list(value))]
        elif isinstance(value, type):
            todo += [(f"{path}.{key}", item, left - 1) for key, item in list(vars(value).items())]
    return sorted(found)


def rule_for_the_guards_mode() -> Any:
    """A torch_dispatch rule registered for the guard's own mode class, which torch would
    run instead of the mode, with the mode off: it pools around the mode if it runs."""
    mode = torch.utils._python_dispatch._get_current_dispatch_mode()
    pooled = []

    def rule(mode: Any, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
        pooled.append(torch.ops.aten.max_pool2d_with_indices.default(X, [2, 2])[0])
        return func(*args, **(kwargs or {}))

    # Straight into torch's table of rules: torch.library.register_torch_dispatch would
    # also register a kernel for aten, which the guard refuses.
    registry = torch._library.simple_registry.singleton
    registry.find("aten::neg.default").torch_dispatch_rules.register(type(mode), rule)
    torch.neg(X)
    return len(pooled)


def tampered(check: Callable, change: Callable[[], Callable[[], None]]) -> str | None:
    """What ``check`` says after ``change`` (which returns its own undo), then undo it."""
    undo = change()
    try:
        return check()
    finally:
        undo()


def blind_all() -> Callable[[], None]:
    """builtins.all always True (the check compares with it) and json.loads dropping the rule."""
    old_all, old_loads = builtins.all, json.loads
    builtins.all, json.loads = (lambda values: True), (lambda *a, **k: {})

    def undo() -> None:
        builtins.all, json.loads = old_all, old_loads
    return undo


def module_class() -> Callable[[], None]:
    class Answering(types.ModuleType):
        pass

    json.__class__ = Answering

    def undo() -> None:
        json.__class__ = types.ModuleType
    return undo


def code_swapped_back() -> Callable[[], None]:
    """The wire's frame() given another function's code and its own back before the check."""
    original = wire.frame.__code__
    wire.frame.__code__ = (lambda reply: b"").__code__
    wire.frame.__code__ = original
    return lambda: None


def audit_hook_added() -> Callable[[], None]:
    """An audit hook of the submission's (it would run untraced): kept out, and reported."""
    heard = []
    sys.addaudithook(lambda event, args: heard.append(event))
    sys.audit("convkit.probe")
    if heard:
        raise AssertionError("the submission's audit hook was added")
    return lambda: None


def profile_hook() -> Callable[[], None]:
    sys.setprofile(lambda *args: None)
    return lambda: sys.setprofile(None)


def in_a_written_module(folder: Path) -> Callable[[], Any]:
    """A module the submission wrote to /tmp, run through importlib, that calls scipy."""
    import importlib.util

    path = folder / "helper_module.py"
    path.write_text("import scipy.signal\nRESULT = scipy.signal.correlate([1.0, 2.0], [1.0])\n")

    def run() -> Any:
        spec = importlib.util.spec_from_file_location("helper_module", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return float(module.RESULT[0])
    return run


def main() -> None:
    import scipy.signal  # imported before the guard, as torch is: the call is what is ruled

    report: dict[str, Any] = {}
    tables = guard.prepare()
    run, check = guard.build([guard, wire], [], tables)
    report["shared reads"] = shared_reads(run, check, tables.hook[0])
    report["reachable originals"] = reachable_originals(tables)
    report["rule for the guard's mode"] = run(SPEC, rule_for_the_guards_mode)
    report["ways around"] = {name: list(run(SPEC, way)) for name, way in ways_around_the_mode().items()}
    status, value = run(SPEC, lambda: pooled_honestly(X))
    report["honest"] = [status, status == "ok" and bool(torch.equal(value[0], F.max_pool2d(X, 2)))]
    try:
        torch.library.Library("aten", "IMPL")
        report["aten registration"] = "accepted"
    except PermissionError as refused:
        report["aten registration"] = f"refused: {refused}"
    report["other registration"] = type(torch.library.Library("convkit_probe2", "DEF")).__name__
    report["check"] = {"all and json.loads": tampered(check, blind_all),
                       "json's class": tampered(check, module_class),
                       "profile hook": tampered(check, profile_hook),
                       "code swapped back": tampered(check, code_swapped_back),
                       "audit hook added": tampered(check, audit_hook_added)}
    os.geteuid = None  # noqa: the guard read it at build
    report["geteuid replaced"] = run(SPEC, lambda: pooled_honestly(X))[0]
    real = os.path.realpath
    os.path.realpath = lambda path, **kwargs: "/elsewhere" + real(path)
    report["realpath replaced"] = run({"allowed": "", "autograd": True}, lambda: scipy.signal.correlate([1.0], [1.0]))
    os.path.realpath = real
    with tempfile.TemporaryDirectory() as folder:
        report["written module"] = run({"allowed": "", "autograd": True}, in_a_written_module(Path(folder)))
    print(json.dumps(report, default=str))


if __name__ == "__main__":
    main()
