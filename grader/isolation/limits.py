"""Per-worker limits: their values, how a worker applies them, and how a breach is named.

The rlimits apply in every mode; the sandbox (grader/isolation/bubblewrap.py) adds
namespaces and size-limited folders on top.
"""
from __future__ import annotations

import os
import resource
import signal
from dataclasses import dataclass
from typing import Callable

from grader.course import messages

MIB = 1 << 20
GIB = 1 << 30

# Size of each tmpfs in the sandbox (/work and /tmp): filling the working folder gives
# ENOSPC ("No space left on device") and never touches the host disk.
FOLDER_BYTES = 256 * MIB
# /dev/shm in the sandbox: POSIX shared memory (multiprocessing, torch's shared tensors).
SHM_BYTES = 64 * MIB
# What a worker holds before student code runs (interpreter, torch, the runtime): measured
# about 290 MiB (peak, im2col_conv loaded) in a memory cgroup; see docs/threat-model.md.
GROUP_HEADROOM_BYTES = 512 * MIB
# The same for a warm worker (grader/isolation/warm.py): it shares the interpreter's and
# torch's pages with its zygote, which are charged to the grading process's group, not
# its own: measured 10 MiB in its group after loading im2col_conv, against 283 MiB cold.
# Smaller, so a student gets about the same room in both modes.
WARM_GROUP_HEADROOM_BYTES = 256 * MIB
# Tasks of a worker's pids cgroup besides the student's: the sandbox's own processes (bwrap
# and its pid 1, or a warm worker's first child and pid 1) and the interpreter's threads:
# measured 3 tasks in all, warm or cold, with im2col_conv loaded. Above ``Limits.processes``,
# so RLIMIT_NPROC's EAGAIN comes first where it holds (not root).
GROUP_TASKS_HEADROOM = 16


@dataclass(frozen=True)
class Limits:
    """Per-worker limits (documented defaults; see README "Grading limits").

    memory_bytes caps the data segment (RLIMIT_DATA: heap and private anonymous
    mappings, where tensors live); address_space_bytes is a looser backstop
    (RLIMIT_AS) because importing torch alone maps over 3 GiB of shared libraries.
    Where the machine has a memory cgroup, ``group_bytes`` caps ALL the worker's memory,
    shared memory and tmpfs included; where it has a pids cgroup, ``group_tasks`` caps
    all its tasks, whatever their uid (grader/isolation/cgroup.py).
    """

    memory_bytes: int = 2 << 30
    address_space_bytes: int = 16 << 30
    cpu_seconds: int = 600
    processes: int = 64
    file_bytes: int = 64 << 20
    output_bytes: int = 64 << 10

    def group_bytes(self, warm: bool = False) -> int:
        """The memory cgroup's limit: memory_bytes plus what the interpreter and torch hold
        before any student code runs (less for a ``warm`` worker, which shares them with its
        zygote), so an ordinary large tensor still meets RLIMIT_DATA's clean MemoryError first."""
        return self.memory_bytes + (WARM_GROUP_HEADROOM_BYTES if warm else GROUP_HEADROOM_BYTES)

    def group_tasks(self) -> int:
        """The pids cgroup's limit: ``processes`` plus the tasks the sandbox and the interpreter
        hold before any student code runs (GROUP_TASKS_HEADROOM)."""
        return self.processes + GROUP_TASKS_HEADROOM

    def rlimits(self) -> dict[str, int]:
        """Resource names and values for the worker to apply to itself."""
        limits = {
            "RLIMIT_DATA": self.memory_bytes,
            "RLIMIT_AS": self.address_space_bytes,
            "RLIMIT_CPU": self.cpu_seconds,
            "RLIMIT_FSIZE": self.file_bytes,
            "RLIMIT_CORE": 0,
        }
        if os.name == "posix" and os.geteuid() != 0:
            # RLIMIT_NPROC counts every task of the user, so allow the ones that exist already.
            limits["RLIMIT_NPROC"] = _tasks_of_user() + self.processes
        elif os.name == "posix":
            limits["RLIMIT_NPROC"] = self.processes  # not enforced for root; the sandbox's PID namespace is
        return limits


def _tasks_of_user() -> int:
    uid, count = os.geteuid(), 0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if entry.stat().st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry.name}/task"))
            except OSError:
                continue
    return count


_SIGNAL_LIMITS = {signal.SIGXCPU: "cpu", signal.SIGXFSZ: "file"}


def limit_message(kind: str, limits: Limits = Limits(), lang: str = "en") -> str:
    """The student-facing sentence naming a breached limit (kind: "cpu", "file", "memory", "processes", "folder")."""
    values = dict(cpu_seconds=limits.cpu_seconds, file_mib=limits.file_bytes // MIB,
                  memory_gib=limits.memory_bytes / GIB, processes=limits.processes,
                  folder_mib=FOLDER_BYTES // MIB)
    return messages.text(f"limit_{kind}", lang, **values)


def _signal_of(returncode: int, sandboxed: bool) -> signal.Signals | None:
    """The signal that ended a worker: a negative status outside the sandbox, 128 +
    signal through bwrap (which exits with its child's status)."""
    number = -returncode if returncode < 0 else returncode - 128 if sandboxed else 0
    try:
        return signal.Signals(number) if number > 0 else None
    except ValueError:
        return None


def breached_limit(returncode: int | None, sandboxed: bool) -> str | None:
    """Which limit killed a worker (a kind of limit_message), from its exit status, or None."""
    if returncode is None:
        return None
    return _SIGNAL_LIMITS.get(_signal_of(returncode, sandboxed))


def death_reason(returncode: int, sandboxed: bool, limits: Limits = Limits()) -> str:
    """How a worker process ended, for a student: the signal, and the limit it means."""
    number = _signal_of(returncode, sandboxed)
    if number is None:
        return f"the worker process exited with status {returncode}"
    limit = _SIGNAL_LIMITS.get(number)
    return f"the worker process was killed by signal {number.name}" + (
        f" ({limit_message(limit, limits)})" if limit else "")


def error_limit(text: str) -> str | None:
    """Which limit an error raised in the worker points at, or None.

    ``text`` is "Type: message" (or a traceback). MemoryError and torch's "can't
    allocate memory" come from RLIMIT_DATA, EAGAIN on fork or thread start from
    RLIMIT_NPROC, ENOSPC from the tmpfs size, EFBIG from RLIMIT_FSIZE.
    """
    for kind, signs in (("memory", ("MemoryError", "can't allocate memory", "Cannot allocate memory")),
                        ("processes", ("Resource temporarily unavailable", "can't start new thread")),
                        ("folder", ("No space left on device",)),
                        ("file", ("File too large",))):
        if any(sign in text for sign in signs):
            return kind
    return None


def preexec(limits: Limits = Limits()) -> Callable[[], None]:
    """A ``preexec_fn`` for a sandboxed command outside the worker protocol (tests, benchmark).

    Workers proper set the same rlimits on themselves (grader/runtime/worker.py). The CPU hard
    limit is 5 s above the soft one so SIGXCPU, which names the cause, comes first.
    """
    rlimits = [(getattr(resource, name), value) for name, value in limits.rlimits().items()]

    def start() -> None:
        os.setsid()
        for which, value in rlimits:
            slack = 5 if which == resource.RLIMIT_CPU else 0
            resource.setrlimit(which, (value, value + slack))
    return start

