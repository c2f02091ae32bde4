"""The worker's forbidden-routine guard and its integrity check (runs in the worker).

A ruled student function (grader/course/rules.py) runs inside :func:`build`'s
``run_guarded``, which, for the length of that one call:

- pushes a torch dispatch mode that trips on every aten operator NOT on the
  function's allowlist (so private aliases trip too: ``torch._C._nn.im2col``, a 3-D
  pooling on depth 1, an internal slow convolution), on any operator run by the
  autograd engine when the rule forbids autograd (however the engine was reached:
  ``.backward()``, ``torch.autograd.grad``, ``Variable._execution_engine``), on any
  operator torch does not define, and on any tensor subclass with its own dispatch
  (whose handler would run outside the mode). The mode knows an operator by the
  identity of the object torch hands it and runs it through the entry point read
  before any student code (:func:`prepare`), so a renamed schema or a replaced
  ``_op`` changes nothing; Python code that runs inside an operator (a kernel
  registered over torch's) trips;
- below the mode, every kernel that can do a routine's work (``KERNEL_PATTERN``:
  convolutions, poolings, folds, FFTs, their derivatives) trips when a ruled call
  reaches it around the mode (``torch.Tensor.__torch_dispatch__``, a redispatch below
  the Python key, ``_op_dk``). torch's functions that step around the mode are sealed
  wherever a module holds them, and no kernel can be registered for torch's operators
  any more;
- trips when code of another library runs (``scipy.signal.correlate``, ``cv2.filter2D``:
  their work runs no aten operator, so the dispatch mode cannot see it): a trace
  hook on Python function calls lets through the submission's own code, the standard
  library, torch, numpy (but its FFTs and ``convolve``/``correlate``) and the grader's
  stand-ins, and a library called by an import only when trusted code alone stands
  between it and the import system;
- blocks thread and process creation: Python's entry points are replaced by
  tripwires, and (where the worker is not root, as in the sandbox) RLIMIT_NPROC's soft
  limit drops to 0 so the kernel refuses any new task, however it is asked for;
- converts the result (and the inputs, when they are sent back) to plain data while
  the mode is still active: exact tensors are cloned, containers rebuilt from their
  exact types, anything else becomes ``wire.Opaque``. A tensor subclass is refused.

After EVERY request (:func:`Guard.check`) the worker compares a fingerprint of its
own machinery (this module, the wire, the worker and op modules, and ``WIRE_MODULES``,
the standard library that reads requests and writes replies: their namespaces and
classes, the classes they define and those classes' namespaces, the code and closures
of every Python function in them; ``torch.Tensor``'s methods; the sealed functions)
and torch's dispatch-mode stacks against the one taken before any student code ran; a
difference is reported as ``forbidden`` ("tampering") and the worker exits, so the
next request gets a fresh one. The worker turns its reply into bytes before the
check, so no student code runs between the check and the grading side.

Every function :func:`build` makes looks its names up in private copies of this
module's namespace and of builtins, and reads no module attribute when it runs
(tests/test_guard_layers.py checks the bytecode). State lives in their closures. None
of this can stop code that runs in the same interpreter from undoing it with enough
introspection (frames, ``gc``, ``ctypes``): the static check (grader/grading/forbidden.py)
refuses files that reach for those, and docs/threat-model.md says what is left.
"""
from __future__ import annotations

import _signal
import builtins
import gc
import itertools
import operator
import os
import re
import resource
import signal
import site
import sys
import sysconfig
import types
import warnings
from typing import Any, Callable, Iterable, Iterator, NamedTuple


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

# torch's functions that pop, push or step around the dispatch-mode stack, or change
# which dispatch keys are on: sealed (a tripwire during a ruled call) wherever a module
# holds them. tests/test_guard_allowlist.py reviews every name of torch._C that touches
# dispatch keys or modes, so a torch upgrade that adds one fails until it is sorted here.
SEALED_C: tuple[str, ...] = (
    "_DisablePythonDispatcher", "_DisableTorchDispatch", "_EnablePreDispatch", "_EnablePythonDispatcher",
    "_ExcludeDispatchKeyGuard", "ExcludeDispatchKeyGuard", "_IncludeDispatchKeyGuard", "_ForceDispatchKeyGuard",
    "_SetExcludeDispatchKeyGuard", "_RestorePythonTLSSnapshot", "_dispatch_tls_set_dispatch_key_excluded",
    "_dispatch_tls_set_dispatch_key_included", "_dynamo_restore_local_dispatch_key_set", "_pop_torch_dispatch_stack",
    "_push_on_torch_dispatch_stack", "_set_dispatch_mode", "_unset_dispatch_mode", "_set_meta_in_tls_dispatch_include",
    "_dispatch_call_boxed", "_AutoDispatchBelowADInplaceOrView", "_AutoDispatchBelowAutograd",
    "_functionalization_reapply_views_tls", "_vmapmode_increment_nesting", "_vmapmode_decrement_nesting",
    "_dispatch_get_computed_kernel_for_dispatch_key", "_dispatch_find_schema_or_throw",
    # A torch function mode sees the calls the guard itself makes inside an operator (with
    # the dispatch mode off the stack) and while it makes the result plain.
    "_push_on_torch_function_stack", "_pop_torch_function_stack")
SEALED_PYTHON_DISPATCH: tuple[str, ...] = (
    "_pop_torch_dispatch_stack", "_push_on_torch_dispatch_stack", "_pop_mode", "_push_mode", "_pop_mode_temporarily",
    "_disable_current_modes", "_unset_infra_mode", "_disable_infra_mode")

# Operators whose kernels can do a routine's work (a convolution, a pooling, a fold, an
# FFT, a derivative of one of them) and the namespaces of oneDNN's and quantized kernels:
# their kernels are wrapped by build() (about 1,000 of them; 0.2 s to find, once per process).
KERNEL_PATTERN = re.compile(r"conv|pool|im2col|col2im|fold|fft|stft|_backward|mkldnn|onednn|quantized|cudnn|"
                            r"miopen|nnpack|thnn|slow_|depthwise|tbc|embedding|segment_reduce")
KERNEL_NAMESPACES: tuple[str, ...] = ("mkldnn", "onednn", "quantized", "_quantized", "mkldnn_prepacked")

# The dispatch keys whose kernels of a tripwired operator are wrapped: the runtime keys of
# CPU tensors (a composite kernel is what such a key computes to).
KERNEL_KEYS: tuple[str, ...] = ("CPU", "MkldnnCPU", "QuantizedCPU", "SparseCPU")
EXPLICIT_KEYS: tuple[str, ...] = ("CompositeExplicitAutograd", "CompositeExplicitAutogradNonFunctional")

IMMUTABLE_TYPE = 1 << 8  # Py_TPFLAGS_IMMUTABLETYPE: a type whose attributes cannot be set (int, TensorBase)

# The modules whose code reads a request and writes a reply, besides the wire itself
# (tests/test_guard_allowlist.py traces both and finds no other). Student code runs in the
# same interpreter, so these are watched like the grader's own: a replaced decoder method
# could drop a request's rule, a replaced encoder method could rewrite a reply.
WIRE_MODULES: tuple[str, ...] = ("grader.runtime.sockets", "json", "json.decoder", "json.scanner", "json.encoder",
                                 "base64", "binascii", "struct", "math", "builtins")


def build(watched: list[types.ModuleType], functions: list[Callable[..., Any]], tables: Tables | None = None
          ) -> tuple[Callable[..., tuple[str, Any]], Callable[[], str | None]]:
    """Make the guard for this worker; call once, before any student code runs.

    Args:
        watched: the worker's own modules (worker, wire, op modules, this one).
        functions: the worker's ops (their code and closures are watched too).
        tables: :func:`prepare`'s, when a parent process (the zygote) prepared them for
            all its workers; read here otherwise.

    Returns:
        ``run_guarded(spec, thunk, extra)`` -> ``("ok", (plain result, plain extra))`` or
        ``("forbidden", "kind:detail")``; ``spec`` is rules.guard()'s dict or None (no
        rule: the call still runs with the result made plain). And ``check()`` -> None,
        or what was tampered with.
    """
    import importlib
    import socket
    import threading
    import _thread
    import subprocess
    import _posixsubprocess

    import torch
    from torch.utils._python_dispatch import TorchDispatchMode

    from grader.runtime import wire

    plain_tensor, parameter, size_type = torch.Tensor, torch.nn.Parameter, torch.Size
    clone, detach = torch.Tensor.clone, torch.Tensor.detach
    current_node = torch._C._current_autograd_node
    dispatch_depth, function_depth = torch._C._len_torch_dispatch_stack, torch._C._len_torch_function_stack
    dispatch_keys, python_key = torch._C._dispatch_keys, torch._C.DispatchKey.Python
    opaque, max_depth = wire.Opaque, wire.MAX_DEPTH
    getrlimit, setrlimit, nproc = resource.getrlimit, resource.setrlimit, resource.RLIMIT_NPROC
    listdir, getpid, geteuid = os.listdir, os.getpid, os.geteuid
    gc_enabled, gc_disable, gc_enable = gc.isenabled, gc.disable, gc.enable
    set_trace, get_trace, get_profile = sys.settrace, sys.gettrace, sys.getprofile
    chain, repeat, is_, modules = itertools.chain, itertools.repeat, operator.is_, sys.modules
    open_path, read_link, close, sep, O_PATH = os.open, os.readlink, os.close, os.sep, os.O_PATH | os.O_CLOEXEC
    type_name = vars(type)["__name__"].__get__  # a class's own name: a metaclass property cannot answer for it
    signal_setters, get_handler, signals = (signal.signal, _signal.signal), _signal.getsignal, tuple(signal.valid_signals())
    default_int_handler, add_audit_hook = signal.default_int_handler, sys.addaudithook
    tables = prepare() if tables is None else tables
    operators = tables.operators  # id(overload) -> (aten name, its C++ entry point), read before any student code
    state: dict[str, Any] = {"allowed": frozenset(), "autograd": True, "hits": [], "active": False, "inside": ""}

    def trip(what: str) -> None:
        state["hits"].append(what)
        raise Trip(what)

    class Tripwire(TorchDispatchMode):
        @classmethod
        def _should_skip_dynamo(cls) -> bool:
            return False  # the default wraps the handler in a lazy torch._dynamo import (over 1 s)

        def __torch_dispatch__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
            # Known by identity, run through the entry point read at start: renaming an
            # operator's schema or replacing its ``_op`` changes neither.
            name, run = operators.get(id(func), ("", None))
            if not state["active"]:
                return (run or func)(*args, **(kwargs or {}))
            if types:
                trip(f"subclass:{type_name(types[0])}")
            if run is None:
                trip(f"operator:{foreign_name(func)}")
            # Autograd first: a backward pass reaches operators off the list too, and
            # "you used autograd" is the lesson, not the operator's name.
            if not state["autograd"] and current_node() is not None:
                trip("autograd:")
            if name not in state["allowed"]:
                trip(f"operator:{name}")
            # Below this point torch runs its C++ kernel: any Python code that runs now is a
            # kernel registered over torch's own (the trace hook trips on it).
            state["inside"] = name
            try:
                return run(*args, **(kwargs or {}))
            finally:
                state["inside"] = ""

    # ------------------------------------------------------------ rules registered for a mode
    # Before each operator reaches a mode, torch's C++ asks torch._library.simple_registry
    # for a rule registered for that mode's class (torch.library.register_torch_dispatch)
    # and runs it *instead of* the mode, with the mode off the stack. It reads the finder
    # once per process, at the first dispatch to any mode, so the guard's is put there and
    # read now, before any student code exists: no rule ever stands in for Tripwire (a
    # submission can put one in torch's table of rules without registering a kernel).
    registry = importlib.import_module("torch._library.simple_registry")
    torch_rule = registry.find_torch_dispatch_rule

    def dispatch_rule(op: Any, mode_class: type) -> Any:
        if mode_class is Tripwire:
            state["asked"] = True
            return None
        return torch_rule(op, mode_class)

    registry.find_torch_dispatch_rule = dispatch_rule
    try:
        with Tripwire():
            torch.zeros(1).neg()
    finally:
        registry.find_torch_dispatch_rule = torch_rule
    if not state.pop("asked", False):
        raise RuntimeError("convkit guard: a mode ran before the guard was built, so torch's rule lookup "
                           "for modes could not be replaced")

    # ------------------------------------------------------------ kernels below the mode
    # A second check, below the mode: every kernel that can do a routine's work
    # (KERNEL_PATTERN) is wrapped (by prepare()) in one that asks this when it runs. It
    # trips when a ruled call reaches the kernel while no operator the mode let through
    # is running, i.e. around the mode (``torch.Tensor.__torch_dispatch__``, an
    # overload's ``_op_dk``, a C function calling another).
    def kernel_check(name: str, label: str) -> None:
        if state["active"]:
            inside = state["inside"]
            if not inside:
                trip(f"tampering:torch's {label} ran around the dispatch mode")
            # Under an operator the mode let through: its own kernel, or one the rule allows
            # (a rule that allows convolutions allows their callees, slow_conv_dilated2d...).
            # Nothing else: C code that runs meanwhile (a finalizer, a signal handler, a
            # profile callback) must not borrow the operator's pass.
            if name != inside and name not in state["allowed"]:
                trip(f"operator:{name}")

    hook = tables.hook
    hook[0] = kernel_check
    # The guard's own Python code that runs inside an operator: the wrappers, and trip.
    own_codes = frozenset(map(id, (tables.wrapper_code, kernel_check.__code__, trip.__code__)))
    state["kernels"] = tables.registrations  # registrations last as long as their handles
    sites = tables.sites
    register_library = next(original for space, name, original in sites
                            if space is vars(torch._C) and name == "_dispatch_library")

    # ------------------------------------------------------------ the dispatch stack, sealed
    # Replaced before any student code runs, so student code only ever sees the sealed
    # versions: popping the mode, disabling dispatch or excluding the Python key trips.
    def seal(original: Any) -> Callable[..., Any]:
        what = ("tampering:a signal handler set during a ruled call" if any(map(is_, signal_setters, repeat(original)))
                else
                f"tampering:torch's dispatch machinery ({getattr(original, '__name__', '?')})")

        def sealed(*args: Any, **kwargs: Any) -> Any:
            if state["active"]:
                trip(what)
            return original(*args, **kwargs)
        return sealed

    def registration(kind: str, namespace: str, *args: Any, **kwargs: Any) -> Any:
        """torch._C._dispatch_library, sealed for torch's own operators at all times: a
        kernel registered over ``aten::fmin`` would run whatever it likes under an allowed name."""
        if namespace == "aten":
            state["hits"].append("tampering:a kernel registered for torch's operators")
            raise PermissionError(f"convkit: a submission may not register kernels for torch's own operators ({namespace})")
        return register_library(kind, namespace, *args, **kwargs)

    replacement = {id(original): registration if original is register_library else seal(original)
                   for _, _, original in sites if type(original) is not tuple}
    for holder, key, original in sites:
        # A tuple in a module's list (torch.jit's table of builtins) is rebuilt around the sealed function.
        holder[key] = (tuple(replacement.get(id(item), item) for item in original) if type(original) is tuple
                       else replacement[id(original)])
    # An operator handle's redispatch_boxed runs a kernel below the mode (OpOverload.redispatch).
    handle_type = torch._C._DispatchOperatorHandle
    handle_type.redispatch_boxed = seal(vars(handle_type)["redispatch_boxed"])
    # Module namespaces are watched; a list's slot, once sealed, holds nothing worth restoring.
    sealed_spaces, sealed_names = map(list, zip(*[(space, name) for space, name, _ in sites if type(space) is dict]))

    # ------------------------------------------------------------ code that runs unseen
    # A trace or profile callback runs with tracing suspended (CPython calls no trace
    # function while one runs): code run from a profile hook escapes the trace hook, both
    # its library check and its check for Python code inside an operator. sys.setprofile,
    # profile.Profile and cProfile's enable all raise the audit event "sys.setprofile"
    # (sys.settrace, "sys.settrace"), and an audit hook cannot be removed: the guard's trips
    # on either while a ruled call runs.
    #
    # The same hook sees a function's __code__, __defaults__ or __kwdefaults__ set (CPython
    # audits all three, as "object.__setattr__"): the moment it happens to one of the
    # grader's functions, the next check reports it. Reading them is audited too, so the
    # check no longer reads them (3 x 850 events per request through this hook).
    #
    # And no other audit hook is added once the guard exists: CPython runs audit hooks with
    # tracing suspended too, at events the submission can raise (sys.audit) or the guard
    # itself raises after a call (setrlimit, listdir), before the reply is bytes. Raising a
    # RuntimeError at "sys.addaudithook" keeps the new hook out (CPython's rule).
    def audit(event: str, args: tuple) -> None:
        if event == "object.__setattr__":
            if id(args[0]) in own_ids:
                state["edited"] = "the grader's functions"
        elif event == "sys.addaudithook":
            state["edited"] = "an audit hook added"
            raise RuntimeError("convkit: no audit hook may be added while a submission is graded")
        elif state["hooked"] and (event == "sys.setprofile" or event == "sys.settrace"):
            trip(f"tampering:{event} during a ruled call")

    own_ids: frozenset[int] = frozenset()  # the grader's functions, filled in below
    state["hooked"], state["edited"] = False, ""
    add_audit_hook(audit)

    def handler_set() -> bool:
        """Whether a Python-level signal handler is set (one runs between any two bytecodes,
        inside an operator too, when its signal arrives): the worker sets none."""
        for number in signals:
            handler = get_handler(number)
            if not (type(handler) is int or handler is None or handler is default_int_handler):
                return True
        return False

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
    def real_path(path: str) -> str:
        """``path`` with its symlinks resolved by the kernel (os.path.realpath is Python
        code that reads the module's globals when it runs); ``path`` if it cannot be opened."""
        try:
            fd = open_path(path, O_PATH)
        except (OSError, ValueError):
            return path
        try:
            return read_link(f"/proc/self/fd/{fd}")
        finally:
            close(fd)

    # Installed libraries live in site-packages; the submission's code does not. A
    # function's library is read from its code's file name, which student code cannot
    # change (a module's __name__ or __file__ it can), resolved by the kernel (a symlink
    # to site-packages is no disguise). Decided once per code object.
    sites = tuple({real_path(p) + sep for p in {*site.getsitepackages(), site.getusersitepackages(),
                                                *(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))}})
    # Where trusted code lives: the standard library, installed packages, the grader's runtime.
    trusted = tuple({real_path(p) + sep for p in (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"],
                                                  os.path.dirname(os.path.dirname(os.path.dirname(__file__))))}) + sites
    # By id: code objects compare equal by content, and content can be copied.
    import_codes = frozenset(id(code_of(value)) for module in (importlib._bootstrap, importlib._bootstrap_external)
                             for value in [*vars(module).values(), *chain.from_iterable(
                                 vars(cls).values() for cls in vars(module).values() if isinstance(cls, type))]
                             if code_of(value) is not None)
    verdicts: dict[Any, str | None] = {}  # code object -> the forbidden library it belongs to
    places: dict[str, bool] = {}  # file name -> whether it is a trusted place

    def library(code: Any) -> str | None:
        """The forbidden library (or routine) the function of ``code`` is part of, or None."""
        path = real_path(code.co_filename)
        root = next((site_dir for site_dir in sites if path.startswith(site_dir)), None)
        # Module bodies run at import (torch importing lazily); their functions are still watched.
        if root is None or code.co_name == "<module>":
            return None
        module = path[len(root):].rpartition(".")[0].replace(sep, ".").removesuffix(".__init__")
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
        if state["inside"] and id(code) not in own_codes:
            trip(f"tampering:a Python kernel registered for torch's aten.{state['inside']}")
        verdict = verdicts.get(code, "")
        if verdict == "":
            verdict = verdicts[code] = library(code)
        if verdict and not importing(frame.f_back):
            trip(f"library:{verdict}")

    def importing(caller: Any) -> bool:
        """Whether a library function runs for the import system (it calls every installed
        meta-path finder, setuptools' among them; torch imports sympy lazily): the import
        machinery's own code is reached, going up the callers, through trusted files and
        code made at run time (``<string>``: a namedtuple, sympy's generated functions)
        only. A file from anywhere else (the submission, a file it wrote) asked for it."""
        for _ in range(200):
            if caller is None:
                return False
            code = caller.f_code
            if id(code) in import_codes:  # by identity: a file name such as "<frozen importlib" can be made up
                return True
            name = code.co_filename
            known = places.get(name)
            if known is None:
                known = places[name] = name.startswith("<") or real_path(name).startswith(trusted)
            if not known:
                return False
            caller = caller.f_back
        return False

    # ------------------------------------------------------------ plain data
    def plain(value: Any, depth: int = 0) -> Any:
        kind = type(value)
        if value is None or kind in (bool, int, float, str):
            return value
        if kind is plain_tensor or kind is parameter:
            if dispatch_keys(value).has(python_key):
                trip(f"subclass:{type_name(kind)}")
            return clone(detach(value))
        if issubclass(kind, plain_tensor):
            trip(f"subclass:{type_name(kind)}"[:120])
        if depth > max_depth:
            return opaque(type_name(kind)[:100], "")
        if kind is tuple or kind is size_type:
            return tuple(plain(item, depth + 1) for item in tuple.__iter__(value))
        if kind is list:
            return [plain(item, depth + 1) for item in list.__iter__(value)]
        if kind is dict:
            return {key: plain(item, depth + 1) for key, item in dict.items(value) if type(key) is str}
        return opaque(type_name(kind)[:100], object.__repr__(value)[:200])

    # ------------------------------------------------------------ integrity
    # Not os/threading/subprocess: their namespaces change when honest code starts a process
    # at import; thread and process creation is watched by RLIMIT_NPROC and tasks() instead.
    watched_modules = [*watched, wire, *map(importlib.import_module, WIRE_MODULES)]
    builtin_names = tuple(vars(builtins))
    # The classes those modules define (json's JSONEncoder and JSONDecoder: their methods
    # run on every frame), the socket the frames travel on, and torch's classes, whose
    # methods the wire and plain() call.
    own_classes = [*classes_of(watched_modules), Tripwire, socket.socket]
    watched_classes = [*own_classes, torch.Tensor, torch._C.TensorBase, torch.nn.Module, TorchDispatchMode, handle_type]

    def functions_of(namespaces: list[dict]) -> list[types.FunctionType]:
        found = [getattr(value, "__func__", value) for space in namespaces for value in space.values()]
        found += [trip, plain, no_spawn, tasks, library, watch, kernel_check, dispatch_rule, audit, handler_set,
                  *functions, registration,
                  *(space[name] for space, name in zip(sealed_spaces, sealed_names))]
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
                # A module's class too: a ModuleType subclass with its own __getattribute__
                # would answer for names its namespace still holds.
                found.append((owner.__name__, lambda space=space, name=owner.__name__, owner=owner:
                              chain(space, space.values(), (modules.get(name), type(owner)))))
            else:
                found.append((f"{owner.__module__}.{owner.__qualname__}",
                              lambda space=space: chain(space, space.values())))
        # The closure cells of every Python function of the grader's (a cell's contents can
        # be replaced or emptied; their code and defaults are watched by the audit hook).
        found.append(("the grader's functions", lambda: map(cell_contents, cells)))
        found.append(("torch's dispatch-stack functions", lambda: map(dict.get, sealed_spaces, sealed_names,
                                                                      repeat(None))))
        found.append(("the kernel tripwires' check", lambda: iter(hook)))
        return found

    def same(now: tuple, then: tuple) -> bool:
        """Element by element by identity: no object's own __eq__ runs (student code could)."""
        return len(now) == len(then) and all(map(is_, now, then))

    def check() -> str | None:
        # One flat comparison by identity after every request (a few thousand objects);
        # the parts are compared one by one only to name what changed.
        if state["edited"]:
            return "tampering:" + state["edited"]
        if not same(tuple(chain.from_iterable(observe() for _, observe in watched_parts)), baseline_flat):
            return "tampering:" + next((name for name, observe in watched_parts
                                        if not same(tuple(observe()), baseline[name])), "the grader's machinery")
        if state["active"] or dispatch_depth() or function_depth():
            return "tampering:a torch dispatch or function mode was left installed"
        if get_trace() is not None or get_profile() is not None:
            return "tampering:a trace or profile hook was left installed"
        return None

    # ------------------------------------------------------------ the guarded call
    def run_guarded(spec: dict | None, thunk: Callable[[], Any], extra: Callable[[], Any] | None = None
                    ) -> tuple[str, Any]:
        if spec is None:  # no rule: nothing to watch (the wire strips subclasses to their data)
            result = thunk()
            return "ok", (result, extra() if extra else None)
        if tasks() > baseline_tasks:
            return "forbidden", EARLIER  # the grading side retries once in a fresh worker
        if handler_set():
            return "forbidden", "tampering:a signal handler was set before a ruled call"
        if function_depth():
            return "forbidden", "tampering:a torch function mode was installed before a ruled call"
        state["allowed"], state["autograd"] = frozenset(spec["allowed"].split()), bool(spec["autograd"])
        state["hits"] = hits = []
        saved_nproc = getrlimit(nproc)
        outcome: tuple[str, Any] = ("ok", None)
        error: BaseException | None = None
        for owner, name, _ in spawn_points:
            setattr(owner, name, no_spawn)
        # No automatic collection during the call: a finalizer it would run inside an
        # operator the mode let through would run with the mode off the stack.
        collecting = gc_enabled()
        gc_disable()
        lowered = geteuid() != 0  # root ignores RLIMIT_NPROC; the Python tripwires remain
        if lowered:
            setrlimit(nproc, (0, saved_nproc[1]))
        raised = False
        try:
            with Tripwire():
                state["active"] = True
                try:
                    set_trace(watch)
                    state["hooked"] = True
                    try:
                        result = thunk()
                    finally:
                        state["hooked"] = False
                        hooked = get_trace() is watch
                        set_trace(None)
                    if not hooked:
                        trip("tampering:the guard's trace hook")
                    if function_depth():  # it would see plain()'s clones
                        trip("tampering:a torch function mode during a ruled call")
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
            if collecting:
                gc_enable()
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
    own_ids = frozenset(map(id, own_functions))
    state["functions"] = own_functions  # alive, so that no other object takes one of their ids
    watched_parts = parts()
    baseline = {name: tuple(observe()) for name, observe in watched_parts}
    baseline_flat = tuple(chain.from_iterable(baseline.values()))
    baseline_tasks = tasks()
    return run_guarded, check


class Tables(NamedTuple):
    """What the guard reads of torch, and installs in it, before any student code exists
    (:func:`prepare`). Held by the process that prepared it and handed to :func:`build`,
    never kept by a module: it holds torch's original kernels and functions, which a
    submission importing this module must not be able to reach."""
    operators: dict[int, tuple[str, Any]]  # id(aten overload) -> (name, C++ entry point)
    overloads: list[Any]  # those overloads, kept alive so that their ids stay theirs
    sites: list[tuple[Any, Any, Any]]  # (namespace or list, name or index, original) of what build() seals
    hook: list[Any]  # [the check of the guard armed in this process], [None] before build()
    registrations: dict[str, Any]  # the wrappers stay registered as long as these live
    wrapper_code: types.CodeType  # the wrappers' code, which runs inside operators


def prepare() -> Tables:
    """Read torch's operators, the places that hold the functions build() seals, and the
    CPU kernels ``KERNEL_PATTERN`` names, and wrap those kernels in tripwires that stay
    inert until a guard is built. Once per process, before any student code exists and
    before :func:`build` (the zygote prepares once for all its workers, about 0.3 s).

    - Operators: the mode knows an operator by the identity of the object torch hands
      it and runs it through the C++ entry point read here, so neither the overload's
      ``_schema`` nor its ``_op``, both plain attributes, can be changed under it.
    - Sites: the functions of ``SEALED_C`` and ``SEALED_PYTHON_DISPATCH`` in every module
      that holds them (``from torch._C import _ForceDispatchKeyGuard`` keeps its own) or
      holds them in a list, and ``torch._C._dispatch_library``, which registers kernels.
    - Kernels: every CPU kernel of an operator whose name says it can do a routine's work,
      in every namespace (a composite-implicit operator such as conv2d only calls others).

    It changes torch for the rest of the process (tests/guard_probe.py calls it in a
    fresh interpreter), so it has no example here; :func:`_kernels` has one.
    """
    import torch
    import torch.utils._python_dispatch as python_dispatch

    register = torch._C._dispatch_library
    if type(register) is not types.BuiltinFunctionType:
        raise RuntimeError("convkit guard: prepare() runs once per process, before build() seals torch")
    overloads, operators = [], {}
    names = torch._C._dispatch_get_all_op_names()
    for qualified in names:
        namespace, _, rest = qualified.partition("::")
        name, _, overload = rest.partition(".")
        if namespace != "aten":
            continue
        try:
            found = getattr(getattr(torch.ops.aten, name), overload or "default")
        except (AttributeError, RuntimeError):
            continue
        overloads.append(found)
        operators[id(found)] = (name, found._op)

    named = ((torch._C, SEALED_C + ("_dispatch_library",)), (python_dispatch, SEALED_PYTHON_DISPATCH),
             (signal, ("signal",)), (_signal, ("signal",)))
    originals = {id(value): value for owner, names_ in named
                 for name in names_ if (value := getattr(owner, name, None)) is not None}

    def original(value: Any) -> bool:
        return (id(value) in originals and originals[id(value)] is value) or (type(value) is tuple and any(map(original, value)))

    sites: list[tuple[Any, Any, Any]] = []
    for module in list(sys.modules.values()):
        space = getattr(module, "__dict__", None)
        if type(space) is not dict:
            continue
        for key, value in list(space.items()):
            if type(value) is tuple:
                continue  # a module's tuple cannot be changed in place (SEALED_C is one: names)
            if original(value):
                sites.append((space, key, value))
            elif type(value) is list:  # torch.jit's table of builtins holds (function, name) pairs
                sites += [(value, index, item) for index, item in enumerate(value) if original(item)]

    hook: list[Any] = [None]

    def tripwire(name: str, label: str, original: Any) -> Callable[..., Any]:
        def kernel(keyset: Any, *args: Any, **kwargs: Any) -> Any:
            check = hook[0]
            if check is not None:
                check(name, label)
            return original.call_boxed(keyset, *args, **kwargs)
        return kernel

    registrations: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "overriding a previously registered kernel": that is the point
        for namespace, overload, name, key, original in _kernels(torch, names):
            if namespace not in registrations:
                registrations[namespace] = register("IMPL", namespace, "", __file__, 0)
            own_name = name if namespace == "aten" else f"{namespace}::{name}"  # as the allowlists name it
            registrations[namespace].impl(overload, key, tripwire(own_name, f"{namespace}.{name}", original), True)
    return Tables(operators, overloads, sites, hook, registrations, tripwire("", "", None).__code__)


def _kernels(torch: Any, names: list[str]) -> Iterator[tuple[str, str, str, str, Any]]:
    """``(namespace, overload name, operator name, dispatch key, kernel)`` of every CPU
    kernel of an operator in ``names`` that ``KERNEL_PATTERN`` or ``KERNEL_NAMESPACES`` names.

    >>> import torch
    >>> sorted({key for _, _, name, key, _ in _kernels(torch, torch._C._dispatch_get_all_op_names())
    ...         if name == "im2col"})
    ['CPU']
    """
    for qualified in names:
        namespace, _, overload = qualified.partition("::")
        name = overload.partition(".")[0]
        if not (KERNEL_PATTERN.search(name) or namespace in KERNEL_NAMESPACES):
            continue
        # A composite-implicit operator (conv2d, max_pool2d) only calls others, which
        # are wrapped; a kernel of its own would change how autograd sees it.
        if not any(torch._C._dispatch_has_kernel_for_dispatch_key(qualified, key)
                   for key in (*KERNEL_KEYS, *EXPLICIT_KEYS)):
            continue
        for key in KERNEL_KEYS:
            if torch._C._dispatch_has_computed_kernel_for_dispatch_key(qualified, key):
                yield namespace, overload, name, key, torch._C._dispatch_get_computed_kernel_for_dispatch_key(
                    qualified, key)


def code_of(value: Any) -> types.CodeType | None:
    """The code of a Python function, method, classmethod or staticmethod (None otherwise)."""
    function = getattr(value, "__func__", value)
    return function.__code__ if type(function) is types.FunctionType else None


def foreign_name(func: Any) -> str:
    """The name an operator torch does not define gives itself ("ns::name"): for its
    message only, since it trips whatever it says."""
    try:
        return str(func._schema.name)[:80]
    except Exception:  # noqa: BLE001 - it is the student's object
        return "?"


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


def _private(function: types.FunctionType) -> types.FunctionType:
    """``function`` over private copies of this module's namespace and of builtins, taken
    at import, before any student code exists. Every function ``build`` makes looks its
    global names up there: rebinding ``builtins.all`` or ``guard.len`` changes nothing it does."""
    space = dict(globals())
    space["__builtins__"] = dict(vars(builtins))
    return types.FunctionType(function.__code__, space, function.__name__, function.__defaults__, function.__closure__)


build = _private(build)
prepare = _private(prepare)
