"""Per-worker cgroups (grader/isolation/cgroup.py): memory, CPU and pids groups made, entered
before exec (by every process, in any session), enforced, reported, removed, and cleaned up
after a killed grader."""
from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from grader.course import messages
from grader.isolation import bubblewrap, cgroup
from grader.isolation.launch import remove_orphaned_folders

MIB = 1 << 20
TASKS = 80

pytestmark = pytest.mark.skipif(not cgroup.support().available, reason=cgroup.support().reason)


# A child in a session of its own (as the red team's CPU hog made 60 of), then both say
# where they are. The child's line comes first: the parent waits for it.
FORK_SETSID = ("import os, sys\n"
               "if os.fork() == 0:\n"
               "    os.setsid()\n"
               "    print('child', os.getsid(0), open('/proc/self/cgroup').read().replace(chr(10), ' '), flush=True)\n"
               "    os._exit(0)\n"
               "os.wait()\n"
               "print('parent', os.getsid(0), open('/proc/self/cgroup').read().replace(chr(10), ' '), flush=True)\n")


def cgroup_lines(text: str) -> dict[str, str]:
    """Controller -> cgroup path, from /proc/self/cgroup's lines."""
    found = {}
    for line in text.split():
        if line.count(":") >= 2:
            _, controllers, path = line.split(":", 2)
            for name in controllers.split(",") if controllers else [""]:
                found[name] = path
    return found


def test_every_process_is_in_every_group_before_it_runs_anything_and_the_groups_go_after() -> None:
    """The worker, and a child that made a session of its own, are in the worker's memory,
    CPU and pids groups (each controller this machine has); all go when the worker stops."""
    group = cgroup.WorkerGroup.create(256 * MIB, TASKS)
    try:
        assert set(group.paths) == {c for c in cgroup.CONTROLLERS if cgroup.support(c).available}
        assert group.has("cpu"), cgroup.support("cpu").reason  # this machine has the CPU controller
        done = subprocess.run(group.enter_argv([sys.executable, "-c", FORK_SETSID]),
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        child, parent = done.stdout.splitlines()
        assert child.split()[1] != parent.split()[1], "the child did not get a session of its own"
        for line in (child, parent):
            where = cgroup_lines(line)
            for controller, folder in group.paths.items():
                key = "" if cgroup.support(controller).version == 2 else controller
                assert where[key].endswith("/" + folder.name), (controller, line)
        knob, weight = cgroup.CPU_WEIGHT[cgroup.support("cpu").version]
        assert (group.paths["cpu"] / knob).read_text().strip() == str(weight)
    finally:
        group.remove()
    assert group.folders and not any(folder.exists() for folder in group.folders)


def test_the_pids_group_bounds_tasks_even_for_root() -> None:
    """RLIMIT_NPROC does not hold for root; the pids group's limit does."""
    forks = ("import os, time\nmade = 0\nfor _ in range(20):\n    try:\n        pid = os.fork()\n"
             "    except OSError:\n        break\n    if pid == 0:\n        os.close(1)\n        os.close(2)\n"
             "        time.sleep(30)\n        os._exit(0)\n"
             "    made += 1\nprint(made, flush=True)\n")
    group = cgroup.WorkerGroup.create(256 * MIB, 8)
    try:
        assert group.has("pids"), cgroup.support("pids").reason
        done = subprocess.run(group.enter_argv([sys.executable, "-c", forks]), capture_output=True, text=True,
                              timeout=30)
        assert done.returncode == 0, done.stderr
        assert 0 < int(done.stdout) < 8  # the shell exec'd into python: it and its children, 8 tasks at most
    finally:
        group.remove()


def test_shared_memory_counts_and_a_breach_is_reported() -> None:
    """memfd pages, which RLIMIT_DATA does not count, meet the group's limit."""
    hog = ("import os\nfds = []\nfor _ in range(16):\n    fd = os.memfd_create('hog')\n"
           "    os.write(fd, b'x' * (32 << 20))\n    fds.append(fd)\nprint('survived')\n")
    group = cgroup.WorkerGroup.create(128 * MIB, TASKS)
    try:
        done = subprocess.run(group.enter_argv([sys.executable, "-c", hog]), capture_output=True, text=True, timeout=60)
        assert "survived" not in done.stdout and done.returncode != 0
        assert group.oom_killed()
        assert 100 * MIB < group.peak_bytes() <= 128 * MIB
    finally:
        group.remove()


def test_a_missing_cpu_controller_leaves_the_others_and_is_said(monkeypatch) -> None:
    """Each controller degrades alone: no CPU group, the memory and pids groups still made."""
    monkeypatch.setenv(cgroup.ENV_MODE, "memory,pids")
    cgroup.support.cache_clear()
    try:
        assert not cgroup.support("cpu").available and cgroup.ENV_MODE in cgroup.support("cpu").reason
        group = cgroup.WorkerGroup.create(64 * MIB, TASKS)
        try:
            assert not group.has("cpu") and group.has("memory") == cgroup.support("memory").available
        finally:
            group.remove()
    finally:
        monkeypatch.delenv(cgroup.ENV_MODE)
        cgroup.support.cache_clear()


def test_a_group_that_cannot_be_entered_stops_the_start() -> None:
    group = cgroup.WorkerGroup.create(64 * MIB, TASKS)
    group.remove()
    done = subprocess.run(group.enter_argv([sys.executable, "-c", "print('ran')"]), capture_output=True, text=True)
    assert done.returncode != 0 and "ran" not in done.stdout


def test_groups_of_a_dead_grader_are_removed() -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    parents = {cgroup.support(c).parent for c in cgroup.CONTROLLERS if cgroup.support(c).available}
    orphans = [parent / f"{cgroup.PREFIX}{int(dead.stdout)}-0" for parent in parents]
    for orphan in orphans:
        orphan.mkdir()
    mine = cgroup.WorkerGroup.create(64 * MIB, TASKS)
    try:
        remove_orphaned_folders()
        assert not any(orphan.exists() for orphan in orphans)
        assert all(folder.exists() for folder in mine.folders)  # this process is alive: its groups stay
    finally:
        mine.remove()
        for orphan in orphans:
            if orphan.exists():
                orphan.rmdir()


def test_the_fallback_is_said_once_with_its_reason(monkeypatch, capsys) -> None:
    monkeypatch.setenv(cgroup.ENV_MODE, "off")
    cgroup.support.cache_clear()
    monkeypatch.setattr(bubblewrap, "_announced", threading.Event())
    try:
        found = cgroup.support()
        assert not found.available and cgroup.ENV_MODE in found.reason
        assert cgroup.WorkerGroup.create(64 * MIB, TASKS) is None
        bubblewrap.announce()
        bubblewrap.announce()
        (line,) = capsys.readouterr().err.splitlines()
        for key in ("memory_rlimit_only", "cpu_shared_only", "tasks_rlimit_only"):
            assert messages.text(key, "en", why=found.reason) in line
    finally:
        monkeypatch.delenv(cgroup.ENV_MODE)
        cgroup.support.cache_clear()
    assert os.environ.get(cgroup.ENV_MODE) is None
