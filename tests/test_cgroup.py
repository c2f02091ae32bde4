"""Per-worker memory cgroups (grader/isolation/cgroup.py): made, entered before exec,
enforced on shared memory, reported, removed, and cleaned up after a killed grader."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from grader.isolation import cgroup
from grader.isolation.launch import remove_orphaned_folders

MIB = 1 << 20

pytestmark = pytest.mark.skipif(not cgroup.support().available, reason=cgroup.support().reason)


def test_the_process_is_in_its_group_before_it_runs_anything() -> None:
    group = cgroup.MemoryGroup.create(256 * MIB)
    try:
        done = subprocess.run(group.enter_argv([sys.executable, "-c", "print(open('/proc/self/cgroup').read())"]),
                              capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        assert group.path.name in done.stdout
    finally:
        group.remove()
    assert not group.path.exists()


def test_shared_memory_counts_and_a_breach_is_reported() -> None:
    """memfd pages, which RLIMIT_DATA does not count, meet the group's limit."""
    hog = ("import os\nfds = []\nfor _ in range(16):\n    fd = os.memfd_create('hog')\n"
           "    os.write(fd, b'x' * (32 << 20))\n    fds.append(fd)\nprint('survived')\n")
    group = cgroup.MemoryGroup.create(128 * MIB)
    try:
        done = subprocess.run(group.enter_argv([sys.executable, "-c", hog]), capture_output=True, text=True, timeout=60)
        assert "survived" not in done.stdout and done.returncode != 0
        assert group.oom_killed()
        assert 100 * MIB < group.peak_bytes() <= 128 * MIB
    finally:
        group.remove()


def test_a_group_that_cannot_be_entered_stops_the_start() -> None:
    group = cgroup.MemoryGroup.create(64 * MIB)
    group.remove()
    done = subprocess.run(group.enter_argv([sys.executable, "-c", "print('ran')"]), capture_output=True, text=True)
    assert done.returncode != 0 and "ran" not in done.stdout


def test_groups_of_a_dead_grader_are_removed() -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = cgroup.support().parent / f"{cgroup.PREFIX}{int(dead.stdout)}-0"
    orphan.mkdir()
    mine = cgroup.MemoryGroup.create(64 * MIB)
    try:
        remove_orphaned_folders()
        assert not orphan.exists()
        assert mine.path.exists()  # this process is alive: its groups stay
    finally:
        mine.remove()
        if orphan.exists():
            orphan.rmdir()


def test_the_fallback_is_said_once_with_its_reason(monkeypatch) -> None:
    monkeypatch.setenv(cgroup.ENV_MODE, "off")
    cgroup.support.cache_clear()
    try:
        found = cgroup.support()
        assert not found.available and cgroup.ENV_MODE in found.reason
        assert cgroup.MemoryGroup.create(64 * MIB) is None
    finally:
        monkeypatch.delenv(cgroup.ENV_MODE)
        cgroup.support.cache_clear()
    assert os.environ.get(cgroup.ENV_MODE) is None
