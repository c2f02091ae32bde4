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

After EVERY request (``check``) the worker compares a fingerprint of its own machinery
(this module, the wire, the worker and op modules, and ``WIRE_MODULES``, the standard
library that reads requests and writes replies: their namespaces and classes, the
classes they define and those classes' namespaces, the closures of every Python function
in them; ``torch.Tensor``'s methods) and torch's dispatch-mode stacks against the one
taken before any student code ran; a difference is reported as ``forbidden``
("tampering") and the worker exits, so the next request gets a fresh one. The worker
turns its reply into bytes before the check, so no student code runs between the check
and the grading side.

Where the state lives. Student code shares this interpreter, so everything the guard
puts in its way (the mode on torch's stack and its class, the trace function, the sealed
functions in torch's modules, ``run_guarded`` and ``check`` in the worker's frames) is
stateless: a function with no closure and no globals, or ``sys.audit`` bound to an event
name. Each reports to the guard's audit hook, which holds every decision, every original
kernel and function, and every trip, and which nothing reaches: CPython lists no audit
hooks, and the hook refuses what would (gc's walks over objects, one of its own frames
or a kernel wrapper's, a function made of the code it trusts, a profile hook, ctypes in
a ruled call, a change to a function of the grader's). A refusal is reported through
``report`` and the worker exits at once. The hook never runs student code: it reads the
submission's objects by type and identity only. docs/threat-model.md says what is left
(raw memory through ``ctypes.memmove``, which CPython does not audit, among it).

Every function :func:`build` makes looks its names up in private copies of this
module's namespace and of builtins, and reads no module attribute when it runs
(tests/test_guard_layers.py checks the bytecode, and walks everything a submission can
reach without finding the hook).
"""
from __future__ import annotations

import _signal
import builtins
import contextlib
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
KINDS = ("operator", "library", "autograd", "subclass", "spawn", "depth", "tampering")
# A thread or process left by code that ran before the call (an import, another exercise).
EARLIER = "spawn:earlier"

# Libraries whose code a ruled function may run besides the submission's own and the
# standard library: torch (its operators are the dispatch mode's business) and the
# typing helpers it wraps functions in, numpy's elementary array code, the grader's
# runtime (stand-ins of earlier exercises), and tqdm's progress bars, which compute
# nothing (the worker turns their monitor thread off: a ruled call refuses threads).
LIBRARIES: frozenset[str] = frozenset({"torch", "numpy", "grader", "typing_extensions", "tqdm"})
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


def build(watched: list[types.ModuleType], functions: list[Callable[..., Any]], tables: Tables | None = None,
          report: Callable[[str], Any] | None = None) -> tuple[Callable[..., tuple[str, Any]], Callable[[], str | None]]:
    """Make the guard for this worker; call once, before any student code runs.

    Args:
        watched: the worker's own modules (worker, wire, op modules, this one).
        functions: the worker's ops (their code and closures are watched too).
        tables: :func:`prepare`'s, when a parent process (the zygote) prepared them for
            all its workers; read here otherwise. Nothing keeps them after this call.
        report: called with ``"tampering:<what>"`` when student code reaches for what
            the guard hides (its frames, gc's walks over objects, ctypes' pointers) or
            changes one of the grader's functions; the worker's sends the request's
            ``forbidden`` reply and exits. Default: say so on stderr and exit. One that
            returns (tests) lets the operation go on, and :func:`check` reports it.

    Returns:
        ``run_guarded(spec, thunk, extra)`` -> ``("ok", (plain result, plain extra))`` or
        ``("forbidden", "kind:detail")``; ``spec`` is rules.guard()'s dict or None (no
        rule: the call still runs with the result made plain). And ``check()`` -> None,
        or what was tampered with. Both hold no state: they ask the guard's audit hook.
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
    max_depth, new_object, new_exception = wire.MAX_DEPTH, object.__new__, BaseException.__new__
    opaque_type, opaque_space = wire.Opaque, vars(wire.Opaque)["__dict__"].__get__
    getrlimit, setrlimit, nproc = resource.getrlimit, resource.setrlimit, resource.RLIMIT_NPROC
    listdir, getpid, geteuid, exit_now, write = os.listdir, os.getpid, os.geteuid, os._exit, os.write
    gc_enabled, gc_disable, gc_enable, save_all = gc.isenabled, gc.disable, gc.enable, gc.DEBUG_SAVEALL
    set_trace, get_trace, get_profile, get_frame, frame_type = (sys.settrace, sys.gettrace, sys.getprofile,
                                                                sys._getframe, types.FrameType)
    set_profile = sys.setprofile
    chain, repeat, is_ = itertools.chain, itertools.repeat, operator.is_
    open_path, read_link, close, sep, O_PATH = os.open, os.readlink, os.close, os.sep, os.O_PATH | os.O_CLOEXEC
    exact = str.__str__  # a str subclass's text as a str: none of its methods runs
    mro_of = vars(type)["__mro__"].__get__  # a class's own MRO, whatever its metaclass says
    name_of = vars(type)["__name__"].__get__  # a class's own name: a metaclass property cannot answer for it

    def type_name(kind: type) -> str:
        return exact(name_of(kind))  # __name__ can be set to a str subclass
    signal_setters, get_handler, signals = (signal.signal, _signal.signal), _signal.getsignal, tuple(signal.valid_signals())
    default_int_handler, add_audit_hook, audit_event = signal.default_int_handler, sys.addaudithook, sys.audit
    tables = prepare() if tables is None else tables
    operators = tables.operators  # id(overload) -> (aten name, its C++ entry point), read before any student code
    kernels = tables.kernels  # slot -> (name, label, original), read before any student code
    tables.early.clear()  # from now on the wrappers get their kernel from the hook, and only in its time
    state: dict[str, Any] = {"allowed": frozenset(), "autograd": True, "hits": [], "active": False, "inside": "",
                             "hooked": False, "armed": None, "outcome": None, "edited": "", "reading": None,
                             "setting": False, "own": False, "cut": False}

    def hit(what: str) -> tuple[bool, Trip]:
        """Record a trip (for good: nothing a submission reaches can take it back); the
        answer tells the caller to raise it, outside the hook."""
        state["hits"].append(what)
        return True, new_exception(Trip, what)  # no __init__ of a class student code can change

    def give(value: Any) -> tuple[bool, Any]:
        """The answer that tells the caller what to run."""
        return False, value

    def refuse(what: str) -> None:
        """Student code reached for what the guard hides: report it (the worker answers
        ``forbidden`` and exits, so nothing it found can be used)."""
        state["edited"] = what
        (report or say_and_exit)("tampering:" + what)

    def say_and_exit(what: str) -> None:
        write(2, f"convkit guard: {what}\n".encode())
        exit_now(70)

    # ------------------------------------------------------------ what student code can reach
    # Everything below that a submission can reach (the mode on torch's stack and its class,
    # the trace function, the sealed functions in torch's modules, run_guarded and check in
    # the worker's frames) is stateless: a function with no closure and no globals
    # (_thin), or sys.audit bound to an event name. Each tells the audit hook what is
    # happening through sys.audit; the hook holds every decision, every original and every
    # trip, and nothing reaches the hook (audit hooks cannot be listed, and the hook
    # refuses gc's walks and its own frames).
    dispatch = _thin(_dispatch, _audit=audit_event, _label=foreign_name, _unknown=UNKNOWN)
    # A data descriptor, so that no attribute of a mode instance stands in for it, on a
    # class made immutable: neither can be swapped for part of a call (red team 11).
    handler = property(types.MethodType(types.MethodType, dispatch))
    Tripwire = type("Tripwire", (TorchDispatchMode,), {
        "__torch_dispatch__": handler, "__module__": __name__,
        # The default wraps the handler in a lazy torch._dynamo import (over 1 s).
        "_should_skip_dynamo": classmethod(_thin(_no_dynamo))})
    _freeze(Tripwire)
    trace = types.MethodType(audit_event, "convkit.call")
    no_spawn = _thin(_no_spawn, _audit=audit_event, _trip=Trip)
    run_guarded, run_code = _thin(_run_guarded, _audit=audit_event, _mode=Tripwire, _base=BaseException), \
        _run_guarded.__code__
    check = _thin(_check, _audit=audit_event)
    stack_at = torch._C._get_dispatch_stack_at

    # ------------------------------------------------------------ the operators (the mode)
    def on_operator(func: Any, kinds: Any, box: Any) -> None:
        # Known by identity, run through the entry point read at start: renaming an
        # operator's schema or replacing its ``_op`` changes neither.
        if type(box) is not list:
            return
        name, run = operators.get(id(func), ("", None))
        if not state["active"]:
            box.append(give(run or func))
        elif type(kinds) is tuple and kinds and issubclass(type(kinds[0]), type):
            box.append(hit(f"subclass:{type_name(kinds[0])}"))
        elif run is None:
            box.append(hit(UNKNOWN))  # dispatch names it: reading its schema here could run student code
        # Autograd first: a backward pass reaches operators off the list too, and
        # "you used autograd" is the lesson, not the operator's name.
        elif not state["autograd"] and current_node() is not None:
            box.append(hit("autograd:"))
        elif name not in state["allowed"]:
            box.append(hit(f"operator:{name}"))
        else:
            # Below this point torch runs its C++ kernel: any Python code that runs now is a
            # kernel registered over torch's own (the trace hook trips on it).
            state["inside"] = name
            box.append(give(run))

    def on_operator_done() -> None:
        state["inside"] = ""

    def on_unknown(label: Any) -> None:
        hits = state["hits"]
        if type(label) is str and hits and hits[-1] == UNKNOWN:
            hits[-1] = "operator:" + label[:80]

    # ------------------------------------------------------------ rules registered for a mode
    # Before each operator reaches a mode, torch's C++ asks torch._library.simple_registry
    # for a rule registered for that mode's class (torch.library.register_torch_dispatch)
    # and runs it *instead of* the mode, with the mode off the stack. It reads the finder
    # once per process, at the first dispatch to any mode, so the guard's is put there and
    # read now, before any student code exists: no rule ever stands in for Tripwire (a
    # submission can put one in torch's table of rules without registering a kernel).
    registry = importlib.import_module("torch._library.simple_registry")
    torch_rule, asked = registry.find_torch_dispatch_rule, []
    registry_rule = _thin(_rule, _mode=Tripwire, _rule=torch_rule, _asked=asked)
    registry.find_torch_dispatch_rule = registry_rule

    # ------------------------------------------------------------ kernels below the mode
    # A second check, below the mode: every kernel that can do a routine's work
    # (KERNEL_PATTERN) is wrapped (by prepare()) in one that asks the hook for the kernel.
    # It trips when a ruled call reaches the kernel while no operator the mode let through
    # is running, i.e. around the mode (``torch.Tensor.__torch_dispatch__``, an
    # overload's ``_op_dk``, a C function calling another). The kernel goes to a wrapper's
    # code only: a wrapper holds none, so its frame hands out nothing.
    def on_kernel(slot: Any, box: Any) -> None:
        if type(slot) is not int or type(box) is not list or not 0 <= slot < len(kernels):
            return
        if caller().f_code is not tables.wrapper_code:
            return
        name, label, run = kernels[slot]
        if state["active"]:
            inside = state["inside"]
            if not inside:
                return box.append(hit(f"tampering:torch's {label} ran around the dispatch mode"))
            # Under an operator the mode let through: its own kernel, or one the rule allows
            # (a rule that allows convolutions allows their callees, slow_conv_dilated2d...).
            # Nothing else: C code that runs meanwhile (a finalizer, a signal handler, a
            # profile callback) must not borrow the operator's pass.
            if name != inside and name not in state["allowed"]:
                return box.append(hit(f"operator:{name}"))
        box.append(give(run))

    # ------------------------------------------------------------ the dispatch stack, sealed
    # Replaced before any student code runs, so student code only ever sees the sealed
    # versions: popping the mode, disabling dispatch or excluding the Python key trips.
    # The sealed functions hold no original: the hook hands it to their code only.
    sites = tables.sites
    register_library = next(original for space, name, original in sites
                            if space is vars(torch._C) and name == "_dispatch_library")
    originals = list({id(original): original for _, _, original in sites if type(original) is not tuple}.values())
    # By identity, here and in the hook: == could run a metaclass's __eq__ of the submission's.
    setter_slots = frozenset(index for index, original in enumerate(originals)
                             if any(map(is_, repeat(original), signal_setters)))
    tracer_slots = frozenset(index for index, original in enumerate(originals)
                             if original is set_trace or original is set_profile)
    messages = [("tampering:a signal handler set during a ruled call" if index in setter_slots else
                 "tampering:sys.settrace or sys.setprofile during a ruled call" if index in tracer_slots else
                 f"tampering:torch's dispatch machinery ({getattr(original, '__name__', '?')})")
                for index, original in enumerate(originals)]
    sealed = [_thin(_sealed, _audit=audit_event, _index=index) for index in range(len(originals))]
    sealed_code = _sealed.__code__
    # Printing a tensor (repr, str, an f-string, a log line) steps off the mode stack in
    # torch._tensor_str._str, so that a mode printing tensors does not recurse. There it gets
    # a context that steps nowhere: the formatting's operators go through the mode, checked
    # like any other, and nothing of the submission's runs with the mode off.
    disable_modes = next((original for _, name, original in sites if name == "_disable_current_modes"), None)
    tensor_str_code, steps_nowhere = torch._tensor_str._str.__code__, contextlib.nullcontext

    def on_sealed(index: Any, args: Any, named: Any, box: Any) -> None:
        if (type(index) is not int or type(args) is not list or type(named) is not dict or type(box) is not list
                or not 0 <= index < len(originals)):
            return
        if caller().f_code is not sealed_code:
            return  # only a sealed function gets its original
        original = originals[index]
        if original is disable_modes and getattr(caller().f_back, "f_code", None) is tensor_str_code:
            return box.append(give(steps_nowhere))
        if original is register_library:
            # Sealed for torch's own operators at all times: a kernel registered over
            # ``aten::fmin`` would run whatever it likes under an allowed name.
            namespace = args[1] if len(args) > 1 else next(
                (value for key, value in dict.items(named) if type(key) is str and key == "name"), "")
            if issubclass(type(namespace), str) and exact(namespace) == "aten":
                state["hits"].append("tampering:a kernel registered for torch's operators")
                return box.append((True, PermissionError(
                    "convkit: a submission may not register kernels for torch's own operators (aten)")))
        elif state["active"]:
            return box.append(hit(messages[index]))
        elif index in setter_slots and len(args) > 1 and callable(args[1]) and type(args[1]) is not int:
            # A Python handler gets no frame, and none while the guard's code runs.
            args[1] = _deliverer(args[1], quiet_codes)
        elif index in tracer_slots:
            # Exactly settrace(None): a call that failed before its own event would leave the
            # one-shot pass for the next setter (cProfile's enable) to use.
            if state["armed"] is not None or len(args) != 1 or args[0] is not None or named:
                return box.append(hit("tampering:sys.settrace or sys.setprofile during a ruled call")
                                  if state["armed"] is not None else refuse_answer("sys.settrace or sys.setprofile"))
            state["setting"] = True  # clearing one, outside a ruled call
        box.append(give(original))

    def refuse_answer(what: str) -> tuple[bool, BaseException]:
        refuse(what)  # the worker exits; a report that returns (tests) gets the refusal raised
        return True, PermissionError(f"convkit: {what} refused while a submission is graded")  # a builtin: no code of a submission's

    by_id = {id(original): function for original, function in zip(originals, sealed)}
    for holder, key, original in sites:
        # A tuple in a module's list (torch.jit's table of builtins) is rebuilt around the sealed function.
        holder[key] = (tuple(by_id.get(id(item), item) for item in original) if type(original) is tuple
                       else by_id[id(original)])
    # An operator handle's redispatch_boxed runs a kernel below the mode (OpOverload.redispatch).
    handle_type = torch._C._DispatchOperatorHandle
    originals.append(vars(handle_type)["redispatch_boxed"])
    messages.append("tampering:torch's dispatch machinery (redispatch_boxed)")
    sealed.append(_thin(_sealed, _audit=audit_event, _index=len(originals) - 1))
    handle_type.redispatch_boxed = sealed[-1]
    # The collector's debug flag would keep the frames of collected cycles in gc.garbage.
    set_debug_sealed = _thin(_set_debug, _audit=audit_event, _set=gc.set_debug, _flag=save_all, _index=operator.index)
    gc.set_debug = set_debug_sealed

    # ------------------------------------------------------------ the guarded call
    def caller(depth: int = 3) -> Any:
        """The frame that raised the event a handler is answering (frame 0 is this one, 1 the
        handler, 2 the hook). The hook's own request is the one frame request it lets through."""
        state["own"] = True
        try:
            return get_frame(depth)
        finally:
            state["own"] = False

    def caller_armed() -> bool:
        """Whether the code raising this event is the run_guarded that armed the guard."""
        return caller(4) is state["armed"]

    def on_arm(spec: Any, box: Any) -> None:
        if type(box) is not list or type(spec) is not dict:
            return
        arming = caller()
        if arming.f_code is not run_code:
            return
        if state["armed"] is not None:
            state["hits"].append("tampering:a ruled call inside a ruled call")
            return box.append(("forbidden", "tampering:a ruled call inside a ruled call"))
        if tasks() > baseline_tasks:
            return box.append(("forbidden", EARLIER))  # the grading side retries once in a fresh worker
        if handler_set():
            return box.append(("forbidden", "tampering:a signal handler was set before a ruled call"))
        if function_depth():
            return box.append(("forbidden", "tampering:a torch function mode was installed before a ruled call"))
        allowed, autograd = "", False
        for key, value in dict.items(spec):  # iterated, not looked up: no key of a caller's runs its __eq__
            if type(key) is str and key == "allowed" and type(value) is str:
                allowed = value
            elif type(key) is str and key == "autograd":
                autograd = value is True
        state["armed"], state["outcome"], state["ok"], state["cut"] = arming, ("ok", None), False, False
        state["setting"] = False
        state["allowed"], state["autograd"] = frozenset(allowed.split()), autograd
        state["hits"] = []
        state["nproc"] = getrlimit(nproc)
        for put, name, _ in spawn_points:
            put(name, no_spawn)
        # No automatic collection during the call: a finalizer it would run inside an
        # operator the mode let through would run with the mode off the stack.
        state["collecting"] = gc_enabled()
        gc_disable()
        state["lowered"] = geteuid() != 0  # root ignores RLIMIT_NPROC; the Python tripwires remain
        if state["lowered"]:
            setrlimit(nproc, (0, state["nproc"][1]))

    def on_start() -> None:
        if not caller_armed():
            return
        if not dispatch_depth() or type(stack_at(dispatch_depth() - 1)) is not Tripwire:
            state["hits"].append("tampering:the guard's mode is not on torch's stack")
        state["active"] = True
        state["setting"] = True
        set_trace(trace)
        state["setting"] = False
        state["hooked"] = True

    def on_returned(ok: Any, result: Any, more: Any, has_extra: Any) -> None:
        if not caller_armed():
            return
        state["hooked"] = False
        hooked = get_trace() is trace
        state["setting"] = True
        set_trace(None)
        state["setting"] = False
        if state["cut"] and ok is not True:
            # The recursion limit (or memory) ran out inside the guard's checks, and the
            # call ended with the error: the student's error (CPython took the trace hook
            # off at the limit), not tampering. One that went on would be unchecked: a trip.
            hooked = True
            state["hits"] = [what for what in state["hits"] if not what.startswith("tampering:sys.settrace")]
        elif state["cut"]:
            state["hits"].insert(0, "depth:the guard's checks were cut short")
        if not hooked:
            state["hits"].append("tampering:the guard's trace hook")
        if function_depth():  # it would see plain()'s clones
            state["hits"].append("tampering:a torch function mode during a ruled call")
        if vars(Tripwire)["__torch_dispatch__"] is not handler:
            state["hits"].append("tampering:the guard's mode")
        state["ok"] = ok is True
        if state["ok"] and not state["hits"]:
            # Made plain while the mode still watches: a lazy value cannot run anything later.
            try:
                state["outcome"] = ("ok", (plain(result), plain(more) if has_extra is True else None))
            except Trip:
                pass  # recorded
        state["active"] = False

    def on_disarm(box: Any) -> None:
        if type(box) is not list or not caller_armed():
            return
        state["hooked"] = state["active"] = False
        saved = state["nproc"]
        raised = state["lowered"] and getrlimit(nproc)[0] != 0
        setrlimit(nproc, saved)
        if state["collecting"]:
            gc_enable()
        for put, name, original in spawn_points:
            put(name, original)
        state["armed"] = None
        hits = state["hits"]
        if hits:
            box.append(("forbidden", hits[0]))
        elif not state["ok"]:
            box.append("raise")
        elif raised or tasks() > baseline_tasks:
            box.append(("forbidden", "spawn:a thread or process was started"))
        else:
            box.append(state["outcome"])

    def on_spawn(*args: Any) -> None:
        if state["active"]:
            state["hits"].append("spawn:a thread or process")

    def on_check(box: Any) -> None:
        if type(box) is list:
            box.append(integrity())

    # ------------------------------------------------------------ what the hook hides
    # The guard's own frames hold its state: a frame of one of them, or one called from one
    # (a signal handler that interrupts it), is never handed to student code, nor is any
    # object through gc's walks, nor memory through ctypes' pointers. Frames of the
    # submission and of the worker stay open (tracebacks, namedtuple, logging need them).
    def on_frame(frame: Any) -> None:
        if type(frame) is not frame_type or state["own"]:
            return
        for _ in range(10_000):
            if frame is None:
                return
            if id(frame.f_code) in hidden_codes:
                return refuse("the guard's frames")
            frame = frame.f_back

    frame_holders = (types.TracebackType, types.GeneratorType, types.CoroutineType, types.AsyncGeneratorType)

    def on_attribute(owner: Any, name: Any, *rest: Any) -> None:
        if type(name) is not str or name not in FRAME_ATTRIBUTES or owner is state["reading"]:
            return
        if not any(map(is_, repeat(type(owner)), frame_holders)):
            return
        state["reading"] = owner  # the read below raises this event again, for this owner
        try:
            on_frame(getattr(owner, name))
        finally:
            state["reading"] = None

    def on_set_attribute(owner: Any, *rest: Any) -> None:
        if id(owner) in own_ids:
            refuse("the grader's functions")

    def on_new_function(code: Any, *rest: Any) -> None:
        if id(code) in key_codes:
            refuse("a function made of the guard's code")

    def on_trace_set(*args: Any) -> None:
        # A trace or profile callback runs with tracing suspended (code run from one during a
        # ruled call is invisible to the trace hook), and it is given every frame, between
        # any two lines or opcodes: a kernel wrapper's while the hook's answer is in it. Only
        # clearing one is let through (doctest ends with sys.settrace(None)), by the sealed
        # sys.settrace; cProfile and the rest raise this event without it.
        if state["setting"]:
            state["setting"] = False
        elif state["armed"] is not None:
            state["hits"].append("tampering:sys.settrace or sys.setprofile during a ruled call")
        else:
            refuse("sys.settrace or sys.setprofile")

    def on_audit_hook(*args: Any) -> None:
        # Audit hooks run untraced too, at events the submission can raise (sys.audit).
        refuse("an audit hook added")
        raise RuntimeError("convkit: no audit hook may be added while a submission is graded")

    def on_refuse(what: Any) -> None:
        refuse(what if type(what) is str else "?")

    # ------------------------------------------------------------ code that runs unseen
    def on_call(frame: Any, event: Any, arg: Any) -> None:
        """The trace hook of a guarded call, told of every Python function entered (never
        of C calls: a global trace function costs far less than a profile hook, and another
        library's work starts in its Python code). A trip is recorded; the call goes on."""
        if not state["hooked"] or type(frame) is not frame_type:
            return
        code = frame.f_code
        if state["inside"] and code is not tables.wrapper_code:  # the one Python code that runs inside an operator
            state["hits"].append(f"tampering:a Python kernel registered for torch's aten.{state['inside']}")
        verdict = verdicts.get(code, "")
        if verdict == "":
            verdict = verdicts[code] = library(code)
        if verdict and not importing(frame.f_back):
            state["hits"].append(f"library:{verdict}")

    def handler_set() -> bool:
        """Whether a Python-level signal handler is set (one runs between any two bytecodes,
        inside an operator too, when its signal arrives): the worker sets none."""
        for number in signals:
            handler = get_handler(number)
            if not (type(handler) is int or handler is None or handler is default_int_handler):
                return True
        return False

    # ------------------------------------------------------------ spawn blocking
    spawn_points = [(threading.Thread, "start"), (threading, "_start_new_thread"), (_thread, "start_new_thread"),
                    (_thread, "start_new"), (threading, "_start_joinable_thread"), (_thread, "start_joinable_thread"),
                    (os, "fork"), (os, "forkpty"), (os, "posix_spawn"), (os, "posix_spawnp"), (os, "system"),
                    (_posixsubprocess, "fork_exec"), (subprocess, "_fork_exec")]
    # Set by writing the namespace itself: a module's class could answer setattr with student code.
    spawn_points = [(vars(owner).__setitem__ if type(owner) is types.ModuleType else
                     (lambda name, value, owner=owner: type.__setattr__(owner, name, value)), name, getattr(owner, name))
                    for owner, name in spawn_points if hasattr(owner, name)]

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
    site_dirs = tuple({real_path(p) + sep for p in {*site.getsitepackages(), site.getusersitepackages(),
                                                    *(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))}})
    # Where trusted code lives: the standard library, installed packages, the grader's runtime.
    trusted = tuple({real_path(p) + sep for p in (sysconfig.get_paths()["stdlib"], sysconfig.get_paths()["platstdlib"],
                                                  os.path.dirname(os.path.dirname(os.path.dirname(__file__))))}) + site_dirs
    # By id: code objects compare equal by content, and content can be copied.
    import_codes = frozenset(id(code_of(value)) for module in (importlib._bootstrap, importlib._bootstrap_external)
                             for value in [*vars(module).values(), *chain.from_iterable(
                                 vars(cls).values() for cls in vars(module).values() if isinstance(cls, type))]
                             if code_of(value) is not None)
    verdicts: dict[Any, str | None] = {}  # code object -> the forbidden library it belongs to
    places: dict[str, bool] = {}  # file name -> whether it is a trusted place

    def library(code: Any) -> str | None:
        """The forbidden library (or routine) the function of ``code`` is part of, or None."""
        # Exact strings: a code object's names can be str subclasses of the submission's.
        path, code_name = real_path(exact(code.co_filename)), exact(code.co_name)
        root = next((site_dir for site_dir in site_dirs if path.startswith(site_dir)), None)
        # Module bodies run at import (torch importing lazily); their functions are still watched.
        if root is None or code_name == "<module>":
            return None
        module = path[len(root):].rpartition(".")[0].replace(sep, ".").removesuffix(".__init__")
        top = module.partition(".")[0]
        if top not in LIBRARIES:
            return module
        routine = f"{top}.{code_name}"
        return next((r for r in LIBRARY_ROUTINES if module.startswith(r) or routine == r), None)

    def importing(caller: Any) -> bool:
        """Whether a library function runs for the import system (it calls every installed
        meta-path finder, setuptools' among them; torch imports sympy lazily): the import
        machinery's own code is reached, going up the callers, through trusted files only,
        and through code made at run time (``<string>``: sympy's generated functions) only
        where a trusted module's body runs it. A file from anywhere else (the submission, a
        file it wrote) asked for it; so did code made at run time that the import machinery
        called itself (a finder the submission compiled under a name such as "<string>")."""
        generated = False  # a "<...>" frame not yet found inside a trusted module's body
        for _ in range(200):
            if caller is None:
                return False
            code = caller.f_code
            if id(code) in import_codes:  # by identity: a file name such as "<frozen importlib" can be made up
                return not generated
            name = exact(code.co_filename)
            if name.startswith("<"):
                generated = True
            else:
                known = places.get(name)
                if known is None:
                    known = places[name] = real_path(name).startswith(trusted)
                if not known:
                    return False
                if exact(code.co_name) == "<module>":
                    generated = False
            caller = caller.f_back
        return False

    # ------------------------------------------------------------ plain data
    def opaque(kind: str, text: str) -> Any:
        """A wire.Opaque made without its class's __init__ or __setattr__, which student code can replace."""
        made = new_object(opaque_type)
        space = opaque_space(made)
        space["type"], space["repr"] = kind, text
        return made

    def plain(value: Any, depth: int = 0) -> Any:
        kind = type(value)
        if value is None or kind is bool or kind is int or kind is float or kind is str:
            return value
        if kind is plain_tensor or kind is parameter:
            if dispatch_keys(value).has(python_key):
                raise hit(f"subclass:{type_name(kind)}")[1]
            return clone(detach(value))
        if any(map(is_, mro_of(kind), repeat(plain_tensor))):
            raise hit(f"subclass:{type_name(kind)}"[:120])[1]
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
    for module in watched_modules:
        # warnings.warn(stacklevel=2) from a thunk of the worker's records itself in the
        # worker module's globals: present from the start, it is a dict changed in place.
        vars(module).setdefault("__warningregistry__", {})
    # The classes those modules define (json's JSONEncoder and JSONDecoder: their methods
    # run on every frame), the socket the frames travel on, and torch's classes, whose
    # methods the wire and plain() call.
    own_classes = [*classes_of(watched_modules), Tripwire, socket.socket]
    watched_classes = [*own_classes, torch.Tensor, torch._C.TensorBase, torch.nn.Module, TorchDispatchMode, handle_type]
    # A dict is read by iterating it, never by looking a name up: a key of the submission's
    # (a str subclass whose hash collides) would run its __eq__ inside the hook.
    builtins_space = vars(builtins)
    builtin_keys = frozenset(map(id, builtins_space))

    def entries(space: dict, keys: frozenset) -> Iterator[Any]:
        """The values of ``space`` whose key is one of the key objects ``keys`` (by id), in order."""
        return (value for key, value in dict.items(space) if id(key) in keys)

    def parts() -> list[tuple[str, Callable[[], Iterable[Any]]]]:
        """What is watched, by name: each part's objects, in an order that does not change
        unless the part does (dicts keep insertion order)."""
        found: list[tuple[str, Callable[[], Iterable[Any]]]] = []
        for owner in dict.fromkeys([*watched_modules, *watched_classes]):  # once each (OSError is IOError)
            if isinstance(owner, type) and owner.__flags__ & IMMUTABLE_TYPE:
                # int's or TensorBase's namespace cannot be changed short of reaching its dict
                # through gc or ctypes, which the hook refuses.
                continue
            space = vars(owner)
            if owner is builtins:
                # A name added to builtins shadows nothing (it is looked up last), and honest
                # code may add one; a builtin replaced or removed is a change.
                found.append((owner.__name__, lambda: entries(builtins_space, builtin_keys)))
            elif owner in watched_modules:
                # A module's class too: a ModuleType subclass with its own __getattribute__
                # would answer for names its namespace still holds.
                found.append((owner.__name__, lambda space=space, owner=owner: chain(space, space.values(), (type(owner),))))
            else:
                found.append((f"{owner.__module__}.{owner.__qualname__}",
                              lambda space=space: chain(space, space.values())))
        # The closure cells of every Python function of the grader's (a cell's contents can
        # be replaced or emptied; their code and defaults the hook watches as they change).
        found.append(("the grader's functions", lambda: map(cell_contents, cells)))
        return found

    def same(now: tuple, then: tuple) -> bool:
        """Element by element by identity: no object's own __eq__ runs (student code could)."""
        return len(now) == len(then) and all(map(is_, now, then))

    def integrity() -> str | None:
        # One flat comparison by identity after every request (a few thousand objects);
        # the parts are compared one by one only to name what changed.
        if state["edited"]:
            return "tampering:" + state["edited"]
        if not same(tuple(chain.from_iterable(observe() for _, observe in watched_parts)), baseline_flat):
            return "tampering:" + next((name for name, observe in watched_parts
                                        if not same(tuple(observe()), baseline[name])), "the grader's machinery")
        if state["active"] or state["armed"] is not None or dispatch_depth() or function_depth():
            return "tampering:a torch dispatch or function mode was left installed"
        if get_trace() is not None or get_profile() is not None:
            return "tampering:a trace or profile hook was left installed"
        return None

    # ------------------------------------------------------------ the hook
    handlers: dict[str, Callable[..., None]] = {
        "convkit.operator": on_operator, "convkit.operator_done": on_operator_done, "convkit.unknown": on_unknown,
        "convkit.kernel": on_kernel, "convkit.sealed": on_sealed, "convkit.arm": on_arm, "convkit.start": on_start,
        "convkit.returned": on_returned, "convkit.disarm": on_disarm, "convkit.spawn": on_spawn,
        "convkit.check": on_check, "convkit.call": on_call, "convkit.refuse": on_refuse,
        "sys._getframe": on_frame, "object.__getattr__": on_attribute, "object.__setattr__": on_set_attribute,
        "function.__new__": on_new_function, "exec": on_new_function, "sys.settrace": on_trace_set,
        "sys.setprofile": on_trace_set, "sys.addaudithook": on_audit_hook}

    def audit(event: str, args: tuple) -> None:
        """The guard's audit hook: every decision, and the refusals. It never runs student
        code (it reads the submission's objects by type and identity only) and never lets an
        exception out, whose traceback would hold its frame (but the one CPython swallows)."""
        handler = handlers.get(event)
        if handler is None:
            if event in REFUSED_EVENTS or (event in RULED_EVENTS and state["armed"] is not None):
                refuse(event)
            return
        if handler is on_attribute and (type(args[1]) is not str or args[1] not in FRAME_ATTRIBUTES):
            return  # the most frequent event (every f_code the trace reads): settled at once
        if handler is on_frame and state["own"]:
            return  # the hook's own request for its caller's frame
        # No collection while the hook runs: a finalizer of the submission's would run under
        # its frame (a signal handler is dropped there: _deliverer).
        collecting = gc_enabled()
        gc_disable()
        try:
            handler(*args)
        except (RecursionError, MemoryError):
            # The submission's own limit reached inside the hook: the call it was checking
            # went unchecked, which on_returned weighs (an error, or a trip if it went on).
            state["cut"] = True
        except RuntimeError:
            if event == "sys.addaudithook":
                raise  # CPython swallows it and keeps the new hook out
            refuse(f"the guard's event {event}")
        except BaseException:  # noqa: BLE001 - a student-raised event of the wrong shape, or a fault of the guard's
            refuse(f"the guard's event {event}")
        finally:
            if collecting:
                gc_enable()

    # The code of every Python function of the watched modules and of their classes
    # (torch's classes' methods are mostly C, and the wire calls none of its Python ones),
    # and every function the guard puts where a submission can reach it.
    reachable = [dispatch, vars(Tripwire)["_should_skip_dynamo"].__func__, no_spawn, run_guarded, check,
                 set_debug_sealed, registry_rule, *sealed]
    own_functions = [f for f in [getattr(value, "__func__", value) for space in
                                 [vars(owner) for owner in [*watched_modules, *own_classes]] for value in space.values()]
                     + [*functions, *reachable] if type(f) is types.FunctionType]
    cells = [cell for function in own_functions for cell in function.__closure__ or ()]
    own_ids = frozenset(map(id, own_functions))
    state["functions"] = own_functions  # alive, so that no other object takes one of their ids
    # Frames never handed to student code: the hook's and those of every function it calls.
    # (build's own frame is gone before any student code runs; a kernel wrapper's holds
    # nothing, and torch's errors from a kernel come through it to honest code.)
    hidden_codes = frozenset(id(code) for code in _codes_in(build.__code__) if code is not build.__code__)
    key_codes = frozenset(map(id, (run_code, sealed_code, tables.wrapper_code)))  # no function may be made of them
    # Where a signal handler is dropped: the hook, and the functions that hold its answer
    # for a moment (a wrapper's kernel, a sealed function's original) before calling it.
    quiet_codes = hidden_codes | key_codes | {id(_dispatch.__code__)}
    watched_parts = parts()
    baseline = {name: tuple(observe()) for name, observe in watched_parts}
    baseline_flat = tuple(chain.from_iterable(baseline.values()))
    baseline_tasks = tasks()
    state["kernels"] = tables.registrations  # registrations last as long as their handles
    add_audit_hook(audit)
    try:
        with Tripwire():
            torch.zeros(1).neg()
    finally:
        registry.find_torch_dispatch_rule = torch_rule
    if not asked:
        raise RuntimeError("convkit guard: a mode ran before the guard was built, so torch's rule lookup "
                           "for modes could not be replaced")
    return run_guarded, check


# ---------------------------------------------------------------- what a submission can reach
# build() puts these where student code can reach them: in torch's modules, on torch's mode
# stack, in the worker's frames. Each is made by _thin: no closure, no globals, only
# keyword arguments bound when it is made (changing them, or making a function of their
# code, is refused by the hook). They decide nothing and hold no original: they tell the
# guard's audit hook what is happening through sys.audit, and do what its box says.
# A box is a list made here (``[]``), never one the caller hands in.
UNKNOWN = "operator:?"  # a trip on an operator torch does not define, until dispatch names it
FRAME_ATTRIBUTES = frozenset({"tb_frame", "gi_frame", "cr_frame", "ag_frame"})
# Audit events that only code reaching for the guard's hidden state raises: gc's walks over
# every object and other threads' frames, refused at once; ctypes' symbols and raw memory,
# refused during a ruled call (outside one, the sandbox's own tests use them, and CPython
# audits neither ctypes.memmove nor ctypes.cast: see docs/threat-model.md).
REFUSED_EVENTS = frozenset({"gc.get_objects", "gc.get_referrers", "gc.get_referents", "sys._current_frames",
                            "sys._current_exceptions"})
RULED_EVENTS = frozenset({"ctypes.dlopen", "ctypes.dlsym", "ctypes.dlsym/handle", "ctypes.cdata",
                          "ctypes.cdata/buffer", "ctypes.addressof", "ctypes.string_at", "ctypes.wstring_at",
                          "ctypes.PyObj_FromPtr", "ctypes.call_function"})


def _dispatch(self: Any, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None, *,
              _audit: Any, _label: Any, _unknown: Any) -> Any:
    """The mode's handler: the hook answers ``(True, trip)`` or ``(False, entry point)``."""
    box: list = []
    _audit("convkit.operator", func, types, box)
    if box[-1][0]:
        if box[-1][1].args == (_unknown,):
            _audit("convkit.unknown", _label(func))
        raise box.pop()[1]
    try:
        return box.pop()[1](*args, **(kwargs or {}))
    finally:
        _audit("convkit.operator_done")


def _sealed(*args: Any, _audit: Any, _index: Any, **kwargs: Any) -> Any:
    """One of torch's dispatch functions, sealed: the hook answers with its original outside
    a ruled call, which is called straight from the box (no name of this frame holds it)."""
    args, box = [*args], []
    _audit("convkit.sealed", _index, args, kwargs, box)
    if box[-1][0]:
        raise box.pop()[1]
    return box.pop()[1](*args, **kwargs)


def _run_guarded(spec: Any, thunk: Any, extra: Any = None, *, _audit: Any, _mode: Any, _base: Any) -> Any:
    """build()'s run_guarded: arms the hook, runs ``thunk`` under the mode, returns the hook's verdict."""
    if spec is None:  # no rule: nothing to watch (the wire strips subclasses to their data)
        result = thunk()
        return "ok", (result, extra() if extra else None)
    box: list = []
    _audit("convkit.arm", spec, box)
    if box:
        return box.pop()
    error = None
    try:
        with _mode():
            _audit("convkit.start")
            try:
                result = thunk()
                more = extra() if extra else None
            except _base as exc:  # noqa: BLE001 - the hook knows whether a trip explains it
                error, result, more = exc, None, None
            _audit("convkit.returned", error is None, result, more, extra is not None)
    finally:
        _audit("convkit.disarm", box)
    if box[-1] == "raise":
        raise error
    return box.pop()


def _check(*, _audit: Any) -> Any:
    """build()'s check: the hook's integrity check."""
    box: list = []
    _audit("convkit.check", box)
    return box.pop()


def _no_spawn(*args: Any, _audit: Any, _trip: Any, **kwargs: Any) -> Any:
    """What starts a thread or a process during a ruled call."""
    _audit("convkit.spawn")
    raise _trip("spawn:a thread or process")


def _rule(op: Any, mode_class: Any, *, _mode: Any, _rule: Any, _asked: Any) -> Any:
    """torch's finder of rules registered for a mode, but for the guard's mode."""
    if mode_class is _mode:
        _asked.append(True)
        return None
    return _rule(op, mode_class)


def _set_debug(flags: Any, *, _audit: Any, _set: Any, _flag: Any, _index: Any) -> Any:
    """gc.set_debug without DEBUG_SAVEALL, which would keep collected frames in gc.garbage."""
    flags = _index(flags)
    if flags & _flag:
        _audit("convkit.refuse", "gc.DEBUG_SAVEALL")
    return _set(flags)


def _no_dynamo(cls: Any) -> bool:
    """The default wraps the mode's handler in a lazy torch._dynamo import (over 1 s)."""
    return False


def _thin(function: types.FunctionType, **bound: Any) -> types.FunctionType:
    """``function``'s code as a new function with no globals and no closure, its
    keyword-only arguments bound to ``bound``."""
    # Builtins are there for torch's C++, which reads them from the calling frame; the
    # function itself reads no global.
    made = types.FunctionType(function.__code__, {"__builtins__": builtins}, function.__name__, function.__defaults__)
    made.__kwdefaults__ = bound or None
    return made


def _deliverer(handler: Callable[[int, Any], Any], hidden: frozenset[int]) -> Callable[[int, Any], Any]:
    """A Python signal handler that is given no frame, and that is dropped when its signal
    arrives while the guard's own code runs (``hidden``: ids of its code objects), where it
    would see the guard's frames. Such a window lasts microseconds; raising the signal again
    would only land in the next one."""
    def deliver(signum: int, frame: Any) -> Any:
        while frame is not None:
            if id(frame.f_code) in hidden:
                frame = None
                return None
            frame = frame.f_back
        return handler(signum, None)
    return deliver


def _freeze(cls: type) -> None:
    """Make ``cls`` immutable as a class of C is (``Py_TPFLAGS_IMMUTABLETYPE``): no
    attribute of it can be set or deleted, ``type.__setattr__`` included. CPython offers
    no Python call for it, so the flag is set in the type object's ``tp_flags``, found by
    its value and checked through ``__flags__``; before any student code exists.

    >>> class Kept:
    ...     value = 1
    >>> _freeze(Kept)
    >>> Kept.value = 2
    Traceback (most recent call last):
    TypeError: cannot set 'value' attribute of immutable type 'Kept'
    """
    import ctypes

    flags = cls.__flags__
    for offset in range(0, 512, ctypes.sizeof(ctypes.c_ulong)):
        word = ctypes.c_ulong.from_address(id(cls) + offset)
        if word.value != flags:
            continue
        word.value = flags | IMMUTABLE_TYPE
        if cls.__flags__ == flags | IMMUTABLE_TYPE:
            return
        word.value = flags  # another field that held the same number
    raise RuntimeError(f"convkit guard: could not make {cls.__name__} immutable")


def _codes_in(code: types.CodeType) -> Iterator[types.CodeType]:
    """``code`` and every code object nested in it (functions, lambdas, comprehensions).

    >>> sorted(c.co_name for c in _codes_in(compile("def f():\\n    return [x for x in ()]", "<x>", "exec")))
    ['<listcomp>', '<module>', 'f']
    """
    yield code
    for constant in code.co_consts:
        if type(constant) is types.CodeType:
            yield from _codes_in(constant)


class Tables(NamedTuple):
    """What the guard reads of torch, and installs in it, before any student code exists
    (:func:`prepare`). Held by the process that prepared it and handed to :func:`build`,
    never kept by a module: it holds torch's original kernels and functions, which a
    submission importing this module must not be able to reach."""
    operators: dict[int, tuple[str, Any]]  # id(aten overload) -> (name, C++ entry point)
    overloads: list[Any]  # those overloads, kept alive so that their ids stay theirs
    sites: list[tuple[Any, Any, Any]]  # (namespace or list, name or index, original) of what build() seals
    registrations: dict[str, Any]  # the wrappers stay registered as long as these live
    wrapper_code: types.CodeType  # the wrappers' code, which runs inside operators
    kernels: list[tuple[str, str, Any]]  # slot -> (name as the allowlists say it, label, original call_boxed)
    early: list[Any]  # [kernels] for the wrappers to run theirs until build() empties it


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
             (signal, ("signal",)), (_signal, ("signal",)), (sys, ("settrace", "setprofile")))
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

    # A wrapper holds no kernel once a guard is built: the guard's audit hook answers its
    # code, and only its code, with the kernel to run or the trip to raise (found through gc,
    # or read in a frame, a wrapper hands out nothing).
    audit_event = sys.audit
    kernels: list[tuple[str, str, Any]] = []
    early: list[Any] = [kernels]

    def tripwire(slot: int) -> Callable[..., Any]:
        def kernel(keyset: Any, *args: Any, **kwargs: Any) -> Any:
            box = []
            for before_build in early:  # no comprehension: its frame would be Python code inside an operator
                box.append((False, before_build[slot][2]))
            audit_event("convkit.kernel", slot, box)
            if box[-1][0]:
                raise box.pop()[1]
            return box.pop()[1](keyset, *args, **kwargs)
        return kernel

    registrations: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "overriding a previously registered kernel": that is the point
        for namespace, overload, name, key, original in _kernels(torch, names):
            if namespace not in registrations:
                registrations[namespace] = register("IMPL", namespace, "", __file__, 0)
            own_name = name if namespace == "aten" else f"{namespace}::{name}"  # as the allowlists name it
            kernels.append((own_name, f"{namespace}.{name}", original.call_boxed))
            registrations[namespace].impl(overload, key, tripwire(len(kernels) - 1), True)
    return Tables(operators, overloads, sites, registrations, tripwire(-1).__code__, kernels, early)


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
