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
import signal
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


def shared_reads() -> list[str]:
    """What the guard's functions read, when they run, from a namespace student code can
    write: a module's or builtins' own, or an attribute of a module. The functions build()
    makes (its nested code) read module attributes through names bound at build time;
    the ones it hands out (guard._thin's) read no global and have no closure."""
    build = guard.build
    modules_bound = set()
    steps = list(dis.get_instructions(build))
    for index, step in enumerate(steps):
        if step.opname not in ("IMPORT_NAME", "IMPORT_FROM"):
            continue
        stored = next((s for s in steps[index + 1:] if s.opname.startswith("STORE_")), None)
        value = sys.modules.get(step.argval) if step.opname == "IMPORT_NAME" else getattr(
            sys.modules.get(next(s.argval for s in reversed(steps[:index]) if s.opname == "IMPORT_NAME")),
            step.argval, None)
        if stored is not None and isinstance(value, types.ModuleType):
            modules_bound.add(stored.argval)
    found = []
    # The functions build() makes, and all they nest (comprehensions in build's own body
    # run before any student code).
    later = [code for constant in build.__code__.co_consts if type(constant) is types.CodeType
             and constant.co_name not in ("<genexpr>", "<listcomp>", "<dictcomp>", "<setcomp>")
             for code in guard._codes_in(constant)]
    for code in later:
        run = list(dis.get_instructions(code))
        for load, then in zip(run, run[1:]):
            if load.opname == "LOAD_GLOBAL":
                value = build.__globals__.get(load.argval, build.__globals__["__builtins__"].get(load.argval))
                module = isinstance(value, types.ModuleType)
            elif load.opname == "LOAD_DEREF":
                module = load.argval in modules_bound
            else:
                continue
            if module and then.opname in ("LOAD_ATTR", "LOAD_METHOD"):
                found.append(f"{code.co_qualname}: {load.argval}.{then.argval}")
    if build.__globals__ is vars(guard) or build.__globals__["__builtins__"] is vars(builtins):
        found.append("build: this module's or builtins' own namespace")
    for thin in (guard._dispatch, guard._sealed, guard._run_guarded, guard._check, guard._no_spawn, guard._rule,
                 guard._set_debug, guard._no_dynamo):
        names = [step.argval for step in dis.get_instructions(thin) if step.opname in (
            "LOAD_GLOBAL", "LOAD_NAME", "LOAD_DEREF", "LOAD_CLASSDEREF", "STORE_GLOBAL")]
        if names:
            found.append(f"{thin.__name__}: reads {names}")
    return sorted(found)


def walk(roots: list[tuple[str, Any]], depth: int, secret: Callable[[Any], str | None],
         neighbours: Callable[[str, Any], list[tuple[str, Any]]], skip: tuple = ()) -> list[str]:
    """``path: what`` for every object ``secret`` names, reached from ``roots`` through
    ``neighbours`` (``(path, object)`` pairs) at most ``depth`` steps; ``skip``: objects
    not walked into."""
    found, seen = [], set(map(id, skip))
    todo = [(path, value, depth) for path, value in roots]
    while todo:
        path, value, left = todo.pop()
        if id(value) in seen or left < 0:
            continue
        seen.add(id(value))
        what = secret(value)
        if what:
            found.append(f"{path}: {what}")
            continue
        todo += [(step, item, left - 1) for step, item in neighbours(path, value)]
    return sorted(found)


def reachable_state(run: Callable, check: Callable, tables: guard.Tables, depth: int = 8) -> list[str]:
    """What a submission reaches of the guard's state from everything the guard puts in its
    way (run_guarded, check, the mode on torch's stack and its class, the trace function,
    the sealed functions in every module, gc.set_debug, torch's rule finder), following
    closures, globals, defaults, bound methods and class dicts ``depth`` steps: the
    functions build() nests (the hook and all it calls), an original."""
    import torch._library.simple_registry as registry

    hidden = {id(code) for code in guard._codes_in(guard.build.__code__) if code is not guard.build.__code__}
    secrets = {id(tables.kernels): "the kernels",
               **{id(run_): f"kernel {name}" for name, _, run_ in tables.kernels},
               **{id(original): f"original {name}" for _, name, original in tables.sites if type(original) is not tuple}}
    roots: list[tuple[str, Any]] = [("run_guarded", run), ("check", check), ("gc.set_debug", gc.set_debug),
                                    ("the rule finder", registry.find_torch_dispatch_rule)]
    seen_mode: list[Any] = []
    run({"allowed": "", "autograd": True}, lambda: seen_mode.extend(
        [torch._C._get_dispatch_stack_at(0), sys.gettrace()]))
    roots += [("the mode", seen_mode[0]), ("the trace function", seen_mode[1]),
              ("the mode's class", type(seen_mode[0]))]
    roots += [(f"torch._C.{name}", getattr(torch._C, name)) for name in guard.SEALED_C if hasattr(torch._C, name)]

    def secret(value: Any) -> str | None:
        if type(value) is types.FunctionType and id(value.__code__) in hidden:
            return "a function of the hook"
        return secrets.get(id(value))

    def neighbours(path: str, value: Any) -> list[tuple[str, Any]]:
        if type(value) is types.FunctionType:
            return [*((f"{path}.__closure__", guard.cell_contents(c)) for c in value.__closure__ or ()),
                    *((f"{path}.__kwdefaults__", v) for v in (value.__kwdefaults__ or {}).values()),
                    *((f"{path}.__defaults__", v) for v in value.__defaults__ or ()),
                    # (not the guard module's own globals: a submission imports it anyway)
                    *((f"{path}.__globals__[{k!r}]", v) for k, v in value.__globals__.items()
                      if k != "__builtins__" and value.__globals__ is not vars(guard))]
        if type(value) is types.MethodType:
            return [(f"{path}.__self__", value.__self__), (f"{path}.__func__", value.__func__)]
        if type(value) is types.BuiltinMethodType:
            return [(f"{path}.__self__", value.__self__)]
        if type(value) in (classmethod, staticmethod):
            return [(f"{path}.__func__", value.__func__)]
        if type(value) in (list, tuple):
            return [(f"{path}[{i}]", v) for i, v in enumerate(value)]
        if type(value) is dict:
            return [(f"{path}[{k!r}]", v) for k, v in value.items()]
        if (isinstance(value, type) and value.__module__ == guard.__name__) or (
                hasattr(value, "__dict__") and type(value).__module__ == guard.__name__):
            return [(f"{path}.{k}", v) for k, v in vars(value).items()]
        return []

    return walk(roots, depth, secret, neighbours)


def reachable_originals(tables: guard.Tables, depth: int = 6) -> list[str]:
    """Where a submission that imports modules finds one of torch's originals that the
    guard replaced (a sealed function, a CPU kernel it wrapped): every module's namespace,
    and the dicts, lists, tuples and classes in it, ``depth`` levels down."""
    originals = {**{id(original): name for _, name, original in tables.sites if type(original) is not tuple},
                 **{id(run_): f"kernel {name}" for name, _, run_ in tables.kernels}}
    kernel_type = type(torch._C._dispatch_get_computed_kernel_for_dispatch_key("aten::im2col", "CPU"))

    def secret(value: Any) -> str | None:
        if id(value) in originals or type(value) is kernel_type:
            return originals.get(id(value), "an original kernel")
        return None

    def neighbours(path: str, value: Any) -> list[tuple[str, Any]]:
        if type(value) is dict:
            return [(f"{path}[{key!r}]", item) for key, item in list(value.items())]
        if type(value) in (list, tuple, set, frozenset):
            return [(f"{path}[{index}]", item) for index, item in enumerate(list(value))]
        if isinstance(value, type):
            return [(f"{path}.{key}", item) for key, item in list(vars(value).items())]
        return []

    roots = [(name, vars(module)) for name, module in list(sys.modules.items())
             if type(getattr(module, "__dict__", None)) is dict]
    return walk(roots, depth, secret, neighbours, skip=(tables,))


def refusals(run: Callable, check: Callable, heard: list[str], kernels: set[int]) -> dict[str, str]:
    """Each way a submission reaches for what the guard hides, at import time or in a ruled
    call: what the hook reported ("allowed" if nothing). Honest uses of frames last."""
    import collections
    import ctypes
    import traceback

    def attempt(action: Callable[[], Any]) -> str:
        before = len(heard)
        try:
            action()
        except AssertionError as failed:
            return f"failed: {failed}"
        except BaseException:  # noqa: BLE001 - a trip, or what the refused operation raised
            pass
        return heard[before] if len(heard) > before else "allowed"

    def trips(outcome: tuple) -> None:
        heard.append(outcome[1] if outcome[0] == "forbidden" else "ran")

    def wrapper_frames() -> None:
        found: list[str] = []

        def inside() -> None:
            try:
                getattr(torch.Tensor, "__torch_dispatch__")(POOL, (), (X, [2, 2]), {})
            except BaseException as trip:  # noqa: BLE001 - the wrapper's trip, caught to read its frames
                tb = trip.__traceback__
                while tb is not None:
                    values = list(tb.tb_frame.f_locals.values())
                    values += [item for value in values if type(value) in (list, tuple) for item in value]
                    values += [item for value in values if type(value) is tuple for item in value]
                    if any(id(value) in kernels for value in values):
                        found.append(f"{tb.tb_frame.f_code.co_name}'s frame holds an original kernel")
                    tb = tb.tb_next
        run(SPEC, inside)
        if found:
            raise AssertionError(found)

    def handler_frame() -> None:
        frames: list[Any] = []
        signal.signal(signal.SIGUSR1, lambda number, frame: frames.append(frame))
        signal.raise_signal(signal.SIGUSR1)
        signal.signal(signal.SIGUSR1, signal.SIG_DFL)
        if frames != [None]:
            raise AssertionError(f"a signal handler was given {frames}")

    def timer_inside_the_hook() -> None:
        """A 50 µs timer while the hook runs check() over and over: its handler asks for its
        own frame each time, which would be refused if the hook were below it."""
        ran: list[int] = []
        signal.signal(signal.SIGALRM, lambda number, frame: ran.append(sys._getframe(0).f_lineno))
        signal.setitimer(signal.ITIMER_REAL, 0.00005, 0.00005)
        try:
            for _ in range(3000):
                run.__kwdefaults__  # noqa: B018 - any audited read: the hook runs for it
                check()
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0, 0)
            signal.signal(signal.SIGALRM, signal.SIG_DFL)
        if not ran:
            raise AssertionError("the timer never fired")

    return {
        "a timer's handler while the hook runs": attempt(timer_inside_the_hook),
        "gc.get_objects": attempt(gc.get_objects),
        "gc.get_referrers": attempt(lambda: gc.get_referrers(json.dumps)),
        "gc.DEBUG_SAVEALL": attempt(lambda: (gc.set_debug(gc.DEBUG_SAVEALL), gc.set_debug(0))),
        "a ctypes symbol in a ruled call": attempt(lambda: run(SPEC, lambda: ctypes.pythonapi.PyEval_GetFrame)),
        "sys.settrace(None) outside a ruled call (doctest does)": attempt(lambda: sys.settrace(None)),
        "a profile hook outside a ruled call": attempt(lambda: sys.setprofile(lambda *a: None)),
        "sys.settrace(None) in a ruled call": attempt(lambda: trips(run(SPEC, lambda: sys.settrace(None)))),
        "a function of run_guarded's code": attempt(lambda: types.FunctionType(run.__code__, {})),
        "a kernel wrapper's frames from its trip (they hold no kernel)": attempt(wrapper_frames),
        "a signal handler's frame": attempt(handler_frame),
        "honest: a namedtuple and a traceback in a ruled call": attempt(lambda: run(SPEC, lambda: (
            collections.namedtuple("Window", "row column"), traceback.format_stack()))),
    }


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
    """A profile hook (it would be given a kernel wrapper's frame mid-call): refused."""
    try:
        sys.setprofile(lambda *args: None)
    except PermissionError:
        pass
    return lambda: None


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
    heard: list[str] = []
    tables = guard.prepare()
    run, check = guard.build([guard, wire], [], tables, heard.append)  # a report that returns: the probe goes on
    report["shared reads"] = shared_reads()
    report["reachable originals"] = reachable_originals(tables)
    report["reachable state"] = reachable_state(run, check, tables)
    report["refused while probing"] = heard[:]
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
    report["refusals"] = refusals(run, check, heard, {id(run_) for _, _, run_ in tables.kernels})  # last: the check reports a refusal from then on
    print(json.dumps(report, default=str))


if __name__ == "__main__":
    main()
