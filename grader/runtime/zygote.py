"""The warm worker's parent (the "zygote"): torch imported once, one fresh fork per submission.

The grading side (grader/isolation/warm.py) starts this module inside bubblewrap with the
same read-only view as a cold worker (runtime, venv, no repo, no network, its own PID
namespace) but with no submission, as root in the sandbox keeping only the capabilities
the fork step needs. It imports torch and the worker runtime, runs no torch op (so it
starts no thread), and then serves its control socket (``--fd``), a SOCK_SEQPACKET
socket carrying one JSON message per packet:

- grading side -> zygote: ``{"spawn": n}`` with three descriptors attached (the
  worker's socket end, its stdout and its stderr pipe ends); ``{"kill": n}``;
- zygote -> grading side: ``{"exit": n, "status": <wait status>}`` when child n ended.

Each spawn forks a child that never served anything before (:func:`become_worker`):
it keeps only its three descriptors, says hello on its socket (the kernel attaches its
pid, translated into the grading side's PID namespace, so the grading side can put it
in its own memory cgroup), waits for its setup (sent once it is in the group: its uid,
rlimits, environment and files), then unshares a new mount, IPC, network, cgroup and
PID namespace, mounts fresh size-limited tmpfs on /work, /tmp and /dev/shm (noexec), and forks
the new namespace's pid 1 (its own /proc), which forks the worker: it drops every
capability, switches to the submission's private uid, writes the files and becomes the
ordinary worker (grader/runtime/worker.py). The zygote never reads anything a child sends.
"""
from __future__ import annotations

import base64
import ctypes
import fcntl
import json
import os
import select
import signal
import socket
import struct
import sys
import traceback
from typing import Any

from grader.runtime.sockets import read_exactly

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REC, MS_PRIVATE = 2, 4, 8, 1 << 14, 1 << 18
MADV_COLLAPSE, HUGE_PAGE = 25, 2 << 20
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 1, 4, 24, 38
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
_CAP_VERSION_3 = 0x20080522
# A setup (header plus files) larger than this is refused: the grading side caps the
# files at submission_files.MAX_BYTES (50 MB) plus the given modules.
MAX_SETUP_BYTES = 128 << 20
_HEADER = struct.Struct(">I")
MOUNT = "/work"

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    """Raise OSError (with errno's text) when a libc call returned non-zero."""
    if result != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"{what}: {os.strerror(errno)}")


def _mount(source: str, target: str, fstype: str | None, flags: int, data: str | None) -> None:
    """mount(2); Python 3.11 has no binding for it."""
    _check(_libc.mount(source.encode(), target.encode(), fstype.encode() if fstype else None,
                       ctypes.c_ulong(flags), data.encode() if data else None), f"mount {target}")


def _prctl(option: int, value: int) -> None:
    """prctl(2) with one argument."""
    _check(_libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0), f"prctl {option}")


def huge_pages() -> int:
    """Back this process's private anonymous memory (the heap and anonymous mappings) with
    2 MB pages where the kernel can; returns the bytes it collapsed.

    A fork copies one page-table entry per 4 kB page of private memory, and torch's
    import leaves about 300 MB of it: each of a warm worker's three forks cost about
    30 ms of CPU, and its exit as much again. With 2 MB pages a fork copies 512 times
    fewer entries. MADV_COLLAPSE (Linux 6.1) changes the pages that exist now and leaves
    no flag behind: a worker's own new memory is faulted in 4 kB pages as before, and a
    write to a page it shares with the zygote still copies 4 kB (the kernel splits the
    huge page). Best effort: where the kernel cannot, nothing changes.
    """
    _libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
    collapsed = 0
    with open("/proc/self/maps") as maps:
        regions = [line.split() for line in maps]
    for fields in regions:
        if fields[1] != "rw-p" or (len(fields) > 5 and fields[5] != "[heap]"):
            continue  # files' pages, the stack, shared memory: not the fork's cost
        low, high = (int(edge, 16) for edge in fields[0].split("-"))
        start, end = -(-low // HUGE_PAGE) * HUGE_PAGE, high // HUGE_PAGE * HUGE_PAGE
        if end - start >= HUGE_PAGE and _libc.madvise(start, end - start, MADV_COLLAPSE) == 0:
            collapsed += end - start
    return collapsed


# ---------------------------------------------------------------- the setup a child receives
def pack_setup(header: dict, files: list[tuple[bytes, bytes]]) -> bytes:
    """One setup message: a length-prefixed JSON header naming the files, then their bytes.

    ``files`` are (name as bytes, content); names travel in base64 so any byte survives.
    """
    header = dict(header, files=[[base64.b64encode(name).decode(), len(data)] for name, data in files])
    encoded = json.dumps(header).encode()
    return b"".join([_HEADER.pack(len(encoded)), encoded, *(data for _, data in files)])


def receive_setup(sock: socket.socket) -> tuple[dict, list[tuple[bytes, bytes]]]:
    """The inverse of :func:`pack_setup`, read from ``sock``."""
    (size,) = _HEADER.unpack(read_exactly(sock, _HEADER.size))
    header = json.loads(read_exactly(sock, size))
    files, total = [], 0
    for name, length in header.pop("files"):
        total += length
        if total > MAX_SETUP_BYTES:
            raise ValueError("the setup is larger than MAX_SETUP_BYTES")
        files.append((base64.b64decode(name), read_exactly(sock, length)))
    return header, files


# ---------------------------------------------------------------- the child's confinement
def _new_namespaces(uid: int, sizes: dict[str, int]) -> None:
    """Private mounts, IPC, network, cgroup view and PID namespace (for the children: the
    next fork is its pid 1), and fresh writable folders nobody used before.

    ``sizes``: bytes of the tmpfs at /work (owned by ``uid``), /tmp and /dev/shm.
    """
    _check(_libc.unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWPID), "unshare")
    _mount("none", "/", None, MS_REC | MS_PRIVATE, None)  # nothing below propagates back to the zygote
    # noexec: a program or library the submission writes cannot run (a C extension
    # compiled at import, torch's Inductor output, would run code no guard sees).
    flags = MS_NOSUID | MS_NODEV | MS_NOEXEC
    _mount("tmpfs", MOUNT, "tmpfs", flags, f"size={sizes['work']},mode=0700,uid={uid},gid={uid}")
    _mount("tmpfs", "/tmp", "tmpfs", flags, f"size={sizes['tmp']},mode=1777")
    _mount("tmpfs", "/dev/shm", "tmpfs", flags, f"size={sizes['shm']},mode=1777")
    _loopback_up()


def _loopback_up() -> None:
    """Bring up ``lo`` in the new network namespace, as bwrap does for a cold worker."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        request = struct.pack("16sH14s", b"lo", 0, b"")
        flags = struct.unpack("16sH14s", fcntl.ioctl(probe, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(probe, SIOCSIFFLAGS, struct.pack("16sH14s", b"lo", flags | IFF_UP, b""))


def _drop_capabilities(uid: int | None = None) -> None:
    """Empty every capability set (bounding, effective, permitted, inheritable) with no way
    to regain one; with ``uid``, become that uid, groups and gid too (setpriv's steps)."""
    last = int(open("/proc/sys/kernel/cap_last_cap").read())
    for cap in range(last + 1):
        _prctl(PR_CAPBSET_DROP, cap)
    if uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    header = (ctypes.c_uint32 * 2)(_CAP_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable (two words each): all empty
    _check(_libc.capset(header, data), "capset")
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    if uid is not None:
        # A uid change makes the process undumpable (its /proc entries root's); an exec'd
        # cold worker is dumpable, and its own /proc/self/fd must stay readable.
        _prctl(PR_SET_DUMPABLE, 1)
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # the credential change cleared it
        if (os.getuid(), os.geteuid(), os.getgid(), os.getegid()) != (uid,) * 4:
            raise OSError("the uid did not change")


def _write_files(files: list[tuple[bytes, bytes]]) -> None:
    """The submission's files into /work (top-level names only)."""
    for name, data in files:
        if b"/" in name or name in (b"", b".", b".."):
            raise ValueError(f"bad file name {name!r}")
        with open(os.path.join(MOUNT.encode(), name), "wb") as out:
            out.write(data)


def _keep_only(sock_fd: int, out_fd: int, err_fd: int) -> int:
    """Make stdin /dev/null, stdout/stderr the given pipes, the socket fd 3, close the rest."""
    null = os.open("/dev/null", os.O_RDONLY)
    for source, target in ((null, 0), (out_fd, 1), (err_fd, 2), (sock_fd, 3)):
        if source != target:
            os.dup2(source, target, inheritable=False)
    os.closerange(4, os.sysconf("SC_OPEN_MAX") if os.sysconf("SC_OPEN_MAX") < 1 << 20 else 1 << 16)
    return 3


def _exit_code(status: int) -> int:
    """A wait status as a shell (and bwrap) reports it: the exit code, or 128 + the signal."""
    return 128 + os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)


def _wait_for(pid: int) -> int:
    """Reap every child until ``pid`` ends (a pid 1 adopts orphans); its wait status."""
    while True:
        try:
            done, status = os.waitpid(-1, 0)
        except ChildProcessError:
            return 0
        if done == pid:
            return status


def _guarded(stage: Any, *args: Any) -> None:
    """Run one stage of a child; whatever happens, exit, never return into the zygote's loop."""
    try:
        stage(*args)
        os._exit(0)
    except SystemExit as done:
        os._exit(done.code if isinstance(done.code, int) else 1)
    except BaseException:  # noqa: BLE001
        try:
            traceback.print_exc()
            sys.stderr.flush()
        finally:
            os._exit(70)


def become_worker(zygote_pid: int, fds: list[int], tables: list) -> None:
    """In a freshly forked child: confine it to one submission, then run the worker; never returns.

    Three processes, as bwrap makes for a cold worker: this one (in the zygote's PID
    namespace, in the submission's memory cgroup) sets up the namespaces and waits; its
    child is pid 1 of the submission's own PID namespace (mounts its /proc, reaps
    orphans; its exit kills every process left in the namespace); pid 2 is the worker.
    Only the worker drops to the private uid; the other two keep uid 0 with no
    capability at all, so the worker can neither signal nor trace them. Each exits with
    its child's status as a shell does (128 + signal).
    """
    _guarded(_outer, zygote_pid, fds, tables)


def _outer(zygote_pid: int, fds: list[int], tables: list) -> None:
    """The zygote's child: hello, setup, new namespaces, then wait for pid 1 and exit as it did."""
    signal.set_wakeup_fd(-1)
    for number in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGPIPE):
        signal.signal(number, signal.SIG_DFL)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != zygote_pid:
        os._exit(1)
    fd = _keep_only(*fds)
    os.setsid()
    sock = socket.socket(fileno=fd)
    sock.sendall(b"h")  # the grading side reads our pid from the credentials the kernel attaches
    setup, files = receive_setup(sock)  # sent only once we are in our memory cgroup
    sock.detach()
    _new_namespaces(setup["uid"], setup["sizes"])
    init = os.fork()
    if init == 0:
        _guarded(_pid_one, setup, files, fd, tables)
    del files
    os.close(fd)
    _drop_capabilities()
    os._exit(_exit_code(_wait_for(init)))


def _pid_one(setup: dict, files: list[tuple[bytes, bytes]], fd: int, tables: list) -> None:
    """Pid 1 of the submission's PID namespace: its /proc, the worker's start, then reaping."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, None)  # this namespace's processes only
    worker_pid = os.fork()
    if worker_pid == 0:
        _guarded(_run_worker, setup, files, fd, tables)
    del files
    os.close(fd)
    _drop_capabilities()
    os._exit(_exit_code(_wait_for(worker_pid)))


def _run_worker(setup: dict, files: list[tuple[bytes, bytes]], fd: int, tables: list) -> None:
    """Pid 2: the private uid with no capability, the files in /work, then the worker loop."""
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    _drop_capabilities(setup["uid"])
    os.umask(0o022)
    os.chdir(MOUNT)
    _write_files(files)
    os.environ.clear()
    os.environ.update(setup["env"])
    from grader.runtime import worker

    worker.main(["worker", "--fd", str(fd), "--limits", json.dumps(setup["limits"])], tables)
    sys.stdout.flush()
    sys.stderr.flush()


# ---------------------------------------------------------------- the zygote's loop
def _send(control: socket.socket, message: dict) -> None:
    """One JSON message to the grading side (one packet)."""
    control.send(json.dumps(message).encode())


def _reap(control: socket.socket, children: dict[int, int]) -> None:
    """Collect every finished child and report its wait status."""
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        number = children.pop(pid, None)
        if number is not None:
            _send(control, {"exit": number, "status": status})


def _spawn(control: socket.socket, number: int, fds: list[int], children: dict[int, int], tables: list) -> None:
    """Fork child ``number`` with ``fds`` (socket, stdout, stderr); the zygote keeps none of them."""
    sys.stdout.flush()
    sys.stderr.flush()
    zygote = os.getpid()
    pid = os.fork()
    if pid == 0:
        control.close()
        become_worker(zygote, fds, tables)
    for fd in fds:
        os.close(fd)
    children[pid] = number


def serve(control: socket.socket, tables: list) -> None:
    """Answer spawn and kill requests until the grading side closes the control socket;
    ``tables`` (``[guard.prepare()'s]``) go to every worker, which takes them out."""
    children: dict[int, int] = {}
    wake_read, wake_write = os.pipe2(os.O_NONBLOCK | os.O_CLOEXEC)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda number, frame: None)  # only to wake select
    while True:
        ready, _, _ = select.select([control, wake_read], [], [])
        if wake_read in ready:
            while True:
                try:
                    if not os.read(wake_read, 512):
                        break
                except BlockingIOError:
                    break
            _reap(control, children)
        if control not in ready:
            continue
        data, fds, _, _ = socket.recv_fds(control, 1 << 16, 3)
        if not data:
            return
        message: Any = json.loads(data)
        if "spawn" in message and len(fds) == 3:
            _spawn(control, int(message["spawn"]), list(fds), children, tables)
            continue
        for fd in fds:
            os.close(fd)
        if "kill" in message:
            for pid, number in children.items():
                if number == message["kill"]:
                    os.kill(pid, signal.SIGKILL)


def main(argv: list[str]) -> None:
    """``zygote --fd N [--preload A,B]``: import everything a worker needs (and the modules
    named by ``--preload``, which workers would otherwise import lazily), then serve the
    control socket."""
    from grader.runtime import lifetime

    lifetime.die_with_parent(signal.SIGKILL)
    os.environ["CONVKIT_GRADING"] = "1"
    os.environ["MPLBACKEND"] = "Agg"
    import importlib.util

    import torch  # noqa: F401 - the point of the zygote: imported once, before any student code exists

    # Named by the grading side for the run's exercises (course.assignment.WORKER_PRELOAD).
    preload = argv[argv.index("--preload") + 1].split(",") if "--preload" in argv else []
    for name in preload:
        importlib.import_module(name)

    from grader.runtime import guard, notebook_import, standins, wire, worker  # noqa: F401

    for name in worker.OP_MODULES:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name)
    # Read and installed once here, for every worker, and handed down to each in a list the
    # worker empties (guard.build keeps nothing of them): no frame of the zygote's, which
    # every worker inherits, holds them as a name, and no module a submission can import does.
    tables = [guard.prepare()]
    huge_pages()  # last: after everything every worker would otherwise copy
    threads = len(os.listdir("/proc/self/task"))
    if threads != 1:
        # A fork copies only the calling thread; a lock another thread held would stay held for ever.
        sys.exit(f"convkit zygote: {threads} threads after importing torch; a fork would not be safe")
    serve(socket.socket(fileno=int(argv[argv.index("--fd") + 1])), tables)
