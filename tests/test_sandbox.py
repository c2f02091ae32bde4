"""The worker sandbox on its own: small Python snippets run as a worker would run.

Each test runs ``python -c SNIPPET`` through :func:`grader.isolation.bubblewrap.run` with a private
copy folder and checks what the snippet could see or do, from outside when it matters
(the host folder, the process table, a listening socket).
"""
from __future__ import annotations

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from host_processes import host_processes_with

from grader.course.assignment import REPO, SOLUTIONS
from grader.isolation import bubblewrap as sandbox
from grader.isolation import limits
from grader.isolation.limits import Limits

FAST = Limits(cpu_seconds=2, file_bytes=1 * limits.MIB, processes=8, memory_bytes=512 * limits.MIB)


def run(snippet: str, workdir: Path, limits: Limits = Limits()) -> sandbox.Result:
    return sandbox.run([sys.executable, "-c", snippet], workdir, limits=limits, timeout=30)


def gone(token: str, within: float = 5.0) -> bool:
    deadline = time.monotonic() + within
    while host_processes_with(token):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    folder = tmp_path / "alice"
    folder.mkdir()
    (folder / "output_size.py").write_text("ANSWER = 42\n")
    return folder


@pytest.fixture
def fallback(monkeypatch: pytest.MonkeyPatch):
    """Force the process-level fallback for one test, then forget the cached probe."""
    monkeypatch.setenv(sandbox.ENV_MODE, "off")
    sandbox.probe.cache_clear()
    monkeypatch.setattr(sandbox, "_announced", type(sandbox._announced)())
    yield
    sandbox.probe.cache_clear()


def test_this_machine_sandboxes_with_bwrap() -> None:
    found = sandbox.probe()
    assert found.mode == "bwrap", found.reason


def test_worker_sees_its_submission_but_nothing_of_the_grader(workdir: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the answers")
    hidden = [secret, SOLUTIONS / "maxpool.py", REPO / "grader" / "assignment.py", REPO / "README.md"]
    result = run(f"""
import json, os, output_size
seen = {{}}
for path in {[str(p) for p in hidden]!r}:
    try:
        seen[path] = open(path).read()[:20]
    except OSError as error:
        seen[path] = type(error).__name__
print(json.dumps({{"answer": output_size.ANSWER, "seen": seen, "cwd": os.getcwd(),
                   "opt": sorted(os.listdir("/opt/convkit"))}}))
""", workdir)
    report = json.loads(result.stdout)
    assert report["answer"] == 42 and report["cwd"] == sandbox.MOUNT
    assert set(report["seen"].values()) == {"FileNotFoundError"}, report["seen"]
    assert report["opt"] == [".venv", "submission"]


def test_no_network_even_to_the_hosts_loopback(workdir: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        result = run(f"""
import socket
for address in [("127.0.0.1", {port}), ("10.0.0.1", 80)]:
    try:
        socket.create_connection(address, timeout=2)
        print("connected", address)
    except OSError as error:
        print("refused", type(error).__name__)
""", workdir)
        with pytest.raises(BlockingIOError):
            listener.accept()
    assert "connected" not in result.stdout
    assert result.stdout.count("refused") == 2


def test_tmp_is_empty_runtime_read_only_and_uid_unprivileged(workdir: Path) -> None:
    result = run("""
import json, os, sys
writes = {}
for path in [sys.prefix + "/x", sys.base_prefix + "/x", "/usr/x", "/x"]:
    try:
        open(path, "w")
        writes[path] = "written"
    except OSError as error:
        writes[path] = type(error).__name__
open("mine.txt", "w").write("scratch")
print(json.dumps({"uid": os.getuid(), "euid": os.geteuid(), "tmp": os.listdir("/tmp"),
                  "writes": writes, "pid": os.getpid()}))
""", workdir)
    report = json.loads(result.stdout)
    assert report["uid"] != 0 and report["euid"] != 0
    assert report["tmp"] == []
    assert "written" not in report["writes"].values(), report["writes"]
    assert report["pid"] < 10, "a PID namespace numbers the worker from 1"
    # The copy is private: what the worker writes never reaches the host folder.
    assert sorted(p.name for p in workdir.iterdir()) == ["output_size.py"]


def test_daemonised_grandchild_dies_with_the_worker(workdir: Path) -> None:
    token = uuid.uuid4().hex
    result = run(f"""
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        time.sleep(60)  # {token}
    os._exit(0)
time.sleep(0.3)
print("worker done")
""", workdir)
    assert result.stdout.strip() == "worker done"
    assert gone(token), host_processes_with(token)


def test_everything_dies_when_the_grader_kills_the_sandbox(workdir: Path) -> None:
    token = uuid.uuid4().hex
    argv = sandbox.wrap([sys.executable, "-c", f"""
import os, time
if os.fork() == 0:
    os.setsid()
    time.sleep(60)  # {token}
print("ready", flush=True)
time.sleep(60)
"""], workdir)
    process = subprocess.Popen(argv, stdout=subprocess.PIPE, preexec_fn=limits.preexec())
    assert process.stdout.readline().strip() == b"ready"
    process.kill()  # only bwrap itself: --die-with-parent and the PID namespace do the rest
    process.wait()
    process.stdout.close()
    assert gone(token), host_processes_with(token)


@pytest.mark.parametrize("kind, snippet", [
    ("memory", "x = bytearray(1 << 30)"),
    ("file", "open('big', 'wb').write(b'x' * (2 << 20))"),
    ("folder", "for i in range(300):\n    open(f'part{i}', 'wb').write(b'x' * (1000 << 10))"),
    ("processes", "import os, time\nfor i in range(20):\n    if os.fork() == 0:\n        time.sleep(3)\n        os._exit(0)"),
    ("cpu", "while True:\n    pass"),
])
def test_each_limit_stops_the_worker_with_its_name(workdir: Path, kind: str, snippet: str) -> None:
    result = run(snippet, workdir, FAST)
    assert result.returncode != 0 and not result.timed_out
    assert result.limit == kind, (result.returncode, result.stderr[-500:])


def test_limit_messages_name_the_limit_in_both_languages() -> None:
    assert "2 GiB" in limits.limit_message("memory")
    assert "CPU" in limits.limit_message("cpu", lang="es")
    assert "256 MiB" in limits.limit_message("folder", lang="es")


def test_output_keeps_the_first_64_kib_of_each_stream_with_a_note(workdir: Path) -> None:
    result = run("""
import sys
sys.stdout.write("o" * 300_000)
sys.stderr.write("e" * 100_000)
""", workdir)
    kept, _, note = result.stdout.partition("\n")
    assert kept == "o" * (64 * 1024)
    assert "dropped" in note and str(300_000 - 64 * 1024) in note
    assert result.stderr.startswith("e" * (64 * 1024)) and str(100_000 - 64 * 1024) in result.stderr


def test_fallback_runs_unwrapped_with_limits_and_says_so_once(workdir: Path, fallback) -> None:
    argv = [sys.executable, "-c", "pass"]
    assert sandbox.wrap(argv, workdir) == argv
    stream = io.StringIO()
    first, second = sandbox.announce(stream), sandbox.announce(stream)
    assert first.mode == second.mode == "process"
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1 and "no sandbox" in lines[0] and sandbox.ENV_MODE in lines[0]
    result = run("open('big', 'wb').write(b'x' * (2 << 20))", workdir, FAST)
    assert result.limit == "file"


def test_sandbox_is_announced_once_when_available() -> None:
    stream = io.StringIO()
    sandbox._announced.clear()
    sandbox.announce(stream)
    sandbox.announce(stream)
    assert stream.getvalue().count("sandboxed with bubblewrap") == 1


def test_a_real_worker_past_its_cpu_limit_is_told_which_limit(tmp_path: Path) -> None:
    from grader.grading.session import StudentProblem, StudentSession

    (tmp_path / "output_size.py").write_text("def calculate_out(*args, **kwargs):\n    while True:\n        pass\n")
    session = StudentSession(tmp_path, budget_s=60, limits=Limits(cpu_seconds=3))
    try:
        with session.time_limit(30), pytest.raises(StudentProblem) as caught:
            session.call("output_size", "calculate_out", (1, 1, 5, 5))
    finally:
        session.close()
    assert "CPU" in caught.value.message("en"), caught.value.message("en")
