"""A worker's cgroups: a memory limit that counts every page, one CPU share, a task limit.

Made before the worker starts, entered by it before it runs anything, removed when it stops,
always together (:class:`WorkerGroup`):

- **memory**: RLIMIT_DATA (grader/isolation/limits.py) counts the heap and private
  mappings only: memory held in ``memfd``, shared ``mmap`` or a tmpfs escapes it. A
  memory cgroup charges all of them to the group of the process that touched them, and
  the kernel's OOM killer ends the worker when the group goes past its limit
  (v2 ``memory.max``, ``memory.swap.max = 0``, a breach is ``oom_kill`` in
  ``memory.events``; v1 ``memory.limit_in_bytes`` and, when the kernel accounts swap,
  ``memory.memsw.limit_in_bytes``, a breach is ``oom_kill`` in ``memory.oom_control``).
- **cpu**: the scheduler shares the CPU between sibling groups by their weight, and a
  task in a non-root CPU cgroup is not put in a session's autogroup. So every process a
  worker forks, in however many sessions, takes from the worker's ONE share, the same
  weight as every other worker's (v2 ``cpu.weight``, v1 ``cpu.shares``: the kernel's
  default weight, that of one ordinary process or session). Without it, 60 children each
  calling ``setsid()`` made 60 autogroups and took 60/61 of the CPU from a classmate.
- **pids**: ``pids.max`` bounds the tasks (processes and threads) of the worker, a second
  bound behind RLIMIT_NPROC, which counts per uid and does not hold for root.

Where a controller is missing (not mounted, not writable) the worker runs without that
group and :func:`support` says why (printed once at the start of a run). On cgroup v2 the
controllers share one folder; on v1 each has its own hierarchy, so its own folder.

Each of a worker's folders is a child of the grading process's own cgroup of that
controller (so any limit set on the grader's own group still holds), named
``convkit-<grader pid>-<n>`` so that groups left by a killed grader can be found and
removed (:func:`remove_orphans`). The worker enters them before it execs anything
(:meth:`WorkerGroup.enter_argv`), so every process it starts, and so every byte and
every CPU cycle of student code, is counted in them.
"""
from __future__ import annotations

import functools
import itertools
import os
import shlex
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

PREFIX = "convkit-"
# "off": no cgroup at all, rlimits only; "memory,cpu": only those controllers (to measure or test the fallbacks)
ENV_MODE = "CONVKIT_CGROUPS"
CONTROLLERS = ("memory", "cpu", "pids")  # entered in this order
# The kernel's default weight of a group, and of one nice-0 process or session: every worker
# weighs what one ordinary process does, whatever it forks.
CPU_WEIGHT = {2: ("cpu.weight", 100), 1: ("cpu.shares", 1024)}
# A file that tells the v1 hierarchy mounted for a controller really has it (pids.max exists
# in child groups only).
_V1_MARKER = {"memory": "memory.limit_in_bytes", "cpu": "cpu.shares", "pids": "cgroup.procs"}
_counter = itertools.count()


@dataclass(frozen=True)
class Support:
    """Which cgroup of ``controller`` this machine gives a worker: ``version`` 2, 1, or 0 (none)."""

    controller: str
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


def _knob(controller: str, version: int) -> str:
    """The file a worker's group of ``controller`` is configured by, for the start-up line."""
    if controller == "memory":
        return "memory.max" if version == 2 else "memory.limit_in_bytes"
    return CPU_WEIGHT[version][0] if controller == "cpu" else "pids.max"


def _v2(mount: str, own: str, controller: str) -> Support | None:
    parent = Path(mount) / own.lstrip("/")
    try:
        enabled = (parent / "cgroup.subtree_control").read_text().split()
        if controller not in enabled and controller in (parent / "cgroup.controllers").read_text().split():
            # Fails (EBUSY) while the group holds processes: the "no internal processes" rule.
            (parent / "cgroup.subtree_control").write_text(f"+{controller}")
            enabled = [controller]
    except OSError:
        enabled = []
    if controller in enabled and _writable(parent):
        return Support(controller, 2, parent, f"cgroup v2 {_knob(controller, 2)} under {parent}")
    return None


def _v1(mount: str, own: str, controller: str) -> Support | None:
    parent = Path(mount) / own.lstrip("/")
    if (parent / _V1_MARKER[controller]).exists() and _writable(parent):
        swap = " + memory.memsw" if (parent / "memory.memsw.limit_in_bytes").exists() else ""
        return Support(controller, 1, parent, f"cgroup v1 {_knob(controller, 1)}{swap} under {parent}")
    return None


@functools.cache
def support(controller: str = "memory") -> Support:
    """Find out once per process which cgroup of ``controller`` (one of CONTROLLERS) workers can get."""
    chosen = os.environ.get(ENV_MODE, "").lower()
    if chosen in ("off", "0", "no") or (chosen and controller not in chosen.split(",")):
        return Support(controller, 0, None, f"{ENV_MODE}={os.environ[ENV_MODE]} asked for it")
    if not Path("/proc/self/cgroup").exists():
        return Support(controller, 0, None, "no cgroups on this system")
    own = _own_groups()
    reasons = []
    for mount, fstype, options in _mounts():
        if fstype == "cgroup2" and "" in own:
            found = _v2(mount, own[""], controller)
            if found:
                return found
            reasons.append(f"the unified hierarchy at {mount} has no writable {controller} controller")
    for mount, fstype, options in _mounts():
        if fstype == "cgroup" and controller in options.split(",") and controller in own:
            found = _v1(mount, own[controller], controller)
            if found:
                return found
            reasons.append(f"the v1 {controller} hierarchy at {mount} is not writable")
    return Support(controller, 0, None, "; ".join(reasons) or f"no {controller} cgroup controller is mounted")


class WorkerGroup:
    """One worker's cgroups (memory limit, CPU share, task limit): made, entered and removed together."""

    def __init__(self, found: list[Support], memory_bytes: int, tasks: int):
        name = f"{PREFIX}{os.getpid()}-{next(_counter)}"
        self.paths: dict[str, Path] = {}  # controller -> its folder (one folder for all on v2)
        self.versions = {each.controller: each.version for each in found}
        try:
            for each in found:
                assert each.parent is not None
                path = each.parent / name
                if path not in self.paths.values():
                    path.mkdir()
                self.paths[each.controller] = path
                self._configure(each, memory_bytes, tasks)
        except OSError:
            self.remove()
            raise

    @classmethod
    def create(cls, memory_bytes: int, tasks: int) -> WorkerGroup | None:
        """Fresh groups of every controller the machine has (memory limited to
        ``memory_bytes``, at most ``tasks`` tasks), or None where it has none."""
        found = [support(controller) for controller in CONTROLLERS]
        found = [each for each in found if each.available]
        return cls(found, memory_bytes, tasks) if found else None

    def _configure(self, found: Support, memory_bytes: int, tasks: int) -> None:
        if found.controller == "memory" and found.version == 2:
            self._write("memory", "memory.max", memory_bytes)
            self._write("memory", "memory.swap.max", 0, optional=True)
        elif found.controller == "memory":
            self._write("memory", "memory.limit_in_bytes", memory_bytes)
            # memory + swap, so the limit cannot be dodged by swapping out.
            self._write("memory", "memory.memsw.limit_in_bytes", memory_bytes, optional=True)
        elif found.controller == "cpu":
            self._write("cpu", *CPU_WEIGHT[found.version])
        else:
            self._write("pids", "pids.max", tasks)

    def _write(self, controller: str, name: str, value: int, optional: bool = False) -> None:
        target = self.paths[controller] / name
        if optional and not target.exists():
            return
        target.write_text(str(value))

    @property
    def folders(self) -> list[Path]:
        """Each folder once, in CONTROLLERS order (memory first: every page is charged from the start)."""
        return list(dict.fromkeys(self.paths.values()))

    def has(self, controller: str) -> bool:
        """Whether the worker has a group of ``controller``."""
        return controller in self.paths

    def enter_argv(self, argv: list[str]) -> list[str]:
        """``argv`` started inside these groups: a shell moves itself in, then execs ``argv``.

        The moves happen before the exec, so nothing the worker runs is ever outside its
        groups; if one fails, the worker does not start.
        """
        moves = " && ".join(f"echo $$ > {shlex.quote(str(folder / 'cgroup.procs'))}" for folder in self.folders)
        return ["/bin/sh", "-c", f'{moves} && exec "$@"', "sh", *argv]

    def enter(self, pid: int) -> None:
        """Move the running process ``pid`` into these groups (a warm worker, before it runs anything of the student's)."""
        for folder in self.folders:
            (folder / "cgroup.procs").write_text(str(pid))

    def kill(self) -> bool:
        """SIGKILL every process in the groups (daemonised ones included) until they are empty; False if one never empties."""
        return all([_kill_all(folder) for folder in self.folders])

    def oom_killed(self) -> bool:
        """Whether the kernel killed a process of the memory group for going past the limit."""
        if not self.has("memory"):
            return False
        name = "memory.events" if self.versions["memory"] == 2 else "memory.oom_control"
        try:
            text = (self.paths["memory"] / name).read_text()
            fields = dict(line.split() for line in text.splitlines() if line.strip())
        except (OSError, ValueError):
            return False
        return int(fields.get("oom_kill", "0")) > 0

    def peak_bytes(self) -> int:
        """The most memory the group held at once (0 where the kernel does not say)."""
        for name in ("memory.peak", "memory.max_usage_in_bytes"):
            try:
                return int((self.paths["memory"] / name).read_text())
            except (KeyError, OSError, ValueError):
                continue
        return 0

    def remove(self) -> None:
        """Kill whatever is left in the groups, then delete them."""
        for folder in self.folders:
            _remove(folder)


def _pauses(tries: int = 50, first: float = 0.001, longest: float = 0.02) -> Iterator[float]:
    """Waits between tries, doubling from ``first`` up to ``longest``: a group empties within a
    millisecond or two of its processes' death, and every worker's stop waits for it."""
    for attempt in range(tries):
        yield min(first * 2 ** attempt, longest)


def _kill_all(path: Path) -> bool:
    for pause in _pauses():
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
        time.sleep(pause)
    return False


def _remove(path: Path) -> bool:
    for pause in _pauses():
        _kill_all(path)
        try:
            path.rmdir()
            return True
        except FileNotFoundError:
            return True
        except OSError:
            time.sleep(pause)  # EBUSY until the killed processes are reaped
    return False


def remove_orphans(alive) -> list[Path]:
    """Remove worker groups, of every controller, whose grading process (``alive(pid)`` is False) is gone."""
    parents = {found.parent for found in map(support, CONTROLLERS) if found.available}
    removed = []
    for parent in sorted(parents):
        for entry in parent.glob(f"{PREFIX}*-*"):
            pid = entry.name[len(PREFIX):].split("-", 1)[0]
            if entry.is_dir() and pid.isdigit() and not alive(int(pid)) and _remove(entry):
                removed.append(entry)
    return removed
