"""The worker: the only process where a student's code runs.

``grader/isolation/launch.py`` starts it with a private copy of one submission as its working
folder and one end of a socket pair as file descriptor ``--fd``. It then answers
requests (see ``grader/runtime/wire.py`` for the format) until the socket closes:

- ``{"id", "cmd": "load", "module"}``: import the student's module (``X.py``, or
  ``X.ipynb`` run cell by cell);
- ``{"id", "cmd": "call", "module", "function", "args", "kwargs", "guard",
  "return_inputs"}``: call one student function;
- ``{"id", "cmd": "op", "module", "name", "payload", "guard"}``: run a registered op.

Replies are ``{"id", "result", "inputs"?, "notes"}``, ``{"id", "error": {...},
"notes"}`` or ``{"id", "forbidden": "F.conv2d", "notes"}``. Nothing here decides a
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

import contextlib
import functools
import importlib
import importlib.util
import json
import os
import resource
import socket
import sys
import traceback
import types
from pathlib import Path
from typing import Any, Callable, Iterator

from grader.runtime import notebook_import

# Modules whose ops are registered when present (the MNIST ops are optional).
OP_MODULES: tuple[str, ...] = ("grader.runtime.conv_ops", "grader.runtime.mnist_ops")

_OPS: dict[str, Callable[..., Any]] = {}
_NOTES: list[dict] = []  # structured notes (failed notebook cells), sent with the next reply


class ForbiddenRoutine(BaseException):
    """Raised by a tripwire; a BaseException so ``except Exception`` in student code misses it."""


class MissingName(Exception):
    """The student's module does not define a name the grader needs."""


def op(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register ``fn(namespace, **payload) -> plain data`` as the worker op ``name``."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _OPS[name] = fn
        return fn

    return register


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
        if isinstance(error, (ForbiddenRoutine, KeyboardInterrupt)):
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
        if (self.folder / f"{name}.py").exists():
            return None
        return super().find_spec(name, path, target)


# ---------------------------------------------------------------- tripwires
@contextlib.contextmanager
def guarded(guard: list[dict]) -> Iterator[list[str]]:
    """Trip on forbidden routines while student code runs; yields the list of hits.

    ``guard`` comes from the grading side (``grader/grading/forbidden.py``): each entry names
    a routine (``"name"``) and either the aten operators it reaches (``"aten"``;
    caught by a dispatch mode, so aliases and private paths such as
    ``torch._C._nn.im2col`` are caught too) or ``"autograd": true``.
    """
    hits: list[str] = []
    aten = {op_name: entry["name"] for entry in guard for op_name in entry.get("aten", ())}
    autograd = [entry["name"] for entry in guard if entry.get("autograd")]
    with contextlib.ExitStack() as stack:
        if aten:
            stack.enter_context(_AtenTripwire(aten, hits))
        if autograd:
            stack.enter_context(_autograd_tripwire(autograd[0], hits))
        yield hits


def _trip(name: str, hits: list[str]) -> None:
    hits.append(name)
    raise ForbiddenRoutine(name)


@functools.lru_cache(maxsize=None)
def _aten_tripwire_class() -> type:
    from torch.utils._python_dispatch import TorchDispatchMode

    class AtenTripwire(TorchDispatchMode):
        @classmethod
        def _should_skip_dynamo(cls) -> bool:
            # The default wraps the handler in a lazy torch._dynamo import (over 1 s).
            return False

        def __init__(self, ops: dict[str, str], hits: list[str]):
            super().__init__()
            self.ops, self.hits = ops, hits

        def __torch_dispatch__(self, func: Any, types: Any, args: tuple = (), kwargs: dict | None = None) -> Any:
            name = func._schema.name.split("::")[-1]
            if name in self.ops:
                _trip(self.ops[name], self.hits)
            return func(*args, **(kwargs or {}))

    return AtenTripwire


def _AtenTripwire(ops: dict[str, str], hits: list[str]) -> Any:
    return _aten_tripwire_class()(ops, hits)


@contextlib.contextmanager
def _autograd_tripwire(name: str, hits: list[str]) -> Iterator[None]:
    import torch
    import torch.autograd.graph as graph

    def tripwire(*args: Any, **kwargs: Any) -> None:
        _trip(name, hits)

    targets = [(torch.autograd, "backward"), (torch.autograd, "grad"), (torch.Tensor, "backward")]
    targets += [(m, "_engine_run_backward") for m in (torch.autograd, graph) if hasattr(m, "_engine_run_backward")]
    saved = [(owner, attr, getattr(owner, attr)) for owner, attr in targets]
    for owner, attr, _ in saved:
        setattr(owner, attr, tripwire)
    try:
        yield
    finally:
        for owner, attr, original in saved:
            setattr(owner, attr, original)


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


def load_module(name: str) -> types.ModuleType:
    """Import the student's module ``name`` (``.py`` or ``.ipynb``) once."""
    if not name.isidentifier():
        raise ValueError(f"bad module name {name!r}")
    return importlib.import_module(name)


def handle(request: dict, folder: Path) -> dict:
    """Answer one request; every failure of student code becomes an error reply."""
    rid = request.get("id")
    guard = request.get("guard") or []
    try:
        module = load_module(request["module"])
        if request["cmd"] == "load":
            reply: dict = {"result": None}
        elif request["cmd"] == "call":
            fn = student_attr(module, request["function"])
            args, kwargs = request.get("args", []), request.get("kwargs", {})
            with guarded(guard) as hits:
                try:
                    result = fn(*args, **kwargs)
                except ForbiddenRoutine:
                    result = None
            if hits:
                return {"id": rid, "forbidden": hits[0]}
            reply = {"result": result}
            if request.get("return_inputs"):
                reply["inputs"] = {"args": args, "kwargs": kwargs}
        elif request["cmd"] == "op":
            fn = _OPS[request["name"]]
            with guarded(guard) as hits:
                try:
                    result = fn(module, **request.get("payload", {}))
                except ForbiddenRoutine:
                    result = None
            if hits:
                return {"id": rid, "forbidden": hits[0]}
            reply = {"result": result}
        else:
            raise ValueError(f"unknown command {request['cmd']!r}")
    except ForbiddenRoutine as exc:
        return {"id": rid, "forbidden": str(exc)}
    except BaseException as exc:  # noqa: BLE001 - SystemExit and friends are the student's too
        return {"id": rid, "error": _error(exc, folder)}
    reply["id"] = rid
    return reply


def _apply_limits(limits: dict) -> None:
    """Lower this process's rlimits before any student code runs (see grader/isolation/launch.py)."""
    for name, value in limits.items():
        which = getattr(resource, name)
        soft, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        # 5 s of slack on CPU so SIGXCPU, which names the cause, comes before SIGKILL.
        ceiling = value + 5 if which == resource.RLIMIT_CPU else value
        resource.setrlimit(which, (value, ceiling if hard == resource.RLIM_INFINITY else min(ceiling, hard)))


def _die_with_parent() -> None:
    """Ask Linux to kill this worker if the grading process dies (PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL), 0, 0, 0)
    except Exception:  # noqa: BLE001 - not Linux: the launcher's process-group kill still applies
        pass


def main(argv: list[str]) -> None:
    """``worker --fd N --limits JSON``: serve requests for the submission in the current folder."""
    fd = int(argv[argv.index("--fd") + 1])
    _apply_limits(json.loads(argv[argv.index("--limits") + 1]))
    _die_with_parent()
    folder = Path.cwd().resolve()
    os.environ["CONVKIT_GRADING"] = "1"
    os.environ["MPLBACKEND"] = "Agg"
    import torch

    torch.set_num_threads(1)
    from grader.runtime import wire

    for name in OP_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
    sys.path.insert(0, str(folder))
    # Replaces the finder that importing notebook_import installed, which searches all of sys.path.
    notebook_import.install(SubmissionFinder(folder))
    sys.argv = [str(folder / "submission")]
    sock = socket.socket(fileno=fd)
    while True:
        try:
            request = wire.receive(sock)
        except EOFError:
            return
        reply = handle(request, folder)
        reply["notes"] = _NOTES[:]
        _NOTES.clear()
        try:
            wire.send(sock, reply)
        except Exception as exc:  # noqa: BLE001 - a returned object that breaks encoding
            wire.send(sock, {"id": reply.get("id"), "notes": [], "error": {
                "type": "UnencodableResult", "mro": ["UnencodableResult"],
                "message": f"the returned value could not be sent back ({type(exc).__name__})", "trace": []}})


if __name__ == "__main__":
    main(sys.argv)
