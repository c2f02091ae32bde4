"""The kernel's key management is closed to workers (grader/runtime/seccomp.py).

A key stored with add_key(2) belongs to a uid, not to a namespace or a process, and
outlives the worker that stored it; worker uids are reused within a grading process.
So every worker, warm or cold, and everything it starts, runs under a seccomp filter
that makes add_key, request_key and keyctl fail with EPERM.

- the red team's pair (tests/redteam4/keyring_*): keyring_a_plant stores a key under
  each worker uid it runs as; keyring_b_read, graded next by the same grading process,
  fails every call if its uid's keyring holds that key, and is the reference otherwise;
- a real worker (warm, cold and unsandboxed), a child it forks and a program that child
  executes get EPERM from all three calls;
- the BPF program itself, run by a small classic-BPF interpreter: it denies exactly the
  three calls of the running architecture, any x32 call and any call of another ABI;
  installed for real in a fresh interpreter, it lets the other calls through;
- an architecture without a filter is named in the run's start-up line.
"""
from __future__ import annotations

import ctypes
import errno
import io
import json
import platform
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from grader.course.assignment import SOLUTIONS
from grader.grading.cache import Settings
from grader.grading.class_run import Run, grade_class
from grader.isolation import bubblewrap
from grader.isolation.launch import Worker
from grader.isolation.limits import Limits
from grader.runtime import seccomp

ATTACKS = Path(__file__).resolve().parent / "redteam4"
PLANTED = "convkit-rt4"  # the key keyring_a_plant leaves (tests/redteam4/keyring_a_plant/_plant.py)
# The kernel's key list is the machine's: this run's copies use a name of their own, so a
# concurrent run elsewhere (another branch grading the same attack) neither shows up here
# nor loses its keys to this run's clean-up.
KEY_NAME = f"{PLANTED}-{uuid.uuid4().hex[:12]}"
# student -> the exercises it is graded on; graded one after the other, in this (id) order.
PAIR = {
    "honest": ("output_size",),
    "keyring_a_plant": ("im2col_conv", "maxpool", "backward"),  # many ruled calls: many fresh workers, all 16 uids
    "keyring_b_read": ("output_size",),
}


class _GradeOwn:
    """The class run's grade_fn (picklable: grading processes are spawned): each student on its own exercises."""

    def __call__(self, folder: Path, student: str, **options):
        from grader.grading.submission import grade_submission

        return grade_submission(folder, student, **{**options, "exercises": PAIR[student]})


def planted_keys() -> list[str]:
    """Lines of /proc/keys naming the red team's key (root sees every key: it is readable by anyone)."""
    try:
        return [line for line in Path("/proc/keys").read_text().splitlines() if f" {KEY_NAME}:" in line]
    except OSError:
        return []


def forget_planted_keys() -> None:
    """Invalidate the keys a grader without the filter let the attack leave (KEYCTL_INVALIDATE)."""
    libc = ctypes.CDLL(None, use_errno=True)
    keyctl, invalidate = seccomp.running_abi().denied[2], 21
    for line in planted_keys():
        libc.syscall(keyctl, invalidate, int(line.split()[0], 16))


@pytest.fixture(scope="module")
def pair_class(tmp_path_factory) -> tuple[Run, list[str]]:
    """The pair and an honest classmate graded by ONE grading process; the keys left behind."""
    assert bubblewrap.probe().isolated, bubblewrap.probe().reason
    root = tmp_path_factory.mktemp("keyring")
    folders = {}
    for student in PAIR:
        folders[student] = root / "class" / student
        if student == "honest":
            folders[student].mkdir(parents=True)
            shutil.copy(SOLUTIONS / "output_size.py", folders[student] / "output_size.py")
        else:
            shutil.copytree(ATTACKS / student, folders[student])
            for source in folders[student].glob("*.py"):
                source.write_text(source.read_text().replace(f'b"{PLANTED}"', f'b"{KEY_NAME}"'))
            assert KEY_NAME in "".join(source.read_text() for source in folders[student].glob("*.py")), student
    forget_planted_keys()
    try:
        exercises = ("output_size", "im2col_conv", "maxpool", "backward")
        run = grade_class(folders, root / "out", Settings(exercises=exercises), jobs=1, grade_fn=_GradeOwn(),
                          progress=False)
        yield run, planted_keys()
    finally:
        forget_planted_keys()


def test_a_later_submission_sees_nothing_an_earlier_one_left_in_the_kernel(pair_class) -> None:
    run, left = pair_class
    assert run.failed == {}, run.failed
    for student in ("honest", "keyring_b_read"):
        result = run.results[student]["exercises"]["output_size"]
        messages = [test["message"] for test in result["tests"] if test["message"]]
        assert result["score"] == result["max_score"] > 0, (student, messages[:1])
    assert left == [], f"keys left in the kernel by keyring_a_plant: {left}"


# ------------------------------------------------------------------ a real worker and its children

# The three calls with arguments that succeed without the filter (add_key to the process's
# own keyring, so nothing outlives the probe; request_key with no call-out, ENOKEY at worst:
# "succeeded" or another errno than EPERM means the call reached the kernel's key store).
KEYS = """
import ctypes, json, os, subprocess, sys

NUMBERS = @NUMBERS@  # add_key, request_key, keyctl of this architecture
KEY_SPEC_PROCESS_KEYRING, KEY_SPEC_USER_KEYRING, KEYCTL_GET_KEYRING_ID = -2, -4, 0
ARGS = ((b"user", b"convkit-keyring-probe", b"x", ctypes.c_long(1), ctypes.c_long(KEY_SPEC_PROCESS_KEYRING)),
        (b"user", b"convkit-keyring-probe", None, ctypes.c_long(0)),
        (ctypes.c_long(KEYCTL_GET_KEYRING_ID), ctypes.c_long(KEY_SPEC_USER_KEYRING), ctypes.c_long(0)))


def errnos():
    libc = ctypes.CDLL(None, use_errno=True)
    found = []
    for number, args in zip(NUMBERS, ARGS):
        ctypes.set_errno(0)
        found.append(ctypes.get_errno() if libc.syscall(ctypes.c_long(number), *args) == -1 else "succeeded")
    return found


def attempt():
    \"\"\"The errno of each call here, in a forked child and in a program the child executes.\"\"\"
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.write(write, json.dumps(errnos()).encode())
        os._exit(0)
    os.close(write)
    forked = json.loads(os.read(read, 4096))
    os.waitpid(pid, 0)
    executed = subprocess.run([sys.executable, __file__], capture_output=True, text=True, timeout=60)
    return {"worker": errnos(), "forked": forked, "executed": executed.stdout.strip() or executed.stderr[-500:]}


if __name__ == "__main__":
    print(json.dumps(errnos()))
"""


@pytest.fixture(params=["warm", "cold", "unsandboxed"])
def start_mode(request, monkeypatch) -> str:
    """How the worker starts: forked from the zygote, a fresh sandboxed interpreter, or no sandbox."""
    if request.param == "warm" and bubblewrap.warm_support().mode != "warm":
        pytest.skip(bubblewrap.warm_support().reason)
    if request.param == "cold":
        monkeypatch.setenv(bubblewrap.ENV_WARM, "off")
    if request.param == "unsandboxed":
        monkeypatch.setenv(bubblewrap.ENV_MODE, "off")
        bubblewrap.probe.cache_clear()
    yield request.param
    bubblewrap.probe.cache_clear()


def test_a_worker_and_every_process_it_starts_are_refused_the_key_store(tmp_path: Path, start_mode: str) -> None:
    abi = seccomp.running_abi()
    assert abi is not None, seccomp.unsupported()
    folder = tmp_path / "keys"
    folder.mkdir()
    (folder / "keys.py").write_text(KEYS.replace("@NUMBERS@", repr(abi.denied)))
    worker = Worker(folder, Limits())
    try:
        assert worker.warm == (start_mode == "warm")
        reply = worker.request({"cmd": "call", "module": "keys", "function": "attempt", "args": [], "kwargs": {},
                                "guard": None}, timeout=120)
    finally:
        worker.stop()
    assert "error" not in reply, reply
    denied = [errno.EPERM] * 3
    assert reply["result"] == {"worker": denied, "forked": denied, "executed": json.dumps(denied)}, reply["result"]


# ------------------------------------------------------------------ the BPF program itself

AUDIT_ARCH_I386 = 0x40000003  # a 32-bit call on a 64-bit kernel


def run_filter(code: list[seccomp.Instruction], nr: int, arch: int) -> int:
    """What the kernel's classic-BPF interpreter returns for a call ``nr`` of ``arch``
    (only the instructions seccomp.program uses; any other fails the test)."""
    data = {seccomp.NR_OFFSET: nr & 0xFFFFFFFF, seccomp.ARCH_OFFSET: arch}
    accumulator, pc = 0, 0
    while True:
        op = code[pc]
        if op.code == seccomp.RET_K:
            return op.k
        if op.code == seccomp.LD_W_ABS:
            accumulator = data[op.k]
            pc += 1
            continue
        assert op.code in (seccomp.JEQ_K, seccomp.JSET_K), op
        holds = accumulator == op.k if op.code == seccomp.JEQ_K else bool(accumulator & op.k)
        pc += 1 + (op.jt if holds else op.jf)


@pytest.mark.parametrize("machine", sorted(seccomp.ABIS))
def test_the_filter_denies_exactly_the_key_calls_of_its_architecture(machine: str) -> None:
    abi = seccomp.ABIS[machine]
    code = seccomp.program(abi)
    decisions = {nr: run_filter(code, nr, abi.audit_arch) for nr in range(1024)}
    assert {nr for nr, action in decisions.items() if action == seccomp.RET_EPERM} == set(abi.denied)
    assert {action for nr, action in decisions.items() if nr not in abi.denied} == {seccomp.RET_ALLOW}
    others = {AUDIT_ARCH_I386} | {other.audit_arch for other in seccomp.ABIS.values()} - {abi.audit_arch}
    for arch in others:  # another ABI's numbers mean other calls: all of them refused
        assert {run_filter(code, nr, arch) for nr in range(1024)} == {seccomp.RET_EPERM}
    x32 = {run_filter(code, nr | seccomp.X32_BIT, abi.audit_arch) for nr in range(1024)}
    assert x32 == ({seccomp.RET_EPERM} if abi.x32 else {seccomp.RET_ALLOW})


INSTALL = """
import ctypes, json, os
from grader.runtime import seccomp

installed = seccomp.deny_keyring()
libc = ctypes.CDLL(None, use_errno=True)
refused = [libc.syscall(ctypes.c_long(n), 0, 0, 0, 0, 0) == -1 and ctypes.get_errno()
           for n in seccomp.running_abi().denied]
status = dict(line.split(":\t") for line in open("/proc/self/status").read().splitlines() if ":\t" in line)
print(json.dumps([installed, refused, os.getpid() == int(status["Pid"]), status["Seccomp"], status["NoNewPrivs"]]))
"""


def test_the_installed_filter_refuses_the_key_calls_and_allows_the_rest(tmp_path: Path) -> None:
    """Installed in a fresh interpreter (never in this one: nothing removes a filter)."""
    done = subprocess.run([sys.executable, "-c", INSTALL], capture_output=True, text=True, timeout=60, cwd=tmp_path,
                          env={"PYTHONPATH": str(Path(__file__).resolve().parents[1])})
    assert done.returncode == 0, done.stderr
    # Seccomp 2: filter mode; the process went on to read its status and print: other calls pass.
    assert json.loads(done.stdout) == [True, [errno.EPERM] * 3, True, "2", "1"]


def test_an_unknown_architecture_runs_unfiltered_and_the_start_up_line_says_so(monkeypatch) -> None:
    assert seccomp.unsupported() is None
    monkeypatch.setattr(bubblewrap, "_announced", type(bubblewrap._announced)())
    here = io.StringIO()
    bubblewrap.announce(here)
    assert "key store" not in here.getvalue()

    monkeypatch.setattr(platform, "machine", lambda: "riscv64")
    assert seccomp.running_abi() is None and not seccomp.deny_keyring()
    assert "riscv64" in seccomp.unsupported()
    monkeypatch.setattr(bubblewrap, "_announced", type(bubblewrap._announced)())
    there = io.StringIO()
    bubblewrap.announce(there)
    bubblewrap.announce(there)
    lines = there.getvalue().splitlines()
    assert len(lines) == 1 and "WARNING: the kernel's key store stays open to workers" in lines[0], lines
    assert "riscv64" in lines[0]
