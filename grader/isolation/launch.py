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
worker itself before any student code runs, and in its own memory cgroup where the
machine has one (grader/isolation/cgroup.py: it counts shared memory and tmpfs pages,
which RLIMIT_DATA does not). Its stdout and stderr go to pipes drained
by the grader, which keeps the first ``Limits.output_bytes`` of each and drops the
rest. It dies with the grading process (PR_SET_PDEATHSIG).

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
from grader.isolation import bubblewrap, cgroup, submission_files
from grader.isolation.limits import Limits, death_reason, limit_message
from grader.isolation.process import Capture, WorkerSpec
from grader.runtime import wire

# The worker's code: the grader.runtime package, copied whole into each worker's runtime folder.
RUNTIME_DIR = Path(__file__).resolve().parents[1] / "runtime"
# Shipped next to the student notebooks, whose first cell imports it: supplied here too,
# so a notebook submission works whether or not the student handed it in.
NOTEBOOK_IMPORT = RUNTIME_DIR / "notebook_import.py"
# A reply bigger than this is refused: the largest honest reply (a layer's output, the
# MNIST model's weights) is a few MB, and parsing a frame costs the grading process
# several times its size in memory.
MAX_REPLY_BYTES = 64 << 20


def build_spec(python: str, runtime: Path, workdir: Path, wire_fd: int, limits: Limits) -> WorkerSpec:
    """The command that starts the worker on ``workdir`` talking over ``wire_fd``."""
    # -I: ignore PYTHON* variables and user site-packages; the bootstrap puts only the
    # runtime folder on sys.path (the worker adds the submission folder itself).
    bootstrap = f"import sys; sys.path.insert(0, {str(runtime)!r}); import grader.runtime.worker as w; w.main(sys.argv)"
    argv = [python, "-I", "-c", bootstrap, "--fd", str(wire_fd), "--limits", json.dumps(limits.rlimits())]
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(workdir),
        "TMPDIR": str(workdir),
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "CONVKIT_GRADING": "1",
        "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    prefixes = tuple(dict.fromkeys(Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)))
    return WorkerSpec(argv, workdir, env, (wire_fd,), workdir, runtime, prefixes)


def copy_submission(src: Path, dest: Path) -> submission_files.Selection:
    """Copy the submission's files (see grader/isolation/submission_files.py), then the given modules, into ``dest``.

    Returns:
        what was copied and what was left out (symlinks, special files, files past the
        caps), for one note.
    """
    dest.mkdir(parents=True)
    chosen = submission_files.select(src)
    copied, skipped, budget = [], list(chosen.skipped), submission_files.MAX_BYTES
    for name in chosen.files:
        data = submission_files.read_regular(Path(src) / name, budget)
        if data is None:  # replaced by a link or special file since it was listed
            skipped.append(name)
            continue
        budget -= len(data)
        (dest / name).write_bytes(data)
        copied.append(name)
    given = [SOLUTIONS / f"{name}.py" for name in GIVEN] + [NOTEBOOK_IMPORT]
    for source in given:
        for stale in (dest / f"{source.stem}.ipynb", dest / source.name):
            stale.unlink(missing_ok=True)
        shutil.copyfile(source, dest / source.name)
    return submission_files.Selection(tuple(copied), tuple(skipped),
                                      chosen.skipped_count + len(skipped) - len(chosen.skipped))


def _write_runtime(runtime: Path) -> None:
    package = runtime / "grader" / "runtime"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text('"""The worker\'s private copy of its own code."""\n')
    for source in RUNTIME_DIR.glob("*.py"):
        shutil.copyfile(source, package / source.name)


class WorkerGone(Exception):
    """The worker died, closed its socket or sent something that is not a valid frame."""


class Worker:
    """One running worker process and the grading side's end of its socket."""

    def __init__(self, src: Path, limits: Limits):
        self.limits = limits
        remove_orphaned_folders()
        self.tmp = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-"))
        self.workdir = self.tmp / "work"
        self.copied = copy_submission(src, self.workdir)
        runtime = self.tmp / "runtime"
        _write_runtime(runtime)
        self.sock, child = socket.socketpair()
        spec = build_spec(sys.executable, runtime, self.workdir, child.fileno(), limits)
        spec = bubblewrap.wrap_spec(spec)
        # Made before the worker starts and entered before it execs (see cgroup.py).
        self.group = cgroup.MemoryGroup.create(limits.group_bytes)
        argv = self.group.enter_argv(spec.argv) if self.group else spec.argv
        try:
            self.proc = subprocess.Popen(
                argv, cwd=spec.cwd, env=spec.env, pass_fds=spec.pass_fds,
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except BaseException:
            if self.group is not None:
                self.group.remove()
            raise
        finally:
            child.close()
            for fd in spec.close_after_start:
                os.close(fd)
        self.peak_bytes = 0  # the memory cgroup's high-water mark, read when the worker stops
        self.stdout = Capture(self.proc.stdout, limits.output_bytes)
        self.stderr = Capture(self.proc.stderr, limits.output_bytes)
        self.stdout.start()
        self.stderr.start()
        self._next_id = 0
        self._stopped = False

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
        try:
            code = self.proc.wait(timeout=1.0)
        except subprocess.TimeoutExpired:
            return f"the worker broke the protocol ({type(exc).__name__}: {exc})"
        if self.group is not None and self.group.oom_killed():
            return f"the worker process was killed ({limit_message('memory', self.limits)})"
        return death_reason(code, bubblewrap.probe().isolated, self.limits)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        """Kill the worker's whole process group, collect its output, remove its folder."""
        if self._stopped:
            return
        self._stopped = True
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.proc.wait()
        if self.group is not None:
            self.peak_bytes = self.group.peak_bytes()
            self.group.remove()
        self.sock.close()
        for capture in (self.stdout, self.stderr):
            capture.join(timeout=2.0)
        shutil.rmtree(self.tmp, onerror=_force_remove)

    def output(self) -> tuple[str, str]:
        """The captured (stdout, stderr), capped."""
        return self.stdout.text(), self.stderr.text()


FOLDER_PREFIX = "convkit-worker-"  # then the grading process's pid, so orphans can be told apart


def remove_orphaned_folders(root: Path | None = None) -> list[Path]:
    """Delete worker folders (and memory cgroups) left by grading processes that no longer exist (SIGKILL).

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

