"""Warm workers: forked from a sandboxed zygote that imported torch before any student code existed.

A cold worker (grader/isolation/launch.py) is a fresh interpreter in a fresh bubblewrap
sandbox and spends about 3 s of CPU importing torch. Here each grading process keeps one
zygote (grader/runtime/zygote.py): started early (``prestart``, when the grading process
initialises, so its torch import overlaps the grading side's own imports), inside
bubblewrap with a cold worker's read-only view but no submission, as root in the sandbox
with only ``bubblewrap.ZYGOTE_CAPS``. For each submission (:func:`start`):

1. the grading side sends the zygote the child's socket end and its stdout/stderr pipe
   ends (SCM_RIGHTS); the zygote forks a child, which keeps only those three;
2. the child says hello; the kernel attaches its pid, translated into our PID namespace
   (SCM_CREDENTIALS), and we move it into the submission's cgroups (memory, CPU, pids);
3. only then do we send its setup (uid, rlimits, environment, the submission's files);
   the child unshares its own mount, IPC, network and cgroup namespaces, mounts fresh
   tmpfs on /work, /tmp, /dev/shm and a /proc hiding other uids, drops every capability,
   becomes the private uid, writes the files and runs the ordinary worker loop.

The submission's files go straight to the child, never through the zygote, and nothing
of a child flows back into the zygote: the zygote only forks, kills on request and
reports wait statuses. Stopping a warm worker kills every process in its cgroups.
If the zygote dies, the next start makes a new one. docs/threat-model.md ("Warm
workers") says what is shared with the zygote and why that is safe.
"""
from __future__ import annotations

import atexit
import itertools
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import BinaryIO, Sequence

from grader.course import assignment, messages
from grader.isolation import bubblewrap, cgroup
from grader.isolation.process import FOLDER_PREFIX, Capture, WorkerSpec, python_prefixes, worker_env, write_runtime
from grader.runtime import zygote as runtime_zygote

# The zygote imports torch (about 3 s of CPU, more on a loaded machine) before its first fork.
START_TIMEOUT_S = 120.0
_CREDENTIALS = struct.Struct("3i")  # struct ucred: pid, uid, gid


class StartFailed(OSError):
    """A warm worker could not be started (the zygote died or did not answer)."""


class Child:
    """One warm worker as the grading side sees it (the launcher's ``Process``)."""

    # The zygote reports its child's wait status, which ends as a shell's (and bwrap's)
    # does: 128 + the signal that killed the worker (grader/runtime/zygote.py).
    through_bwrap = True

    def __init__(self, zygote: Zygote, number: int):
        self.zygote, self.number = zygote, number
        self.group: cgroup.WorkerGroup | None = None
        self.pid = 0  # in our PID namespace, once the child said hello
        self._returncode: int | None = None
        self._ended = threading.Event()

    def finish(self, returncode: int) -> None:
        """Record how the child ended (called by the zygote's reader thread)."""
        self._returncode = returncode
        self._ended.set()

    def poll(self) -> int | None:
        """Its return code (128 + signal when a signal ended the worker), or None while it runs."""
        return self._returncode if self._ended.is_set() else None

    def wait(self, timeout: float | None) -> int | None:
        """Wait up to ``timeout`` seconds for the zygote to report its end; its return code, or None."""
        self._ended.wait(timeout)
        return self.poll()

    def kill(self) -> None:
        """Ask the zygote to kill the child (it may not be in its group yet), then kill the whole group."""
        self.zygote.kill(self.number)
        if self.group is not None:
            self.group.kill()


class Zygote:
    """This grading process's zygote: its sandbox, its control socket and the thread that reads it."""

    def __init__(self, preload: tuple[str, ...] = ()) -> None:
        self.owner = os.getpid()
        self.preload = preload  # modules it imports after torch (course.assignment.worker_preload)
        self.tmp = Path(tempfile.mkdtemp(prefix=f"{FOLDER_PREFIX}{os.getpid()}-"))
        write_runtime(self.tmp / "runtime")
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.dead = False
        self.error = ""
        self.proc: subprocess.Popen | None = None
        self.stderr: Capture | None = None
        self._children: dict[int, Child] = {}
        self._numbers = itertools.count(1)
        self._lock = threading.Lock()
        self._started = threading.Event()
        self._gone = threading.Event()
        # bwrap's --die-with-parent follows the THREAD that started it: this thread lives as
        # long as the zygote (it reads its socket), so no grading thread's end kills it.
        threading.Thread(target=self._run, args=(theirs,), name="convkit-zygote", daemon=True).start()

    def _spec(self, fd: int) -> WorkerSpec:
        """The zygote's command (before sandboxing), its control socket as ``fd``."""
        runtime = self.tmp / "runtime"
        bootstrap = (f"import sys; sys.path.insert(0, {str(runtime)!r}); "
                     "import grader.runtime.zygote as z; z.main(sys.argv)")
        preload = ["--preload", ",".join(self.preload)] if self.preload else []
        return WorkerSpec([sys.executable, "-I", "-c", bootstrap, "--fd", str(fd), *preload], self.tmp,
                          worker_env(bubblewrap.MOUNT), (fd,), self.tmp, runtime, python_prefixes())

    def _run(self, theirs: socket.socket) -> None:
        """The zygote's thread: start it in its sandbox, then read its reports until it ends."""
        try:
            spec = bubblewrap.wrap_zygote(self._spec(theirs.fileno()))
            try:
                self.proc = subprocess.Popen(spec.argv, cwd=spec.cwd, env=spec.env, pass_fds=spec.pass_fds,
                                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                             stderr=subprocess.PIPE, start_new_session=True)
            finally:
                theirs.close()
                for fd in spec.close_after_start:
                    os.close(fd)
            self.stderr = Capture(self.proc.stderr, 16 << 10)
            self.stderr.start()
        except BaseException as exc:  # noqa: BLE001 - reported to whoever waits for a start
            self.error = f"the zygote could not start ({type(exc).__name__}: {exc})"
            self._end()
            return
        self._started.set()
        try:
            self._read()
        finally:
            self._end()

    def _read(self) -> None:
        """Dispatch the zygote's reports until its socket closes (the zygote ended)."""
        while True:
            try:
                data = self.control.recv(1 << 16)
            except OSError:  # reset: the zygote died with our spawn requests unread
                return
            if not data:
                return
            message = json.loads(data)
            if "exit" in message:
                with self._lock:
                    child = self._children.pop(message["exit"], None)
                if child is not None:
                    child.finish(os.waitstatus_to_exitcode(message["status"]))

    def _end(self) -> None:
        """The zygote is gone: its PID namespace, and so every child, died with it."""
        with self._lock:
            self.dead = True
            children, self._children = list(self._children.values()), {}
        if not self.error:
            stderr = self.stderr.text().strip().splitlines()[-1:] if self.stderr else []
            self.error = "the zygote ended" + (f" ({stderr[0][:300]})" if stderr else "")
        for child in children:
            child.finish(-signal.SIGKILL)
        self._started.set()
        self._gone.set()

    def gone(self, timeout: float) -> bool:
        """Whether the zygote ended, waiting up to ``timeout`` seconds for its reader to notice."""
        return self._gone.wait(timeout)

    def spawn(self, fds: list[int], timeout: float) -> Child:
        """Fork a child that gets ``fds`` (its socket end, stdout and stderr pipe ends)."""
        if not self._started.wait(timeout) or self.dead:
            raise StartFailed(self.error or "the zygote did not start in time")
        with self._lock:
            if self.dead:
                raise StartFailed(self.error)
            child = Child(self, next(self._numbers))
            self._children[child.number] = child
        try:
            socket.send_fds(self.control, [json.dumps({"spawn": child.number}).encode()], fds)
        except OSError as exc:
            raise StartFailed(f"the zygote does not answer ({exc})") from None
        return child

    def kill(self, number: int) -> None:
        """Ask the zygote to SIGKILL child ``number``."""
        try:
            self.control.send(json.dumps({"kill": number}).encode())
        except OSError:
            pass  # the zygote is gone, and its children with it

    def close(self) -> None:
        """End the zygote and its sandbox at once (nothing in it is worth a clean exit; its
        children die with its PID namespace), and remove its folder."""
        try:
            self.control.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        # A zygote closed right after it was made may still be starting: wait for its
        # process to exist, or it would be left running.
        self._started.wait(START_TIMEOUT_S)
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


_zygote: Zygote | None = None
_zygote_lock = threading.Lock()
_preload: tuple[str, ...] = ()  # what this process's zygotes import after torch (set by prestart)


def zygote() -> Zygote:
    """This grading process's zygote, started (again) when there is none, it died, or it
    lacks a module a later submission's exercises preload (``prestart``)."""
    global _zygote
    with _zygote_lock:
        if (_zygote is None or _zygote.dead or _zygote.owner != os.getpid()
                or not set(_preload) <= set(_zygote.preload)):
            if _zygote is not None and _zygote.owner == os.getpid():
                _zygote.close()
            _zygote = Zygote(_preload)
        return _zygote


def prestart(exercises: Sequence[str] = ()) -> None:
    """Start the zygote now, without waiting for it, where workers start warm.

    It imports, besides torch, what the workers of ``exercises`` would import lazily
    (``assignment.worker_preload``). A process whose first submissions did not need a
    module and a later one does gets one new zygote that imports it (a bank of mutants,
    a Dask worker), so the cost is paid once per process, never per submission. Called
    between submissions only: replacing the zygote ends the workers forked from it.
    """
    global _preload
    if bubblewrap.warm_support().mode == "warm" and not given_up():
        with _zygote_lock:
            _preload = tuple(sorted({*_preload, *assignment.worker_preload(exercises)}))
        zygote()


_given_up: dict[int, str] = {}  # grading process -> why its workers start cold from now on


def give_up(reason: str) -> None:
    """Start every later worker of this grading process cold, saying so once on stderr."""
    if os.getpid() not in _given_up:
        _given_up[os.getpid()] = reason
        print("convkit: " + messages.text("warm_given_up", "en", why=reason), file=sys.stderr, flush=True)


def given_up() -> bool:
    """Whether this grading process starts its workers cold after two failed warm starts."""
    return os.getpid() in _given_up


@atexit.register
def _close() -> None:
    """End this process's zygote when the process exits normally."""
    if _zygote is not None and _zygote.owner == os.getpid():
        _zygote.close()


def _hello_pid(sock: socket.socket, deadline: float) -> int:
    """The child's pid in our PID namespace, from the credentials on its first byte."""
    sock.settimeout(max(deadline - time.monotonic(), 0.001))
    try:
        data, ancillary, _, _ = sock.recvmsg(1, socket.CMSG_SPACE(_CREDENTIALS.size))
    except socket.timeout:
        raise StartFailed("the warm worker did not say hello in time") from None
    finally:
        sock.settimeout(None)
    if data != b"h":
        raise StartFailed("the warm worker ended before its setup")
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = _CREDENTIALS.unpack(payload[:_CREDENTIALS.size])[0]
            if pid > 0:
                return pid
    raise StartFailed("the warm worker's hello carried no pid")


def start(files: list[tuple[bytes, bytes]], rlimits: dict[str, int], group: cgroup.WorkerGroup,
          timeout: float = START_TIMEOUT_S) -> tuple[socket.socket, Child, BinaryIO, BinaryIO]:
    """A warm worker of the submission ``files`` (name, content), inside ``group`` before it runs anything.

    Returns:
        the grading side's end of its socket, the child, and its stdout and stderr pipes.

    Raises:
        StartFailed: the zygote or the child died or did not answer (tried twice: a dead
            zygote is replaced once).
    """
    for attempt in (1, 2):
        current = zygote()
        try:
            return _start_once(current, files, rlimits, group, timeout)
        except StartFailed:
            if attempt == 2 or not current.gone(timeout=1.0):
                raise
    raise AssertionError("unreachable")


def _start_once(parent: Zygote, files: list[tuple[bytes, bytes]], rlimits: dict[str, int],
                group: cgroup.WorkerGroup, timeout: float) -> tuple[socket.socket, Child, BinaryIO, BinaryIO]:
    """One attempt of :func:`start` with the zygote ``parent``."""
    deadline = time.monotonic() + timeout
    ours, theirs = socket.socketpair()
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    (out_read, out_write), (err_read, err_write) = os.pipe(), os.pipe()
    try:
        child = parent.spawn([theirs.fileno(), out_write, err_write], timeout)
    except BaseException:
        for fd in (out_read, err_read):
            os.close(fd)
        ours.close()
        raise
    finally:
        theirs.close()
        os.close(out_write)
        os.close(err_write)
    child.group = group
    try:
        child.pid = _hello_pid(ours, deadline)
        ours.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 0)  # only the hello's credentials matter
        group.enter(child.pid)
        header = {"uid": bubblewrap.private_uid(), "limits": rlimits, "env": worker_env(bubblewrap.MOUNT),
                  "sizes": {"work": bubblewrap.FOLDER_BYTES, "tmp": bubblewrap.FOLDER_BYTES,
                            "shm": bubblewrap.SHM_BYTES}}
        ours.sendall(runtime_zygote.pack_setup(header, files))
    except BaseException as exc:
        child.kill()
        ours.close()
        for fd in (out_read, err_read):
            os.close(fd)
        if isinstance(exc, OSError) and not isinstance(exc, StartFailed):
            raise StartFailed(f"the warm worker could not be set up ({exc})") from None
        raise
    return ours, child, os.fdopen(out_read, "rb"), os.fdopen(err_read, "rb")
