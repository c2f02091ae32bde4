"""The worker's forbidden-routine guard and its integrity check (runs in the worker).

A ruled student function (grader/course/rules.py) runs inside :func:`build`'s
``run_guarded``, which, for the length of that one call:

- pushes a torch dispatch mode that trips on every aten operator NOT on the
  function's allowlist (so private aliases trip too: ``torch._C._nn.im2col``, a 3-D
  pooling on depth 1, an internal slow convolution), on any operator run by the
  autograd engine when the rule forbids autograd (however the engine was reached:
  ``.backward()``, ``torch.autograd.grad``, ``Variable._execution_engine``), and on any
  tensor subclass with its own dispatch (whose handler would run outside the mode);
- trips when code of another library runs (``scipy.signal.correlate``, ``cv2.filter2D``:
  their work runs no aten operator, so the dispatch mode cannot see it): a trace
  hook on Python function calls lets through the submission's own code, the standard library, torch, numpy
  (but its FFTs and ``convolve``/``correlate``) and the grader's stand-ins;
- blocks thread and process creation: Python's entry points are replaced by
  tripwires, and (where the worker is not root, as in the sandbox) RLIMIT_NPROC's soft
  limit drops to 0 so the kernel refuses any new task, however it is asked for;
- converts the result (and the inputs, when they are sent back) to plain data while
  the mode is still active: exact tensors are cloned, containers rebuilt from their
  exact types, anything else becomes ``wire.Opaque``. A tensor subclass is refused.

After EVERY request (:func:`Guard.check`) the worker compares a fingerprint of its
own machinery (this module, the wire, the worker and op modules, and ``WIRE_MODULES``,
the standard library that reads requests and writes replies: their namespaces, the
classes they define and those classes' namespaces, the code and closures of every Python
function in them; ``torch.Tensor``'s methods) and torch's dispatch-mode stacks against the one taken before any
student code ran; a difference is reported as ``forbidden`` ("tampering") and the
worker exits, so the next request gets a fresh one.

State lives in closures made by :func:`build`, not in module globals. None of this can
stop code that runs in the same interpreter from undoing it with enough
introspection (frames, ``gc``, ``ctypes``): the static check (grader/grading/forbidden.py)
refuses files that reach for those, and docs/threat-model.md says what is left.
"""
from __future__ import annotations

import itertools
import operator
import os
import resource
import site
import sys
import sysconfig
import types
from typing import Any, Callable, Iterable


class Trip(BaseException):
    """Raised inside a guarded call; a BaseException so ``except Exception`` misses it."""


# What a forbidden reply says: "<kind>:<detail>" with kind in KINDS.
KINDS = ("operator", "library", "autograd", "subclass", "spawn", "tampering")
# A thread or process left by code that ran before the call (an import, another exercise).
EARLIER = "spawn:earlier"

# Libraries whose code a ruled function may run besides the submission's own and the
# standard library: torch (its operators are the dispatch mode's business) and the
# typing helpers it wraps functions in, numpy's elementary array code, and the grader's
# runtime (stand-ins of earlier exercises).
LIBRARIES: frozenset[str] = frozenset({"torch", "numpy", "grader", "typing_extensions"})
# ...except these parts of them: convolution and FFT routines outside torch's dispatcher.
LIBRARY_ROUTINES: tuple[str, ...] = ("numpy.fft", "numpy.convolve", "numpy.correlate")

IMMUTABLE_TYPE = 1 << 8  # Py_TPFLAGS_IMMUTABLETYPE: a type whose attributes cannot be set (int, TensorBase)

# The modules whose code reads a request and writes a reply, besides the wire itself
# (tests/test_guard_allowlist.py traces both and finds no other). Student code runs in the
# same interpreter, so these are watched like the grader's own: a replaced decoder method
# could drop a request's rule, a replaced encoder method could rewrite a reply.
WIRE_MODULES: tuple[str, ...] = ("grader.runtime.sockets", "json", "json.decoder", "json.scanner", "json.encoder",
                                 "base64", "binascii", "struct", "math", "builtins")


def build(watched: list[types.ModuleType], functions: list[Callable[..., Any]]
          ) -> tuple[Callable[..., tuple[str, Any]], Callable[[], str | None]]:
    """Make the guard for this worker; call once, before any student code runs.

    Args:
        watched: the worker's own modules (worker, wire, op modules, this one).
        functions: the worker's ops (their code and closures are watched too).

    Returns:
        ``run_guarded(spec, thunk, extra)`` -> ``("ok", (plain result, plain extra))`` or
        ``("forbidden", "kind:detail")``; ``spec`` is rules.guard()'s dict or None (no
        rule: the call still runs with the result made plain). And ``check()`` -> None,
        or what was tampered with.
    """
    import builtins
    import importlib
    import socket
    import threading
    import _thread
    import subprocess
    import _posixsubprocess

    import torch
    from torch.utils._python_dispatch import TorchDispatchMode

    from grader.runtime import wire

    plain_tensor, parameter = torch.Tensor, torch.nn.Parameter
    clone, detach = torch.Tensor.clone, torch.Tensor.detach
    current_node = torch._C._current_autograd_node
    dispatch_depth, function_depth = torch._C._len_torch_dispatch_stack, torch._C._len_torch_function_stack
    dispatch_keys, python_key = torch._C._dispatch_keys, torch._C.DispatchKey.Python
    opaque = wire.Opaque
    getrlimit, setrlimit, nproc = resource.getrlimit, resource.setrlimit, resource.RLIMIT_NPROC
    listdir, getpid = os.listdir, os.getpid
    set_trace, get_trace = sys.settrace, sys.gettrace
    chain, repeat, is_, modules = itertools.chain, itertools.repeat, operator.is_, sys.modules
    code_parts = operator.attrgetter("__code__", "__defaults__", "__kwdefaults__")
    state: dict[str, Any] = {"allowed": frozenset(), "autograd": True, "hits": [], "active": False}
    names: dict[Any, str] = {}  # operator overload -> aten name (reading the schema each time is slow)

    def trip(what: str) -> None:
        state["hits"].append(what)
        raise Trip(what)

    class Tripwire(TorchDispatchMode):
        @classmethod
        def _should_skip_dynamo(cls) -> bool:
            return False  # the default wraps the handler in a lazy torch._dynamo import (over 1 s)

        def __torch_dispatch__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
            if state["active"]:
                if types:
                    trip(f"subclass:{types[0].__name__}")
                name = names.get(func)
                if name is None:
                    name = names[func] = func._schema.name.split("::")[-1]
                # Autograd first: a backward pass reaches operators off the list too, and
                # "you used autograd" is the lesson, not the operator's name.
                if not state["autograd"] and current_node() is not None:
                    trip("autograd:")
                if name not in state["allowed"]:
                    trip(f"operator:{name}")
            return func(*args, **(kwargs or {}))

    # ------------------------------------------------------------ the dispatch stack, sealed
    # Replaced before any student code runs, so student code only ever sees the sealed
    # versions: popping the mode, disabling dispatch or excluding the Python key trips.
    import torch.utils._python_dispatch as python_dispatch

    sealed_names = {
        torch._C: ("_DisablePythonDispatcher", "_DisableTorchDispatch", "_EnablePreDispatch", "_EnablePythonDispatcher",
                   "_ExcludeDispatchKeyGuard", "ExcludeDispatchKeyGuard", "_IncludeDispatchKeyGuard",
                   "_SetExcludeDispatchKeyGuard", "_dispatch_tls_set_dispatch_key_excluded",
                   "_dispatch_tls_set_dispatch_key_included", "_pop_torch_dispatch_stack",
                   "_push_on_torch_dispatch_stack", "_set_dispatch_mode", "_unset_dispatch_mode"),
        python_dispatch: ("_pop_torch_dispatch_stack", "_push_on_torch_dispatch_stack",
                          "_pop_mode", "_push_mode", "_pop_mode_temporarily", "_disable_current_modes",
                          "_unset_infra_mode", "_disable_infra_mode"),
    }

    def seal(original: Any) -> Callable[..., Any]:
        def sealed(*args: Any, **kwargs: Any) -> Any:
            if state["active"]:
                trip("tampering:torch's dispatch-mode stack")
            return original(*args, **kwargs)
        return sealed

    sealed = [(owner, name) for owner, names in sealed_names.items() for name in names if hasattr(owner, name)]
    for owner, name in sealed:
        setattr(owner, name, seal(getattr(owner, name)))
    sealed_owners, sealed_attributes = [owner for owner, _ in sealed], [name for _, name in sealed]

    # ------------------------------------------------------------ spawn blocking
    def no_spawn(*args: Any, **kwargs: Any) -> Any:
        trip("spawn:a thread or process")

    spawn_points = [(threading.Thread, "start"), (threading, "_start_new_thread"), (_thread, "start_new_thread"),
                    (_thread, "start_new"), (threading, "_start_joinable_thread"), (_thread, "start_joinable_thread"),
                    (os, "fork"), (os, "forkpty"), (os, "posix_spawn"), (os, "posix_spawnp"), (os, "system"),
                    (_posixsubprocess, "fork_exec"), (subprocess, "_fork_exec")]
    spawn_points = [(owner, name, getattr(owner, name)) for owner, name in spawn_points if hasattr(owner, name)]

    def tasks() -> int:
        """Threads of this process plus other processes of the sandbox (pid 2 in its PID namespace)."""
        count = len(listdir("/proc/self/task"))
        if getpid() == 2:
            count += sum(1 for entry in listdir("/proc") if entry.isdigit() and entry not in ("1", "2"))
        return count

    # ------------------------------------------------------------ other libraries
    # Installed libraries live in site-packages; the submission's code, the standard
    # library and the grader's runtime copy do not. A function's library is read from its
    # code's file name, which student code cannot change (a module's __name__ or __file__
    # it can). Decided once per code object.
    sites = tuple(os.path.join(os.path.realpath(p), "") for p in {*site.getsitepackages(), site.getusersitepackages(),
                                                                  *(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))})
    verdicts: dict[Any, str | None] = {}  # code object -> the forbidden library it belongs to
    own_folder = os.path.join(os.getcwd(), "")  # the worker runs in the submission's folder

    def library(code: Any) -> str | None:
        """The forbidden library (or routine) the function of ``code`` is part of, or None."""
        path = os.path.realpath(code.co_filename)
        root = next((site_dir for site_dir in sites if path.startswith(site_dir)), None)
        # Module bodies run at import (torch importing lazily); their functions are still watched.
        if root is None or code.co_name == "<module>":
            return None
        module = os.path.splitext(path[len(root):])[0].replace(os.sep, ".").removesuffix(".__init__")
        top = module.partition(".")[0]
        if top not in LIBRARIES:
            return module
        routine = f"{top}.{code.co_name}"
        return next((r for r in LIBRARY_ROUTINES if module.startswith(r) or routine == r), None)

    def watch(frame: Any, event: str, arg: Any) -> None:
        """The trace hook of a guarded call, told of every Python function entered (never
        of C calls: a global trace function costs far less than a profile hook, and another
        library's work starts in its Python code). Returns None: no line events."""
        code = frame.f_code
        verdict = verdicts.get(code, "")
        if verdict == "":
            verdict = verdicts[code] = library(code)
        if verdict and not importing(frame.f_back):
            trip(f"library:{verdict}")

    def importing(caller: Any) -> bool:
        """Whether a library function runs for the import system (it calls every installed
        meta-path finder, setuptools' among them; torch imports sympy lazily): the import
        machinery is reached, going up the callers, before any code of the submission."""
        for _ in range(200):
            if caller is None:
                return False
            name = caller.f_code.co_filename
            if name.startswith("<frozen importlib"):
                return True
            if name.startswith(own_folder) or ".ipynb, cell " in name:
                return False  # the submission's own code asked for it, whatever came in between
            caller = caller.f_back
        return False

    # ------------------------------------------------------------ plain data
    def plain(value: Any, depth: int = 0) -> Any:
        kind = type(value)
        if value is None or kind in (bool, int, float, str):
            return value
        if kind is plain_tensor or kind is parameter:
            if dispatch_keys(value).has(python_key):
                trip(f"subclass:{kind.__name__}")
            return clone(detach(value))
        if isinstance(value, plain_tensor):
            trip(f"subclass:{kind.__name__}"[:120])
        if depth > wire.MAX_DEPTH:
            return opaque(kind.__name__[:100], "")
        if kind is tuple or kind is torch.Size:
            return tuple(plain(item, depth + 1) for item in tuple.__iter__(value))
        if kind is list:
            return [plain(item, depth + 1) for item in list.__iter__(value)]
        if kind is dict:
            return {key: plain(item, depth + 1) for key, item in dict.items(value) if type(key) is str}
        return opaque(kind.__name__[:100], object.__repr__(value)[:200])

    # ------------------------------------------------------------ integrity
    # Not os/threading/subprocess: their namespaces change when honest code starts a process
    # at import; thread and process creation is watched by RLIMIT_NPROC and tasks() instead.
    watched_modules = [*watched, wire, *map(importlib.import_module, WIRE_MODULES)]
    builtin_names = tuple(vars(builtins))
    # The classes those modules define (json's JSONEncoder and JSONDecoder: their methods
    # run on every frame), the socket the frames travel on, and torch's classes, whose
    # methods the wire and plain() call.
    own_classes = [*classes_of(watched_modules), Tripwire, socket.socket]
    watched_classes = [*own_classes, torch.Tensor, torch._C.TensorBase, torch.nn.Module, TorchDispatchMode]

    def functions_of(namespaces: list[dict]) -> list[types.FunctionType]:
        found = [getattr(value, "__func__", value) for space in namespaces for value in space.values()]
        found += [trip, plain, no_spawn, tasks, library, watch, *functions, *(getattr(o, n) for o, n in sealed)]
        return [f for f in found if type(f) is types.FunctionType]

    def parts() -> list[tuple[str, Callable[[], Iterable[Any]]]]:
        """What is watched, by name: each part's objects, in an order that does not change
        unless the part does (dicts keep insertion order)."""
        found: list[tuple[str, Callable[[], Iterable[Any]]]] = []
        for owner in dict.fromkeys([*watched_modules, *watched_classes]):  # once each (OSError is IOError)
            if isinstance(owner, type) and owner.__flags__ & IMMUTABLE_TYPE:
                # int's or TensorBase's namespace cannot be changed short of reaching its dict
                # through gc or ctypes, and code that can would rewrite this check's baseline.
                continue
            space = vars(owner)
            if owner is builtins:
                # A name added to builtins shadows nothing (it is looked up last), and honest
                # code may add one; a builtin replaced or removed is a change.
                found.append((owner.__name__, lambda space=space: map(space.get, builtin_names)))
            elif owner in watched_modules:
                found.append((owner.__name__, lambda space=space, name=owner.__name__:
                              chain(space, space.values(), (modules.get(name),))))
            else:
                found.append((f"{owner.__module__}.{owner.__qualname__}",
                              lambda space=space: chain(space, space.values())))
        # The code, defaults and closure cells of every Python function of the grader's (a
        # cell's contents can be replaced or emptied).
        found.append(("the grader's functions", lambda: chain(chain.from_iterable(map(code_parts, own_functions)),
                                                              map(cell_contents, cells))))
        found.append(("torch's dispatch-stack functions", lambda: map(getattr, sealed_owners, sealed_attributes,
                                                                      repeat(None))))
        return found

    def same(now: tuple, then: tuple) -> bool:
        """Element by element by identity: no object's own __eq__ runs (student code could)."""
        return len(now) == len(then) and all(map(is_, now, then))

    def check() -> str | None:
        # One flat comparison by identity after every request (a few thousand objects);
        # the parts are compared one by one only to name what changed.
        if not same(tuple(chain.from_iterable(observe() for _, observe in watched_parts)), baseline_flat):
            return "tampering:" + next((name for name, observe in watched_parts
                                        if not same(tuple(observe()), baseline[name])), "the grader's machinery")
        if state["active"] or dispatch_depth() or function_depth():
            return "tampering:a torch dispatch or function mode was left installed"
        if get_trace() is not None:
            return "tampering:a trace hook was left installed"
        return None

    # ------------------------------------------------------------ the guarded call
    def run_guarded(spec: dict | None, thunk: Callable[[], Any], extra: Callable[[], Any] | None = None
                    ) -> tuple[str, Any]:
        if spec is None:  # no rule: nothing to watch (the wire strips subclasses to their data)
            result = thunk()
            return "ok", (result, extra() if extra else None)
        if tasks() > baseline_tasks:
            return "forbidden", EARLIER  # the grading side retries once in a fresh worker
        state["allowed"], state["autograd"] = frozenset(spec["allowed"].split()), bool(spec["autograd"])
        state["hits"] = hits = []
        saved_nproc = getrlimit(nproc)
        outcome: tuple[str, Any] = ("ok", None)
        error: BaseException | None = None
        for owner, name, _ in spawn_points:
            setattr(owner, name, no_spawn)
        lowered = os.geteuid() != 0  # root ignores RLIMIT_NPROC; the Python tripwires remain
        if lowered:
            setrlimit(nproc, (0, saved_nproc[1]))
        raised = False
        try:
            with Tripwire():
                state["active"] = True
                try:
                    set_trace(watch)
                    try:
                        result = thunk()
                    finally:
                        hooked = get_trace() is watch
                        set_trace(None)
                    if not hooked:
                        trip("tampering:the guard's trace hook")
                    # Made plain while the mode still watches: a lazy value cannot run anything later.
                    outcome = ("ok", (plain(result), plain(extra()) if extra else None))
                except Trip:
                    pass
                except BaseException as exc:  # noqa: BLE001 - re-raised below unless a trip explains it
                    error = exc
                finally:
                    state["active"] = False
        finally:
            raised = lowered and getrlimit(nproc)[0] != 0
            setrlimit(nproc, saved_nproc)
            for owner, name, original in spawn_points:
                setattr(owner, name, original)
        if hits:
            return "forbidden", hits[0]
        if error is not None:
            raise error
        if raised or tasks() > baseline_tasks:
            return "forbidden", "spawn:a thread or process was started"
        return outcome

    # The code of every Python function of the watched modules and of their classes
    # (torch's classes' methods are mostly C, and the wire calls none of its Python ones).
    own_functions = functions_of([vars(owner) for owner in [*watched_modules, *own_classes]])
    cells = [cell for function in own_functions for cell in function.__closure__ or ()]
    watched_parts = parts()
    baseline = {name: tuple(observe()) for name, observe in watched_parts}
    baseline_flat = tuple(chain.from_iterable(baseline.values()))
    baseline_tasks = tasks()
    return run_guarded, check


def classes_of(modules: list[types.ModuleType]) -> list[type]:
    """The classes each of ``modules`` defines (not those it imports), in order.

    >>> import json.decoder
    >>> [cls.__name__ for cls in classes_of([json.decoder])]
    ['JSONDecodeError', 'JSONDecoder']
    """
    return [value for module in modules for value in vars(module).values()
            if isinstance(value, type) and value.__module__ == module.__name__]


_EMPTY = object()  # what an empty closure cell holds, for the integrity check


def cell_contents(cell: Any) -> Any:
    """What a closure cell holds (``_EMPTY`` for a cell not yet filled)."""
    try:
        return cell.cell_contents
    except ValueError:
        return _EMPTY
