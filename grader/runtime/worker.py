"""The worker: the only process where a student's code runs.

``grader/isolation/launch.py`` starts it with a private copy of one submission as its working
folder and one end of a socket pair as file descriptor ``--fd``. It then answers
requests (see ``grader/runtime/wire.py`` for the format) until the socket closes:

- ``{"id", "cmd": "load", "module"}``: import the student's module (``X.py``, or
  ``X.ipynb`` run cell by cell); every request may add ``"standins": [exercise, ...]``
  to see the module as imported with correct stand-ins of those (``standins.py``);
- ``{"id", "cmd": "call", "module", "function", "args", "kwargs", "guard",
  "return_inputs"}``: call one student function;
- ``{"id", "cmd": "op", "module", "name", "payload", "guard"}``: run a registered op.

Replies are ``{"id", "result", "inputs"?, "notes"}``, ``{"id", "error": {...},
"notes"}`` or ``{"id", "forbidden": "<kind>:<detail>", "notes"}`` (kinds: see
``grader/runtime/guard.py``; e.g. ``"operator:im2col"``). Nothing here decides a
grade: the grading side checks every value it gets back.

Ops are composite operations that need live student objects (build an nn.Module,
load weights, run autograd). Register one with ``@op("name")`` in a module listed in
``OP_MODULES``; it receives the student's module and the request's payload and
returns plain data (tensors, numbers, tuples, lists, dicts of str)::

    @op("module_forward")
    def module_forward(namespace, cls, args, x): ...

This module, ``grader/runtime/wire.py``, ``grader/runtime/notebook_import.py`` (which runs notebooks
here as it does for students) and the op modules are copied next to each other into a
private runtime folder before the worker starts, so the worker reads nothing from the
repository; they may import only the standard library, torch and each other.
"""
from __future__ import annotations

import importlib
import importlib.util
import json
import os
import resource
import signal
import socket
import sys
import traceback
import types
from pathlib import Path
from typing import Any, Callable

from grader.runtime import guard, lifetime, notebook_import, seccomp

# Modules whose ops are registered when present (the MNIST ops are optional).
OP_MODULES: tuple[str, ...] = ("grader.runtime.conv_ops", "grader.runtime.mnist_ops")

_OPS: dict[str, Callable[..., Any]] = {}
_NOTES: list[dict] = []  # structured notes (failed notebook cells), sent with the next reply


class MissingName(Exception):
    """The student's module does not define a name the grader needs."""


def op(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn(namespace, **payload) -> plain data`` as the worker op ``name``."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _OPS[name] = fn
        return fn

    return register


def registered(name: str) -> Callable[..., Any] | None:
    """The op registered as ``name`` (the grading side replays conv ops on mutants of the reference)."""
    return _OPS.get(name)


def student_attr(namespace: types.ModuleType, name: str) -> Any:
    """``namespace.name``, or ``MissingName`` saying which file lacks it."""
    try:
        return getattr(namespace, name)
    except AttributeError:
        where = os.path.basename(getattr(namespace, "__file__", None) or namespace.__name__)
        raise MissingName(f"{where} does not define {name}") from None


# ---------------------------------------------------------------- notebooks
class SubmissionLoader(notebook_import.NotebookLoader):
    """Runs a notebook's cells with ``notebook_import.run_cells``; a failing cell is noted and skipped."""

    # Unlike a student's import, grading runs the demo and check cells too: they are
    # no-ops under CONVKIT_GRADING, as in nbgrader's autograde run, and a grade must
    # not depend on cell metadata the student never sees in Jupyter.
    skipped_roles: tuple[str, ...] = ()

    def cell_failed(self, number: int, error: BaseException) -> None:
        if isinstance(error, (guard.Trip, KeyboardInterrupt)):
            raise error
        _NOTES.append({"kind": "cell_failed", "file": self.path.name, "cell": number,
                       "type": type(error).__name__, "message": _safe_str(error)})


class SubmissionFinder(notebook_import.NotebookFinder):
    """Imports ``name.ipynb`` from the submission folder only, when there is no ``name.py``."""

    def __init__(self, folder: Path):
        self.folder = folder

    def folders(self) -> list[Path]:
        return [self.folder]

    def loader(self, notebook: Path) -> SubmissionLoader:
        return SubmissionLoader(notebook)

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> Any:
        found = notebook_import.module_file(self.folder, name)
        if found is None or found.suffix != ".ipynb":
            return None
        return super().find_spec(name, path, target)


# ---------------------------------------------------------------- requests
def _safe_str(exc: BaseException) -> str:
    try:
        return str(exc)[:2000]
    except BaseException:  # noqa: BLE001 - a student's __str__ may fail in any way
        return "<unprintable exception>"


def _student_frames(tb: Any, folder: Path) -> list[str]:
    """Traceback lines from the student's own files only, innermost last."""
    lines = []
    for frame in traceback.extract_tb(tb):
        name = frame.filename
        # "<frozen importlib._bootstrap>" is relative, so it would seem to be in the folder.
        in_folder = not name.startswith("<") and os.path.dirname(os.path.abspath(name)) == str(folder)
        if not (in_folder or ".ipynb, cell " in name):
            continue
        shown = os.path.basename(name) if in_folder else name
        code = (frame.line or "").strip()
        code = code if len(code) <= 100 else code[:97] + "..."
        lines.append(f'{shown}, line {frame.lineno}, in {frame.name}' + (f": {code}" if code else ""))
    return lines[-6:]


def _error(exc: BaseException, folder: Path) -> dict:
    mro = [c.__name__ for c in type(exc).__mro__]
    return {"type": type(exc).__name__, "mro": mro, "message": _safe_str(exc),
            "trace": _student_frames(exc.__traceback__, folder)}


_ISOLATED: dict[tuple[str, tuple[str, ...]], types.ModuleType] = {}


def load_module(name: str, standins: Any = (), folder: Path | None = None) -> types.ModuleType:
    """Import the student's module ``name`` (``.py`` or ``.ipynb``) once; with ``standins``
    (exercise names), as it is seen with correct stand-ins of those (``standins.py``)."""
    if not name.isidentifier():
        raise ValueError(f"bad module name {name!r}")
    from grader.runtime import standins as standin_modules

    chosen = tuple(s for s in standins if s in standin_modules.MODULES and s != name) if folder else ()
    if not chosen:
        return importlib.import_module(name)
    if (name, chosen) not in _ISOLATED:
        def is_student(module: Any) -> bool:
            return os.path.dirname(os.path.abspath(getattr(module, "__file__", None) or "/")) == str(folder)

        _ISOLATED[name, chosen] = standin_modules.import_isolated(name, chosen, is_student)
    return _ISOLATED[name, chosen]


def _imported_as(name: str, module: types.ModuleType, thunk: Callable[[], Any]) -> Callable[[], Any]:
    """``thunk``, run with ``module`` in ``sys.modules`` under ``name`` (the request's, not the
    module's own ``__name__``, which is the submission's). A module imported beside
    stand-ins is set aside after its import, and library code that looks a function's
    module up there found nothing: ``dataclasses`` does, for a class defined in a function
    of a module with string annotations (``from __future__ import annotations``).

    The name is put back inside the guarded call: whatever the call left under it is
    dropped there, so a finalizer of the submission's runs under the guard, not after it
    beside the reply (red team, stop 26)."""
    def run() -> Any:
        before = sys.modules.get(name)
        sys.modules[name] = module
        try:
            return thunk()
        finally:
            if before is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = before
    return run


def handle(request: dict, folder: Path, run_guarded: Callable[..., tuple[str, Any]],
           ops: dict[str, Callable[..., Any]]) -> dict:
    """Answer one request; every failure of student code becomes an error reply.

    A call or op runs through ``run_guarded`` (grader/runtime/guard.py) with the
    request's ``guard`` (its function's rule, or None).
    """
    rid = request.get("id")
    spec = request.get("guard")
    spec = spec if type(spec) is dict else None
    try:
        module = load_module(request["module"], request.get("standins") or (), folder)
        if request["cmd"] == "load":
            return {"id": rid, "result": None}
        if request["cmd"] == "call":
            fn = student_attr(module, request["function"])
            args, kwargs = request.get("args", []), request.get("kwargs", {})
            thunk: Callable[[], Any] = lambda: fn(*args, **kwargs)  # noqa: E731
            extra = (lambda: {"args": args, "kwargs": kwargs}) if request.get("return_inputs") else None
        elif request["cmd"] == "op":
            fn, payload = ops[request["name"]], request.get("payload", {})
            thunk, extra = (lambda: fn(module, **payload)), None
        else:
            raise ValueError(f"unknown command {request['cmd']!r}")
        status, value = run_guarded(spec, _imported_as(request["module"], module, thunk), extra)
    except BaseException as exc:  # noqa: BLE001 - SystemExit and friends are the student's too
        return {"id": rid, "error": _error(exc, folder)}
    if status == "forbidden":
        return {"id": rid, "forbidden": value}
    reply = {"id": rid, "result": value[0]}
    if extra is not None:
        reply["inputs"] = value[1]
    return reply


def _forbidden_frame(rid: Any, what: str) -> bytes:
    """The frame of a ``forbidden`` reply, built without json: it is sent when the check
    found the machinery changed, and json's encoder is part of it.

    >>> _forbidden_frame(7, 'tampering:json')[4:]
    b'{"id":7,"forbidden":"tampering:json","notes":[]}'
    """
    number = str(int.__index__(rid)) if type(rid) is int else "null"
    text = "".join(c if c.isalnum() or c in " :._-'" else "?" for c in str.__str__(what))
    body = ('{"id":' + number + ',"forbidden":"' + text + '","notes":[]}').encode("ascii", "replace")
    return len(body).to_bytes(4, "big") + body


def _apply_limits(limits: dict) -> None:
    """Lower this process's rlimits before any student code runs (see grader/isolation/launch.py)."""
    for name, value in limits.items():
        which = getattr(resource, name)
        soft, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        # 5 s of slack on CPU so SIGXCPU, which names the cause, comes before SIGKILL.
        ceiling = value + 5 if which == resource.RLIMIT_CPU else value
        resource.setrlimit(which, (value, ceiling if hard == resource.RLIM_INFINITY else min(ceiling, hard)))


def _progress_bars_without_monitor() -> None:
    """tqdm without its monitor thread, before any student code: its code may run in a
    ruled call (guard.LIBRARIES), but the thread its first bar starts would make every
    later ruled call refuse to run (a thread beside it could do its work unwatched)."""
    if importlib.util.find_spec("tqdm") is not None:
        importlib.import_module("tqdm").tqdm.monitor_interval = 0


def main(argv: list[str], tables: list | None = None) -> None:
    """``worker --fd N --limits JSON``: serve requests for the submission in the current
    folder. ``tables``: ``[guard.prepare()'s]`` from a zygote that prepared them for all
    its workers, taken out of the list here (a cold worker prepares its own)."""
    # First, while this is the only thread and no student code exists: the kernel's key
    # store, shared by every worker of a uid, is closed to this process and all it starts.
    seccomp.deny_keyring()
    fd = int(argv[argv.index("--fd") + 1])
    _apply_limits(json.loads(argv[argv.index("--limits") + 1]))
    lifetime.die_with_parent(signal.SIGKILL)
    folder = Path.cwd().resolve()
    os.environ["CONVKIT_GRADING"] = "1"
    os.environ["MPLBACKEND"] = "Agg"
    import torch

    torch.set_num_threads(1)
    _progress_bars_without_monitor()
    from grader.runtime import wire

    for name in OP_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
    sys.path.insert(0, str(folder))
    # Replaces the finder that importing notebook_import installed, which searches all of sys.path.
    notebook_import.install(SubmissionFinder(folder))
    sys.argv = [str(folder / "submission")]
    sock = socket.socket(fileno=fd)
    # Locals, bound before any student code runs: rebinding a module global changes
    # nothing here, and changing the objects themselves fails guard's integrity check.
    ops = types.MappingProxyType(dict(_OPS))  # a private copy: editing _OPS changes nothing
    serve, frame, receive, notes, exit_now, forbidden_frame = handle, wire.frame, wire.receive, _NOTES, os._exit, _forbidden_frame
    send_bytes = sock.sendall
    answering: list[Any] = [None]  # the id of the request being answered

    def refused(what: str) -> None:
        """The guard's hook saw student code reach for what it hides: that request is
        forbidden, and this worker, whose state it may have seen, answers no other."""
        send_bytes(forbidden_frame(answering[0], what))
        exit_now(0)

    run_guarded, check = guard.build([sys.modules[__name__], guard, notebook_import,
                                      *(sys.modules[name] for name in OP_MODULES if name in sys.modules)],
                                     list(ops.values()), tables.pop() if tables else None, refused)
    while True:
        try:
            request = receive(sock)
        except EOFError:
            return
        answering[0] = request.get("id") if type(request) is dict else None
        reply = serve(request, folder, run_guarded, ops)
        reply["notes"] = notes[:]
        notes.clear()
        # The reply becomes bytes BEFORE the check, and only bytes move after it: no code of
        # the student's (a __class__ property, a patched encoder that puts itself back) runs
        # between the check and the grading side.
        try:
            data = frame(reply)
        except Exception as exc:  # noqa: BLE001 - a returned object that breaks encoding
            data = frame({"id": reply.get("id"), "notes": [], "error": {
                "type": "UnencodableResult", "mro": ["UnencodableResult"],
                "message": f"the returned value could not be sent back ({type(exc).__name__})", "trace": []}})
        tampered = check()
        if tampered:
            data = forbidden_frame(reply.get("id"), tampered)
        send_bytes(data)
        if tampered:
            exit_now(0)  # a worker whose machinery was changed never answers again

if __name__ == "__main__":
    main(sys.argv)
