"""The grading side's proxy to one submission's worker.

A hidden suite calls student code only through a ``StudentSession``::

    values, indices = student.call("maxpool", "maxpool2d_unfold", H, 2, stride=None)
    out = student.op("module_forward", "loop_conv", cls="Conv2D", args=[3, 4, 1, 3, 0], state=..., x=X)

and gets back plain values rebuilt by ``grader/runtime/wire.py`` (tensors, numbers, tuples,
lists, dicts, ``wire.Opaque``), or one of the ``StudentProblem`` exceptions below,
each carrying the test status it stands for. The session starts the worker lazily,
restarts it after a crash or a timeout (with a fresh copy of the submission), and
keeps a time budget for the whole submission: once it is spent every call raises
``BudgetExhausted``. A module that fails to import, or a function that timed out
once, fails fast afterwards instead of costing the same time again in every test.

Each module is seen with correct stand-ins of the earlier exercises it imports
(``grader/runtime/standins.py``: a bug is charged once), unless the session grades
``cascade`` (``convkit grade --cascade``) or a test asks for ``student.composed()``.
"""
from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Any, Iterator

from grader.course import messages, rules
from grader.course.assignment import EXERCISES
from grader.grading import forbidden
from grader.grading.calls import describe_call
from grader.isolation import submission_files
from grader.isolation.launch import Worker, WorkerGone
from grader.isolation.limits import Limits, error_limit, limit_message
from grader.isolation.untrusted import FIELD_CHARS, NAME_CHARS, untrusted_name, untrusted_text
from grader.runtime.notebook_import import module_file
from grader.runtime.standins import MODULES as STANDIN_MODULES

DEFAULT_BUDGET_S = 180.0  # whole submission, every exercise (MNIST training included)
DEFAULT_CALL_TIMEOUT_S = 10.0
DEFAULT_LOAD_TIMEOUT_S = 30.0  # importing a module (running a notebook's cells)
MAX_NOTES = 20
SKIPPED_SHOWN = 5  # file names quoted in the note on files left out


def cell_failed_note(raw: Any) -> dict | None:
    """The worker's note on a failed notebook cell, rebuilt from plain fields (None if malformed).

    Notes come from the untrusted worker: only this one kind is accepted, with exactly
    the fields its message needs, so a forged note can neither break the report nor
    smuggle in another message.
    """
    fields = ("file", "cell", "type", "message")
    if type(raw) is not dict or raw.get("kind") != "cell_failed" or set(raw) != {"kind", *fields}:
        return None
    if type(raw["cell"]) is not int or not all(type(raw[f]) is str for f in ("file", "type", "message")):
        return None
    return {"kind": "cell_failed", "file": untrusted_text(raw["file"], NAME_CHARS), "cell": raw["cell"],
            "type": untrusted_text(raw["type"], NAME_CHARS), "message": untrusted_text(raw["message"], 500)}


class StudentProblem(Exception):
    """Student code did not produce a value; ``status`` is the test status it means."""

    status = "error"

    def __init__(self, key: str, **fields: Any):
        # Fields quote the worker (type names, messages, traces): bounded, valid text.
        fields = {name: untrusted_text(value, FIELD_CHARS) if isinstance(value, str) else value
                  for name, value in fields.items()}
        super().__init__(key, fields)
        self.key, self.fields = key, fields

    def message(self, lang: str) -> str:
        """The explanation for the student, in ``lang``, naming the worker limit an error came from."""
        text = messages.text(self.key, lang, **self.fields)
        limit = error_limit(f"{self.fields.get('type', '')}: {self.fields['error']}") if "error" in self.fields else None
        return text + (f" ({limit_message(limit, lang=lang)})" if limit else "")


# The start of torch's error for .view on a tensor whose strides do not allow it.
VIEW_LAYOUT_ERROR = "view size is not compatible with input tensor's size and stride"


class StudentError(StudentProblem):
    """The student's code raised; ``type_name``/``mro`` name the exception."""

    def __init__(self, function: str, error: dict):
        self.type_name = untrusted_text(error.get("type", "?"), NAME_CHARS)
        mro = error.get("mro")
        self.mro = [c for c in mro[:64] if type(c) is str] if type(mro) is list else []
        message = str(error.get("message", ""))
        super().__init__("raised", function=function, type=self.type_name, error=message,
                         hint=messages.Text("hint_view_layout") if VIEW_LAYOUT_ERROR in message else "",
                         trace=messages.trace(_trace(error.get("trace"))), call="")

    def called_with(self, call: str) -> "StudentError":
        """This error, its message naming the call that raised it (as a wrong result's does)."""
        self.fields["call"] = messages.Text("call", call=call)
        return self

    def is_a(self, name: str) -> bool:
        """Whether the exception is a ``name`` (e.g. "ValueError"), subclasses included."""
        return name in self.mro


def _trace(lines: Any) -> list[str]:
    """The worker's traceback lines, bounded in number and length, as valid text."""
    if type(lines) is not list:
        return []
    return [untrusted_text(line, 300) for line in lines[:40]]


class LoadError(StudentProblem):
    """The exercise's module could not be imported (syntax error, corrupted notebook...)."""


class MissingExercise(StudentProblem):
    status = "failed"


class MissingFunction(StudentProblem):
    status = "failed"


class StudentTimeout(StudentProblem):
    status = "timeout"


class BudgetExhausted(StudentTimeout):
    """The submission's whole time budget is spent."""


class WorkerCrashed(StudentProblem):
    """The worker process died (crash, os._exit, memory limit) or broke the protocol."""


class ForbiddenCall(StudentProblem):
    status = "forbidden"


def forbidden_reply(function: str, raw: Any) -> ForbiddenCall:
    """The problem a worker's ``"forbidden": "<kind>:<detail>"`` reply stands for (see grader/runtime/guard.py).

    The reply is untrusted but can only hurt its own submission; its detail is capped.
    """
    kind, _, detail = str(raw)[:200].partition(":")
    if kind == "operator":
        routine = rules.routine_of(detail)
        if routine is not None:
            return ForbiddenCall("forbidden_runtime", function=function, routine=routine.name)
        # torch's own operators arrive as "im2col", an operator the submission defined as "ns::name"
        name = detail if "::" in detail else f"aten.{detail}"
        return ForbiddenCall("forbidden_operator", function=function, operator=name)
    if kind == "library":
        return ForbiddenCall("forbidden_library", function=function, library=detail)
    if kind == "autograd":
        return ForbiddenCall("forbidden_runtime", function=function, routine=rules.AUTOGRAD.name)
    if kind == "subclass":
        return ForbiddenCall("forbidden_subclass", function=function, type=detail)
    if kind == "spawn":
        return ForbiddenCall("forbidden_spawn", function=function)
    if kind == "depth":
        return ForbiddenCall("forbidden_depth", function=function)
    return ForbiddenCall("forbidden_tampering", function=function, what=detail or "?")


class StudentSession:
    """Runs one submission's code in a worker and returns what it computed."""

    def __init__(self, src: Path, *, budget_s: float = DEFAULT_BUDGET_S,
                 call_timeout_s: float = DEFAULT_CALL_TIMEOUT_S,
                 load_timeout_s: float = DEFAULT_LOAD_TIMEOUT_S, limits: Limits = Limits(),
                 cascade: bool = False):
        self.src = Path(src)
        self.cascade = cascade  # every module with the student's own earlier exercises
        self.deadline = time.monotonic() + budget_s
        self.call_timeout_s = call_timeout_s
        self.load_timeout_s = load_timeout_s
        self.limits = limits
        self.notes: list[dict] = []  # structured, deduplicated (cell failures, skipped files)
        self._worker: Worker | None = None
        self._loaded: set[tuple[str, tuple[str, ...]]] = set()
        self._failed: dict[tuple[str, str], StudentProblem] = {}
        self._static: dict[tuple[str, str], forbidden.Finding | forbidden.Uncheckable | None] = {}
        self.last_request: dict | None = None  # the last call or op sent (grader/grading/misconceptions.py replays it)
        # Said even if no worker starts (e.g. the exercise file itself is a link).
        self._note_skipped(submission_files.select(self.src))

    # ------------------------------------------------------------ public API
    def exercise_file(self, module: str) -> Path | None:
        """The submission's file for ``module`` (``.py`` preferred over ``.ipynb``), if any.

        Symlinks do not count: the worker's copy leaves them out, and this process must
        not read whatever they point at (a device, a huge file).
        """
        return module_file(self.src, module)

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
        """``module.function(*args, **kwargs)`` run in the worker; its return value."""
        return self._call(module, function, args, kwargs, False)["result"]

    def call_and_inputs(self, module: str, function: str, *args: Any, **kwargs: Any) -> tuple[Any, list, dict]:
        """Like ``call``, plus the arguments as they are after the call (to spot mutation)."""
        reply = self._call(module, function, args, kwargs, True)
        inputs = reply.get("inputs") or {}
        return reply["result"], list(inputs.get("args", [])), dict(inputs.get("kwargs", {}))

    def op(self, name: str, module: str, *, forbid: str | None = None, **payload: Any) -> Any:
        """Run the worker op ``name`` on the student's ``module``.

        ``forbid`` names the student function the op exercises, to apply its
        forbidden-routine rule (static and at run time).
        """
        rule = self._check_static(module, forbid) if forbid else None
        message = {"cmd": "op", "module": module, "name": name, "payload": payload,
                   "guard": rules.guard(rule), "standins": list(self.standins(module))}
        # Messages name what the student wrote (the class, the function), never the op.
        label = forbid or str(payload.get("cls") or f"{module}.py")
        return self._run(module, f"op:{name}", message, label)["result"]

    @contextlib.contextmanager
    def composed(self) -> Iterator[None]:
        """Inside the block, modules use the student's own earlier exercises (no stand-ins)."""
        saved, self.cascade = self.cascade, True
        try:
            yield
        finally:
            self.cascade = saved

    def standins(self, module: str) -> tuple[str, ...]:
        """The earlier exercises ``module`` is seen with stand-ins of (none when composed)."""
        if self.cascade or module not in EXERCISES:
            return ()
        return tuple(e for e in EXERCISES[:EXERCISES.index(module)] if e in STANDIN_MODULES)

    def start(self) -> None:
        """Start the worker now (it is otherwise started by the first call)."""
        if self._worker is None or not self._worker.alive():
            self._start_worker()

    @contextlib.contextmanager
    def time_limit(self, seconds: float) -> Iterator[None]:
        """Allow each call up to ``seconds`` inside the block (still within the budget)."""
        saved, self.call_timeout_s = self.call_timeout_s, seconds
        try:
            yield
        finally:
            self.call_timeout_s = saved

    def remaining(self) -> float:
        """Seconds left in the submission's time budget."""
        return self.deadline - time.monotonic()

    def close(self) -> None:
        """Stop the worker (its whole process group) and remove its files."""
        if self._worker is not None:
            self._worker.stop()
            self._worker = None

    # ------------------------------------------------------------ internals
    def _call(self, module: str, function: str, args: tuple, kwargs: dict, return_inputs: bool) -> dict:
        rule = self._check_static(module, function)
        message = {"cmd": "call", "module": module, "function": function, "args": list(args),
                   "kwargs": kwargs, "guard": rules.guard(rule), "return_inputs": return_inputs,
                   "standins": list(self.standins(module))}
        try:
            return self._run(module, function, message)
        except StudentError as error:
            raise error.called_with(describe_call(function, *args, **kwargs)) from None

    def _check_static(self, module: str, function: str) -> rules.Rule | None:
        rule = rules.rules_for(module, function)
        path = self.exercise_file(module)
        if rule is not None and path is not None:
            key = (module, function)
            if key not in self._static:
                try:
                    self._static[key] = forbidden.static_check(path, function, rule)
                except forbidden.Uncheckable as problem:
                    self._static[key] = problem
            finding = self._static[key]
            if isinstance(finding, forbidden.Uncheckable):
                raise ForbiddenCall(f"forbidden_unchecked_{finding.reason}", function=function, file=path.name,
                                    max_kb=forbidden.MAX_SOURCE_BYTES >> 10, max_depth=forbidden.MAX_AST_DEPTH)
            if finding is not None:
                raise ForbiddenCall("forbidden_static", function=function, routine=finding.routine.name,
                                    file=path.name, line=finding.line, text=finding.text)
            self._check_tampering(module, function, path)
        return rule

    def _check_tampering(self, module: str, function: str, path: Path) -> None:
        """A ruled function's test is forbidden when its file reaches into the grader or torch's dispatch."""
        key = (module, "")
        if key not in self._static:
            self._static[key] = forbidden.tampering(path)
        finding = self._static[key]
        if finding is not None:
            raise ForbiddenCall("forbidden_tampering_static", function=function, file=path.name,
                                line=finding.line, text=finding.text)

    def _run(self, module: str, function: str, message: dict, label: str | None = None) -> dict:
        self.last_request = message
        key, function = (module, function), label or function
        if key in self._failed:
            raise self._failed[key]
        self._load(module)
        try:
            reply = self._request(message, self.call_timeout_s, function)
        except StudentTimeout as exc:
            # A function that hung (or killed its worker) once is not run again: each
            # retry would cost a worker restart and the same wait in every later test.
            if not isinstance(exc, BudgetExhausted):
                self._failed[key] = StudentTimeout("timeout_again", function=function,
                                                   seconds=exc.fields.get("seconds", 0))
            raise
        except WorkerCrashed as exc:
            self._failed[key] = WorkerCrashed("crashed_again", function=function, reason=exc.fields["reason"])
            raise
        if reply.get("forbidden") == "spawn:earlier":
            # A thread or process left by earlier code (another exercise's training loop,
            # say) would run unwatched: try once more in a fresh worker with only this module.
            self.close()
            self._load(module)
            reply = self._request(message, self.call_timeout_s, function)
        if "forbidden" in reply:
            raise forbidden_reply(function, reply["forbidden"])
        if "error" in reply:
            error = reply["error"] if isinstance(reply["error"], dict) else {}
            if error.get("type") == "MissingName":
                raise MissingFunction("missing_function", function=function, error=str(error.get("message", "")))
            raise StudentError(function, error)
        if "result" not in reply:
            raise WorkerCrashed("crashed", function=function, reason="reply without a result")
        return reply

    def _load(self, module: str) -> None:
        standins = self.standins(module)
        key = (module, "|".join(("",) + standins))
        if key in self._failed:
            raise self._failed[key]
        if (module, standins) in self._loaded and self._worker is not None and self._worker.alive():
            return
        path = self.exercise_file(module)
        if path is None:
            self._failed[key] = MissingExercise("missing_file", module=module)
            raise self._failed[key]
        try:
            reply = self._request({"cmd": "load", "module": module, "standins": list(standins)},
                                  self.load_timeout_s, path.name)
        except StudentTimeout as exc:
            if not isinstance(exc, BudgetExhausted):
                self._failed[key] = StudentTimeout("load_timeout", file=path.name, seconds=exc.fields["seconds"])
                raise self._failed[key] from None
            raise
        except WorkerCrashed as exc:
            self._failed[key] = WorkerCrashed("load_crashed", file=path.name, reason=exc.fields["reason"])
            raise self._failed[key] from None
        if "forbidden" in reply:  # tampering while the module was imported
            self._failed[key] = forbidden_reply(path.name, reply["forbidden"])
            raise self._failed[key]
        if "error" in reply:
            error = reply["error"] if isinstance(reply["error"], dict) else {}
            self._failed[key] = LoadError("load_failed", file=path.name, type=str(error.get("type", "?")),
                                          error=str(error.get("message", "")),
                                          trace=messages.trace(_trace(error.get("trace"))))
            raise self._failed[key]
        self._loaded.add((module, standins))

    def _request(self, message: dict, timeout: float, what: str) -> dict:
        remaining = self.remaining()
        if remaining <= 0:
            raise BudgetExhausted("budget", function=what)
        if self._worker is None or not self._worker.alive():
            self._start_worker()
        limit = min(timeout, remaining)
        try:
            reply = self._worker.request(message, limit)
        except TimeoutError:
            self._worker = None
            self._loaded.clear()
            if limit < timeout:
                raise BudgetExhausted("budget", function=what) from None
            raise StudentTimeout("timeout", function=what, seconds=round(limit, 1)) from None
        except WorkerGone as exc:
            self._worker = None
            self._loaded.clear()
            raise WorkerCrashed("crashed", function=what, reason=str(exc)) from None
        for raw in reply.get("notes") or []:
            note = cell_failed_note(raw)
            # Capped: a notebook of a thousand failing cells must not flood the feedback.
            if note is not None and note not in self.notes and len(self.notes) < MAX_NOTES:
                self.notes.append(note)
        return reply

    def _start_worker(self) -> None:
        if self._worker is not None:
            self._worker.stop()
        self._worker = Worker(self.src, self.limits)
        self._loaded.clear()
        self._note_skipped(self._worker.copied)

    def _note_skipped(self, copied: submission_files.Selection) -> None:
        """One note on the files left out of the worker's copy (replacing an earlier one)."""
        if copied.skipped_count:
            # One note however many files: a flood of files must not flood the feedback.
            shown = ", ".join(untrusted_name(name) for name in copied.skipped[:SKIPPED_SHOWN])
            more = copied.skipped_count - min(len(copied.skipped), SKIPPED_SHOWN)
            note = {"kind": "skipped_files", "count": copied.skipped_count, "files": shown,
                    "more": f" (+{more})" if more > 0 else "", "max_files": submission_files.MAX_FILES,
                    "max_mb": submission_files.MAX_BYTES >> 20}
            self.notes = [n for n in self.notes if n.get("kind") != "skipped_files"] + [note]
