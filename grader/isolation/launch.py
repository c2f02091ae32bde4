"""Start and stop one worker process for one submission, with process-level limits.

Each worker gets, in a fresh private temporary folder:

- ``work/``: a copy of the submission's top-level regular files (exercise files first,
  capped: grader/isolation/submission_files.py) plus the GIVEN modules from
  ``solutions/cnn`` and the notebooks' import hook ``notebook_import.py`` (the
  grader's copies win, so a student cannot alter them);
- ``runtime/grader/runtime/``: a copy of the worker's own code (the ``grader.runtime``
  package), so the worker never reads the repository.

The worker runs in its own session (its process group is killed at the end), with
rlimits on memory, address space, CPU time, processes and file size, set by the
worker itself before any student code runs, and in its own cgroups where the machine
has them (grader/isolation/cgroup.py: a memory group counts shared memory and tmpfs
pages, which RLIMIT_DATA does not; a CPU group gives all its processes one share of the
CPU, equal to every other worker's; a pids group bounds its tasks). Its stdout and
stderr go to pipes drained by the grader, which keeps the first ``Limits.output_bytes``
of each and drops the rest. It dies with the grading process (PR_SET_PDEATHSIG).

``build_spec`` returns a ``WorkerSpec`` (argv, cwd, env, pass_fds, the folders the
worker needs) and ``bubblewrap.wrap_spec`` sandboxes it when the machine allows it.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from grader.course.assignment import GIVEN, SOLUTIONS
from grader.isolation import bubblewrap, cgroup, submission_files, warm
from grader.isolation.limits import Limits, death_reason, limit_message
from grader.isolation.process import (FOLDER_PREFIX, RUNTIME_DIR, Capture, Process, WorkerSpec, python_prefixes,
                                      worker_env, write_runtime)
from grader.runtime import wire

# Shipped next to the student notebooks, whose first cell imports it: supplied here too,
# so a notebook submission works whether or not the student handed it in.
NOTEBOOK_IMPORT = RUNTIME_DIR / "notebook_import.py"
# A reply bigger than this is refused: the largest honest reply (a layer's output, the
# MNIST model's weights) is a few MB, and parsing a frame costs the grading process
# several times its size in memory.
MAX_REPLY_BYTES = 64 << 20
# A warm worker that does not end within this after SIGKILL of its whole group is given up on.
STOP_WAIT_S = 10.0


def build_spec(python: str, runtime: Path, workdir: Path, wire_fd: int, limits: Limits) -> WorkerSpec:
    """The command that starts the worker on ``workdir`` talking over ``wire_fd``."""
    # -I: ignore PYTHON* variables and user site-packages; the bootstrap puts only the
    # runtime folder on sys.path (the worker adds the submission folder itself).
    bootstrap = f"import sys; sys.path.insert(0, {str(runtime)!r}); import grader.runtime.worker as w; w.main(sys.argv)"
    argv = [python, "-I", "-c", bootstrap, "--fd", str(wire_fd), "--limits", json.dumps(limits.rlimits())]
    return WorkerSpec(argv, workdir, worker_env(str(workdir)), (wire_fd,), workdir, runtime, python_prefixes())


def submission_contents(src: Path) -> tuple[list[tuple[str, bytes]], submission_files.Selection]:
    """The files a worker of ``src`` gets (see grader/isolation/submission_files.py), then the given modules.

    Returns:
        (name, content) in writing order (a given module replaces the student's file
        and notebook of that name), and what was copied and left out (symlinks, special
        files, files past the caps), for one note.
    """
    chosen = submission_files.select(src)
    contents: dict[str, bytes] = {}
    copied, skipped, budget = [], list(chosen.skipped), submission_files.MAX_BYTES
    for name in chosen.files:
        data = submission_files.read_regular(Path(src) / name, budget)
        if data is None:  # replaced by a link or special file since it was listed
            skipped.append(name)
            continue
        budget -= len(data)
        contents[name] = data
        copied.append(name)
    for source in [SOLUTIONS / f"{name}.py" for name in GIVEN] + [NOTEBOOK_IMPORT]:
        contents.pop(f"{source.stem}.ipynb", None)
        contents.pop(source.name, None)
        contents[source.name] = source.read_bytes()
    return list(contents.items()), submission_files.Selection(
        tuple(copied), tuple(skipped), chosen.skipped_count + len(skipped) - len(chosen.skipped))


def copy_submission(src: Path, dest: Path) -> submission_files.Selection:
    """Copy the submission's files and the given modules (:func:`submission_contents`) into ``dest``."""
    dest.mkdir(parents=True)
    contents, selection = submission_contents(src)
    for name, data in contents:
        (dest / name).write_bytes(data)
    return selection


class WorkerGone(Exception):
    """The worker died, closed its socket or sent something that is not a valid frame."""


class _ColdProcess:
    """A cold worker: bwrap (or the bare interpreter) started by Popen in its own session."""

    def __init__(self, proc: subprocess.Popen):
        self.proc = proc
        self.through_bwrap = bubblewrap.probe().isolated

    def poll(self) -> int | None:
        """bwrap's (or the worker's) return code, or None while it runs."""
        return self.proc.poll()

    def wait(self, timeout: float | None) -> int | None:
        """Wait up to ``timeout`` seconds; the return code, or None."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        """SIGKILL its process group (bwrap's PID namespace takes the rest)."""
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


class Worker:
    """One running worker process and the grading side's end of its socket.

    Warm (forked from this grading process's zygote, grader/isolation/warm.py) where
    ``bubblewrap.warm_support()`` allows it, else cold (a fresh sandboxed interpreter).
    """

    def __init__(self, src: Path, limits: Limits):
        self.limits = limits
        remove_orphaned_folders()
        self.tmp: Path | None = None
        self.warm = bubblewrap.warm_support().mode == "warm" and not warm.given_up()
        # Made before the worker starts and entered before it runs anything (see cgroup.py).
        self.group = cgroup.WorkerGroup.create(limits.group_bytes(self.warm), limits.group_tasks())
        try:
            warm_ready = self.warm and self.group is not None and self.group.has("memory")
            stdout, stderr = self._start_warm(src) if warm_ready else self._start_cold(src)
        except BaseException:
            if self.group is not None:
                self.group.remove()
            if self.tmp is not None:
                shutil.rmtree(self.tmp, onerror=_force_remove)
            raise
        self.peak_bytes = 0  # the memory cgroup's high-water mark, read when the worker stops
        self.stdout = Capture(stdout, limits.output_bytes)
        self.stderr = Capture(stderr, limits.output_bytes)
        self.stdout.start()
        self.stderr.start()
        self._next_id = 0
        self._stopped = False

    def _start_cold(self, src: Path) -> tuple[Any, Any]:
        """A fresh interpreter in a fresh sandbox, on a private copy of the submission."""
        self.warm = False
        self.tmp = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-"))
        workdir = self.tmp / "work"
        self.copied = copy_submission(src, workdir)
        runtime = self.tmp / "runtime"
        write_runtime(runtime)
        self.sock, child = socket.socketpair()
        spec = bubblewrap.wrap_spec(build_spec(sys.executable, runtime, workdir, child.fileno(), self.limits))
        argv = self.group.enter_argv(spec.argv) if self.group else spec.argv
        try:
            proc = subprocess.Popen(
                argv, cwd=spec.cwd, env=spec.env, pass_fds=spec.pass_fds,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                start_new_session=True,
            )
        finally:
            child.close()
            for fd in spec.close_after_start:
                os.close(fd)
        self.process: Process = _ColdProcess(proc)
        return proc.stdout, proc.stderr

    def _start_warm(self, src: Path) -> tuple[Any, Any]:
        """A child of the zygote, confined to this submission's sandbox and cgroups."""
        contents, self.copied = submission_contents(src)
        files = [(os.fsencode(name), data) for name, data in contents]
        assert self.group is not None
        try:
            self.sock, self.process, stdout, stderr = warm.start(files, self.limits.rlimits(), self.group)
        except warm.StartFailed as failure:
            # Twice in a row (a fresh zygote the second time): this grading process goes cold,
            # which is slower but grades the same.
            warm.give_up(str(failure))
            self.group.kill()
            return self._start_cold(src)
        return stdout, stderr

    def request(self, message: dict, timeout: float) -> dict:
        """Send a request and wait up to ``timeout`` seconds for its reply.

        Raises:
            TimeoutError: no reply in time (the worker is then stopped).
            WorkerGone: the worker died or broke the protocol (it is then stopped).
        """
        self._next_id += 1
        message = dict(message, id=self._next_id)
        deadline = time.monotonic() + max(timeout, 0.0)
        try:
            wire.send(self.sock, message)
            reply = wire.receive(self.sock, deadline, MAX_REPLY_BYTES)
        except TimeoutError:
            self.stop()
            raise
        except (EOFError, OSError, wire.WireError) as exc:
            reason = self._death_reason(exc)
            self.stop()
            raise WorkerGone(reason) from None
        if type(reply) is not dict or reply.get("id") != self._next_id:
            self.stop()
            raise WorkerGone("the worker sent a reply that does not answer the request")
        return reply

    def _death_reason(self, exc: Exception) -> str:
        code = self.process.wait(timeout=1.0)
        if code is None:
            return f"the worker broke the protocol ({type(exc).__name__}: {exc})"
        if self.group is not None and self.group.oom_killed():
            return f"the worker process was killed ({limit_message('memory', self.limits)})"
        return death_reason(code, self.process.through_bwrap, self.limits)

    def alive(self) -> bool:
        """Whether the worker process still runs."""
        return self.process.poll() is None

    def stop(self) -> None:
        """Kill the worker and everything it started, collect its output, remove its folder."""
        if self._stopped:
            return
        self._stopped = True
        self.process.kill()
        self.process.wait(STOP_WAIT_S if self.warm else None)
        if self.group is not None:
            self.peak_bytes = self.group.peak_bytes()
            self.group.remove()
        self.sock.close()
        for capture in (self.stdout, self.stderr):
            capture.join(timeout=2.0)
        if self.tmp is not None:
            shutil.rmtree(self.tmp, onerror=_force_remove)

    def output(self) -> tuple[str, str]:
        """The captured (stdout, stderr), capped."""
        return self.stdout.text(), self.stderr.text()


def remove_orphaned_folders(root: Path | None = None) -> list[Path]:
    """Delete worker folders (and cgroups) left by grading processes that no longer exist (SIGKILL).

    Args:
        root: where worker folders are made (default: the temporary folder).

    Returns:
        the folders removed.
    """
    removed = []
    for entry in Path(root or tempfile.gettempdir()).glob(f"{FOLDER_PREFIX}*-*"):
        pid = entry.name[len(FOLDER_PREFIX):].split("-", 1)[0]
        if entry.is_dir() and pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(entry, onerror=_force_remove)
            removed.append(entry)
    cgroup.remove_orphans(_alive)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _force_remove(function: Any, path: str, exc_info: Any) -> None:
    # A student may have made files or folders read-only; the grader still cleans up.
    try:
        os.chmod(os.path.dirname(path), 0o700)
        os.chmod(path, 0o700)
        (shutil.rmtree if os.path.isdir(path) else os.unlink)(path)
    except OSError:
        pass

