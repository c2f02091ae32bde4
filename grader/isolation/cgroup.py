"""A memory cgroup per worker: a limit that counts every page the worker makes.

RLIMIT_DATA (grader/isolation/limits.py) counts the heap and private mappings only:
memory held in ``memfd``, shared ``mmap`` or a tmpfs escapes it. A memory cgroup
charges all of them (anonymous, shared memory and tmpfs pages) to the group of the
process that touched them, and the kernel's OOM killer ends the worker when the group
goes past its limit.

- cgroup v2 (the unified hierarchy, when it has the memory controller): ``memory.max``,
  ``memory.swap.max = 0``; a breach shows as ``oom_kill`` in ``memory.events``.
- cgroup v1 (``/sys/fs/cgroup/memory``): ``memory.limit_in_bytes`` and, when the
  kernel accounts swap, ``memory.memsw.limit_in_bytes``; a breach shows as
  ``oom_kill`` in ``memory.oom_control``.
- Neither (no controller, not writable): the worker runs with rlimits only, and
  :func:`support` says why (printed once at the start of a run).

Each worker's group is a child of the grading process's own memory cgroup (so any
limit set on the grader's own group still holds), named ``convkit-<grader pid>-<n>``
so that groups left by a killed grader can be found and removed
(:func:`remove_orphans`). The worker enters its group before it execs anything
(:meth:`MemoryGroup.enter_argv`), so every process it starts, and so every byte of
student code, is charged to it.
"""
from __future__ import annotations

import functools
import itertools
import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

PREFIX = "convkit-"
ENV_MODE = "CONVKIT_MEMORY_CGROUP"  # "off": rlimits only (to measure or test the fallback)
_counter = itertools.count()


@dataclass(frozen=True)
class Support:
    """Which memory cgroup this machine gives a worker: ``version`` 2, 1, or 0 (none)."""

    version: int
    parent: Path | None  # where worker groups are made
    reason: str

    @property
    def available(self) -> bool:
        return self.version > 0


def _mounts() -> list[tuple[str, str, str]]:
    """(mount point, file system type, super options) of every mount this process sees."""
    found = []
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return []
    for line in lines:
        before, _, after = line.partition(" - ")
        fields, tail = before.split(), after.split()
        if len(fields) >= 5 and len(tail) >= 3:
            found.append((fields[4].replace("\\040", " "), tail[0], tail[2]))
    return found


def _own_groups() -> dict[str, str]:
    """Controller (``""`` for v2) -> this process's cgroup path, from /proc/self/cgroup."""
    groups = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return {}
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for name in controllers.split(",") if controllers else [""]:
            groups[name] = path
    return groups


def _writable(folder: Path) -> bool:
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


def _v2(mount: str, own: str) -> Support | None:
    parent = Path(mount) / own.lstrip("/")
    try:
        enabled = (parent / "cgroup.subtree_control").read_text().split()
        if "memory" not in enabled and "memory" in (parent / "cgroup.controllers").read_text().split():
            # Fails (EBUSY) while the group holds processes: the "no internal processes" rule.
            (parent / "cgroup.subtree_control").write_text("+memory")
            enabled = ["memory"]
    except OSError:
        enabled = []
    if "memory" in enabled and _writable(parent):
        return Support(2, parent, f"cgroup v2 memory.max under {parent}")
    return None


def _v1(mount: str, own: str) -> Support | None:
    parent = Path(mount) / own.lstrip("/")
    if (parent / "memory.limit_in_bytes").exists() and _writable(parent):
        swap = " + memory.memsw" if (parent / "memory.memsw.limit_in_bytes").exists() else ""
        return Support(1, parent, f"cgroup v1 memory.limit_in_bytes{swap} under {parent}")
    return None


@functools.cache
def support() -> Support:
    """Find out once per process which memory cgroup workers can get."""
    if os.environ.get(ENV_MODE, "").lower() in ("off", "0", "no"):
        return Support(0, None, f"{ENV_MODE}={os.environ[ENV_MODE]} asked for it")
    if not Path("/proc/self/cgroup").exists():
        return Support(0, None, "no cgroups on this system")
    own = _own_groups()
    reasons = []
    for mount, fstype, options in _mounts():
        if fstype == "cgroup2" and "" in own:
            found = _v2(mount, own[""])
            if found:
                return found
            reasons.append(f"the unified hierarchy at {mount} has no writable memory controller")
    for mount, fstype, options in _mounts():
        if fstype == "cgroup" and "memory" in options.split(",") and "memory" in own:
            found = _v1(mount, own["memory"])
            if found:
                return found
            reasons.append(f"the v1 memory hierarchy at {mount} is not writable")
    return Support(0, None, "; ".join(reasons) or "no memory cgroup controller is mounted")


class MemoryGroup:
    """One worker's memory cgroup: made with its limit, entered by the worker, removed after."""

    def __init__(self, found: Support, limit_bytes: int):
        assert found.parent is not None
        self.version = found.version
        self.path = found.parent / f"{PREFIX}{os.getpid()}-{next(_counter)}"
        self.path.mkdir()
        try:
            if self.version == 2:
                self._write("memory.max", limit_bytes)
                self._write("memory.swap.max", 0, optional=True)
            else:
                self._write("memory.limit_in_bytes", limit_bytes)
                # memory + swap, so the limit cannot be dodged by swapping out.
                self._write("memory.memsw.limit_in_bytes", limit_bytes, optional=True)
        except OSError:
            self.remove()
            raise

    @classmethod
    def create(cls, limit_bytes: int) -> MemoryGroup | None:
        """A fresh group limited to ``limit_bytes``, or None where the machine has none."""
        found = support()
        if not found.available:
            return None
        return cls(found, limit_bytes)

    def _write(self, name: str, value: int, optional: bool = False) -> None:
        target = self.path / name
        if optional and not target.exists():
            return
        target.write_text(str(value))

    def enter_argv(self, argv: list[str]) -> list[str]:
        """``argv`` started inside this group: a shell moves itself in, then execs ``argv``.

        The move happens before the exec, so nothing the worker runs is ever outside the
        group; if the move fails, the worker does not start.
        """
        procs = str(self.path / "cgroup.procs")
        return ["/bin/sh", "-c", 'echo $$ > "$0" && exec "$@"', procs, *argv]

    def enter(self, pid: int) -> None:
        """Move the running process ``pid`` into this group (a warm worker, before it runs anything of the student's)."""
        (self.path / "cgroup.procs").write_text(str(pid))

    def kill(self) -> bool:
        """SIGKILL every process in the group (daemonised ones included) until it is empty; False if it never empties."""
        return _kill_all(self.path)

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process of this group for going past the limit."""
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        try:
            fields = dict(line.split() for line in (self.path / name).read_text().splitlines() if line.strip())
        except (OSError, ValueError):
            return False
        return int(fields.get("oom_kill", "0")) > 0

    def peak_bytes(self) -> int:
        """The most memory the group held at once (0 where the kernel does not say)."""
        for name in ("memory.peak", "memory.max_usage_in_bytes"):
            try:
                return int((self.path / name).read_text())
            except (OSError, ValueError):
                continue
        return 0

    def remove(self) -> None:
        """Kill whatever is left in the group, then delete it."""
        _remove(self.path)


def _kill_all(path: Path) -> bool:
    for _ in range(50):
        try:
            pids = [int(p) for p in (path / "cgroup.procs").read_text().split()]
        except FileNotFoundError:
            return True
        except (OSError, ValueError):
            pids = []
        if not pids:
            return True
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.005)
    return False


def _remove(path: Path) -> bool:
    for _ in range(50):
        _kill_all(path)
        try:
            path.rmdir()
            return True
        except FileNotFoundError:
            return True
        except OSError:
            time.sleep(0.02)  # EBUSY until the killed processes are reaped
    return False


def remove_orphans(alive) -> list[Path]:
    """Remove worker groups whose grading process (``alive(pid)`` is False) is gone."""
    found = support()
    removed = []
    if not found.available:
        return removed
    for entry in found.parent.glob(f"{PREFIX}*-*"):
        pid = entry.name[len(PREFIX):].split("-", 1)[0]
        if entry.is_dir() and pid.isdigit() and not alive(int(pid)) and _remove(entry):
            removed.append(entry)
    return removed
