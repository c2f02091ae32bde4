"""Worker isolation: each submission's worker runs inside bubblewrap namespaces.

Where ``bwrap`` works (Linux with namespaces), a worker sees only:

- the Python runtime and the venv, read-only (``/usr``, the interpreter's prefix, the
  venv and the few grader files the worker imports, nothing else of the repo);
- its own submission, copied into a size-limited tmpfs at ``/work`` (writable, private:
  writes never reach the host disk), and an empty size-limited tmpfs ``/tmp``;
- no network (a new network namespace holding only a down loopback), its own PID
  namespace (every descendant, daemonised or not, is killed when the worker ends or
  the grader dies), a new session;
- as root, a private unprivileged uid with no capabilities; otherwise the caller's
  own (already unprivileged) uid inside a user namespace.

Elsewhere the grader falls back to process-level limits only and says so once
(:func:`announce`). The process limits (:class:`Limits`) apply in both modes.
"""
from __future__ import annotations

import functools
import itertools
import os
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from grader.assignment import REPO

KIB = 1 << 10
MIB = 1 << 20
GIB = 1 << 30

# Where the submission appears inside the sandbox (also the worker's cwd).
MOUNT = "/work"
# Neutral place for everything of the repo the worker may see (the venv and the
# grader files it imports), so no host path of the repo is reproduced inside.
OPT = "/opt/convkit"
# Read-only view of the submission copy, copied into the tmpfs at MOUNT on start.
SOURCE = f"{OPT}/submission"
# Mount points the sandbox creates itself: a read-only path under one of them is
# relocated under OPT so it doesn't reappear in the student's folder or /tmp.
_OWN_MOUNTS = (MOUNT, "/tmp", "/proc", "/dev", OPT)

# As root the worker gets a uid of its own (not shared ``nobody``): RLIMIT_NPROC counts
# per uid, so a fork bomb in one worker can't starve a concurrent worker.
_UID_BASE = 10_000_000
_uid_counter = itertools.count()

ENV_MODE = "CONVKIT_SANDBOX"  # "off" forces the process-level fallback


@dataclass(frozen=True)
class Limits:
    """Per-worker limits; the defaults are the documented ones.

    memory_bytes: RLIMIT_DATA, the worker's private writable memory (heap, tensors,
        thread stacks). ``import torch`` alone uses about 0.8 GiB of it. Address space
        (RLIMIT_AS) can't be used: the torch build maps ~3 GiB of libraries at import.
    cpu_seconds: RLIMIT_CPU per process (SIGXCPU, then SIGKILL 5 s later).
    processes: RLIMIT_NPROC, processes and threads of the worker's uid.
    file_bytes: RLIMIT_FSIZE, the largest file the worker may write (SIGXFSZ/EFBIG).
    folder_bytes: size of each tmpfs (/work and /tmp) in the sandbox: filling the
        working folder gives ENOSPC and never touches the host disk.
    output_bytes: how much of stdout and of stderr is kept; the rest is dropped with
        a note.
    """

    memory_bytes: int = 2 * GIB
    cpu_seconds: int = 600
    processes: int = 64
    file_bytes: int = 64 * MIB
    folder_bytes: int = 256 * MIB
    output_bytes: int = 64 * KIB


DEFAULT_LIMITS = Limits()


@dataclass(frozen=True)
class Probe:
    """Which isolation this machine gives: ``mode`` is "bwrap" or "process"."""

    mode: str
    reason: str

    @property
    def isolated(self) -> bool:
        return self.mode == "bwrap"


def _is_root() -> bool:
    return os.geteuid() == 0


def _namespace_flags() -> list[str]:
    """bwrap's namespace options for this caller.

    As root no user namespace is made: bwrap would map the sandbox uid to host root.
    Instead the worker drops to a private uid with setpriv (see :func:`_drop_privileges`),
    so it is unprivileged on the host too. As a normal user, --unshare-all.
    """
    common = ["--die-with-parent", "--new-session", "--hostname", "convkit"]
    if _is_root():
        return ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID",
                *common]
    return ["--unshare-all", "--disable-userns", *common]


def _drop_privileges() -> list[str]:
    """The command prefix that turns the root sandbox into a private unprivileged uid."""
    if not _is_root():
        return []
    uid = str(_UID_BASE + (os.getpid() << 4) + next(_uid_counter) % 16)
    return ["setpriv", "--reuid", uid, "--regid", uid, "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs"]


def _try_bwrap(bwrap: str) -> str | None:
    """Run ``true`` in a sandbox built as workers are; None on success, else why not."""
    argv = [bwrap, *_system_binds(), "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp",
            *_namespace_flags(), "--", *_drop_privileges(), "true"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"bwrap could not run: {error}"
    if done.returncode != 0:
        return f"bwrap failed its probe (exit {done.returncode}): {done.stderr.strip()[:300]}"
    return None


@functools.cache
def probe() -> Probe:
    """Find out once per process whether workers can be isolated with bubblewrap."""
    if os.environ.get(ENV_MODE, "").lower() in ("off", "0", "no", "process"):
        return Probe("process", f"{ENV_MODE}={os.environ[ENV_MODE]} asked for it")
    if not sys.platform.startswith("linux"):
        return Probe("process", f"namespaces need Linux, this is {sys.platform}")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return Probe("process", "bwrap is not installed (Debian/Ubuntu: apt-get install bubblewrap)")
    missing = [tool for tool in ("setpriv", "prlimit") if shutil.which(tool) is None]
    if missing:
        return Probe("process", f"{', '.join(missing)} (util-linux) missing")
    failure = _try_bwrap(bwrap)
    if failure is not None:
        return Probe("process", failure)
    return Probe("bwrap", f"{bwrap}: PID, network, IPC and mount namespaces")


_announced = threading.Event()


def announce(stream=None) -> Probe:
    """Say once per process, at the start of a run, how workers are isolated."""
    found = probe()
    if not _announced.is_set():
        _announced.set()
        if found.isolated:
            text = f"convkit: workers run sandboxed with bubblewrap ({found.reason})."
        else:
            text = (f"convkit: WARNING: no sandbox, workers run with process-level limits "
                    f"only ({found.reason}). See the README's threat model.")
        print(text, file=stream or sys.stderr, flush=True)
    return found


def _system_binds() -> list[str]:
    """The OS part every worker needs read-only: /usr (with the merged-/usr links)."""
    binds = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "lib", "lib64", "sbin"):
        path = Path("/") / name
        if path.is_symlink():
            binds += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            binds += ["--ro-bind", str(path), str(path)]
    binds += ["--ro-bind-try", "/etc/ld.so.cache", "/etc/ld.so.cache"]
    return binds


def runtime_paths() -> list[Path]:
    """The interpreter's install prefix and the venv: what ``python`` needs to start."""
    paths = [Path(sys.base_prefix).resolve(), Path(sys.prefix).absolute()]
    return list(dict.fromkeys(paths))


def _inside(host: Path, index: int) -> str:
    """Where a read-only host path appears in the sandbox.

    Paths of the repo go to the same relative place under OPT (so the grader package
    is importable from OPT); paths under the sandbox's own mount points are relocated;
    anything else (the Python prefix, which the venv's symlinks name) keeps its path.
    """
    if host.is_relative_to(REPO):
        return f"{OPT}/{host.relative_to(REPO).as_posix()}"
    if any(host.is_relative_to(own) for own in _OWN_MOUNTS):
        return f"{OPT}/extra/{index}/{host.name}"
    return host.as_posix()


def _ancestors(path: str) -> list[str]:
    """``/a/b/c`` -> ``["/a", "/a/b"]``: the directories bwrap must create for a mount."""
    parts = Path(path).parts[1:-1]
    return ["/" + "/".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _translate(arg: str, mapping: dict[str, str]) -> str:
    """Rewrite an argument that names a host path into its sandbox path."""
    for host, inside in sorted(mapping.items(), key=lambda item: -len(item[0])):
        if arg == host or arg.startswith(host + "/"):
            return inside + arg[len(host):]
    return arg


def wrap(argv: Sequence[str], workdir: Path, readonly: Sequence[Path] = (),
         limits: Limits = DEFAULT_LIMITS) -> list[str]:
    """The command that runs ``argv`` as a worker of the submission copy ``workdir``.

    ``readonly`` are the host files/folders the worker needs besides the runtime
    (e.g. ``grader/worker.py``, ``grader/wire.py``); the runtime prefix and venv are
    added here. Arguments naming a bound host path (or ``workdir``) are rewritten to
    their sandbox path, PYTHONPATH points at the grader files, cwd is MOUNT.
    Without a working bwrap the argv is returned unchanged (process-level mode).
    """
    if not probe().isolated:
        return list(argv)
    paths = [Path(p).absolute() for p in (*runtime_paths(), *readonly)]
    mapping = {p.as_posix(): _inside(p, i) for i, p in enumerate(dict.fromkeys(paths))}
    mapping[Path(workdir).absolute().as_posix()] = MOUNT
    mounts: list[str] = []
    made: set[str] = {"/usr"}
    for host, inside in mapping.items():
        source = SOURCE if inside == MOUNT else inside
        for parent in _ancestors(source):
            # bwrap makes missing parents 0700 (unreadable to the worker's uid).
            if parent not in made and not Path(parent).is_symlink():
                made.add(parent)
                mounts += ["--perms", "0755", "--dir", parent]
        mounts += ["--ro-bind", host, source]
    # Copy the submission into the tmpfs before dropping privileges (why a tmpfs: see
    # Limits). RLIMIT_NPROC is set in here: inside the namespaces it counts only the
    # sandbox's processes, whereas from outside it would count all of the caller's.
    start = (f"cp -R {SOURCE}/. {MOUNT} && chmod -R a+rwX {MOUNT} "
             f'&& exec prlimit --nproc={limits.processes}:{limits.processes} -- "$@"')
    return ["bwrap", *_system_binds(),
            "--proc", "/proc", "--dev", "/dev",
            "--size", str(limits.folder_bytes), "--perms", "1777", "--tmpfs", "/tmp",
            "--size", str(limits.folder_bytes), "--perms", "0777", "--tmpfs", MOUNT,
            *mounts,
            "--setenv", "PYTHONPATH", OPT, "--setenv", "HOME", "/tmp",
            "--setenv", "TMPDIR", "/tmp", "--setenv", "MPLCONFIGDIR", "/tmp",
            *_namespace_flags(), "--chdir", MOUNT,
            "--", "/bin/sh", "-c", start, "sh",
            *_drop_privileges(), *(_translate(a, mapping) for a in argv)]


def _user_threads() -> int:
    """How many threads the calling uid runs now (RLIMIT_NPROC counts them all)."""
    uid, count = str(os.getuid()), 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
        except (OSError, ValueError):
            continue
        if fields.get("Uid", "").split()[:1] == [uid]:
            count += int(fields.get("Threads", "1"))
    return count


def set_limits(limits: Limits = DEFAULT_LIMITS, *, processes: int | None = None) -> None:
    """Apply the process limits to the calling process (``processes``: RLIMIT_NPROC, if any)."""
    values = [(resource.RLIMIT_DATA, limits.memory_bytes),
              (resource.RLIMIT_FSIZE, limits.file_bytes),
              (resource.RLIMIT_CORE, 0)]
    if processes is not None:
        values.append((resource.RLIMIT_NPROC, processes))
    for name, value in values:
        resource.setrlimit(name, (value, value))
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))


def preexec(limits: Limits = DEFAULT_LIMITS) -> Callable[[], None]:
    """A ``preexec_fn`` for ``subprocess.Popen`` starting a worker: limits + new session.

    In the sandbox, RLIMIT_NPROC is set inside it (see :func:`wrap`). Without it, the
    count is per uid over the whole machine, so the worker may start ``processes`` more
    than the caller already runs (root is exempt from it: the fallback can't cap root).
    """
    isolated = probe().isolated
    processes = None if isolated else _user_threads() + limits.processes

    def start() -> None:
        os.setsid()
        set_limits(limits, processes=processes)
    return start


_SIGNAL_LIMITS = {signal.SIGXCPU: "cpu", signal.SIGXFSZ: "file"}

_MESSAGES = {
    "en": {
        "cpu": "the worker was stopped: CPU time limit ({cpu_seconds} s) exceeded",
        "file": "the worker was stopped: file size limit ({file_mib} MiB per file) exceeded",
        "memory": "memory limit reached ({memory_gib:g} GiB per worker)",
        "processes": "process limit reached ({processes} processes and threads per worker)",
        "folder": "working folder limit reached ({folder_mib} MiB)",
        "output": "[convkit: output limit of {output_kib} KiB reached; {dropped} more bytes dropped]",
    },
    "es": {
        "cpu": "se detuvo el proceso: se superó el límite de tiempo de CPU ({cpu_seconds} s)",
        "file": "se detuvo el proceso: se superó el tamaño máximo de archivo ({file_mib} MiB por archivo)",
        "memory": "se alcanzó el límite de memoria ({memory_gib:g} GiB por proceso)",
        "processes": "se alcanzó el límite de procesos ({processes} procesos e hilos por proceso)",
        "folder": "se alcanzó el límite de la carpeta de trabajo ({folder_mib} MiB)",
        "output": "[convkit: se alcanzó el límite de salida de {output_kib} KiB; se descartaron {dropped} bytes más]",
    },
}


def limit_message(kind: str, limits: Limits = DEFAULT_LIMITS, lang: str = "en", **extra) -> str:
    """The student-facing sentence naming a breached limit (kind: a key of _MESSAGES)."""
    values = dict(cpu_seconds=limits.cpu_seconds, file_mib=limits.file_bytes // MIB,
                  memory_gib=limits.memory_bytes / GIB, processes=limits.processes,
                  folder_mib=limits.folder_bytes // MIB, output_kib=limits.output_bytes // KIB)
    return _MESSAGES.get(lang, _MESSAGES["en"])[kind].format(**values, **extra)


def breached_limit(returncode: int | None) -> str | None:
    """Which limit killed a worker, from its exit status, or None.

    A signal shows as a negative status outside the sandbox and as 128 + signal
    through bwrap, which exits with its child's status.
    """
    if returncode is None:
        return None
    number = -returncode if returncode < 0 else returncode - 128
    try:
        return _SIGNAL_LIMITS.get(signal.Signals(number))
    except ValueError:
        return None


def error_limit(type_name: str, message: str) -> str | None:
    """Which limit an exception raised in the worker points at, or None.

    MemoryError and torch's "can't allocate memory" come from RLIMIT_DATA; EAGAIN on
    fork/thread start from RLIMIT_NPROC; ENOSPC from the tmpfs size.
    """
    text = f"{type_name}: {message}"
    if "MemoryError" in text or "can't allocate memory" in text or "Cannot allocate memory" in text:
        return "memory"
    if "Resource temporarily unavailable" in text or "can't start new thread" in text:
        return "processes"
    if "No space left on device" in text:
        return "folder"
    if "File too large" in text:
        return "file"
    return None


class CappedReader:
    """Drains a pipe in a thread, keeping its first ``limit`` bytes and counting the rest.

    Draining everything keeps a flooding worker from blocking on a full pipe.
    """

    def __init__(self, stream, limit: int) -> None:
        self.limit = limit
        self.kept = bytearray()
        self.dropped = 0
        self._thread = threading.Thread(target=self._drain, args=(stream,), daemon=True)
        self._thread.start()

    def _drain(self, stream) -> None:
        for chunk in iter(lambda: stream.read1(65536), b""):
            room = self.limit - len(self.kept)
            self.kept += chunk[:room]
            self.dropped += max(0, len(chunk) - room)
        stream.close()

    def text(self, limits: Limits = DEFAULT_LIMITS, lang: str = "en", timeout: float = 5.0) -> str:
        """What was kept, decoded, with a note naming the limit when bytes were dropped."""
        self._thread.join(timeout)
        text = self.kept.decode("utf-8", errors="replace")
        if self.dropped:
            text += "\n" + limit_message("output", limits, lang, dropped=self.dropped) + "\n"
        return text


@dataclass
class Result:
    """How a sandboxed command ended."""

    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool
    limit: str | None  # a key of _MESSAGES when a limit stopped it


def run(argv: Sequence[str], workdir: Path, readonly: Sequence[Path] = (), *,
        limits: Limits = DEFAULT_LIMITS, timeout: float = 60.0, env: dict | None = None) -> Result:
    """Run ``argv`` once as a worker would run (sandboxed when possible), capturing output.

    Used by the tests and the benchmark; the grader's own workers go through
    grader/launch.py, which calls :func:`wrap` and :func:`preexec`.
    """
    process = subprocess.Popen(wrap(argv, workdir, readonly, limits), cwd=workdir, env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, preexec_fn=preexec(limits))
    out = CappedReader(process.stdout, limits.output_bytes)
    err = CappedReader(process.stderr, limits.output_bytes)
    timed_out = False
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    stdout, stderr = out.text(limits), err.text(limits)
    limit = breached_limit(process.returncode) or error_limit("", stderr[-2000:])
    return Result(process.returncode, stdout, stderr, timed_out, limit)


def describe(argv: Sequence[str], workdir: Path, readonly: Sequence[Path] = ()) -> str:
    """The wrapped command as a shell line, for debugging a sandbox by hand."""
    return shlex.join(wrap(argv, workdir, readonly))
