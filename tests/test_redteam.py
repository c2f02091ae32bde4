"""Red-team bank: hostile submissions graded by the real grader, in the sandbox.

Each hostile ``output_size.py`` is built in a temporary folder from a snippet in
``tests/redteam/`` plus the reference solution:

- "gated" snippets define ``attack()``; the module answers with the reference's
  ``calculate_out`` only when the attack worked (read the reference or a hidden suite,
  a classmate's folder, the network), else raises NotImplementedError like the stub.
  Any point scored means the attack got through.
- "behaviour" snippets run at import after the reference code (daemonised
  grandchildren, an output flood, a folder filler, a memory hog): they must cost at
  most their own exercise, never another submission, and leave nothing running.
"""
from __future__ import annotations

import os
import socket
import time
import uuid
from pathlib import Path

import pytest

from grader.course.assignment import REPO, SOLUTIONS
from grader.grading.submission import grade_submission
from grader.isolation import bubblewrap as sandbox
from grader.isolation import limits, warm

SNIPPETS = Path(__file__).resolve().parent / "redteam"
EXERCISE = "output_size"
GATE = '''

def calculate_out(X, k_size=(3, 3), stride=1, dilation=1, padding=0):
    if not attack():
        raise NotImplementedError("the attack failed")
    return _reference_calculate_out(X, k_size, stride, dilation, padding)
'''


def reference_source() -> str:
    return (SOLUTIONS / f"{EXERCISE}.py").read_text()


def hostile(folder: Path, snippet: str, gated: bool, **fills: str) -> Path:
    """Write ``folder/output_size.py``: the reference plus ``tests/redteam/<snippet>.py``."""
    code = (SNIPPETS / f"{snippet}.py").read_text()
    for name, value in fills.items():
        code = code.replace(f"@{name}@", value)
    reference = reference_source()
    if gated:
        reference = reference.replace("def calculate_out(", "def _reference_calculate_out(")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{EXERCISE}.py").write_text(reference + "\n\n" + code + (GATE if gated else ""))
    return folder


def grade(folder: Path) -> dict:
    """The graded ``output_size`` exercise of the submission in ``folder``."""
    result = grade_submission(folder, folder.name, seed=0, exercises=(EXERCISE,))
    return result["exercises"][EXERCISE]


def sandbox_processes() -> list[str]:
    """Live processes run by this test process's workers: its bwrap or worker children,
    any process under the worker uids this process hands out (see
    sandbox._drop_privileges), and, in warm mode, any child of this process's zygote
    (the zygote itself lives as long as this process). Other children, such as
    multiprocessing's resource tracker left by an earlier test, are not workers."""
    me = os.getpid()
    first = sandbox._UID_BASE + (me << 4)
    table = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            command = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if not fields["State"].strip().startswith("Z"):
            table[int(status.parent.name)] = (int(fields["PPid"]), int(fields["Uid"].split()[0]), command,
                                              fields["Name"].strip())
    zygote = warm._zygote.proc.pid if warm._zygote is not None and warm._zygote.proc is not None else None
    mine, frontier = set(), {me}
    while frontier:
        frontier = {pid for pid, (parent, *_) in table.items() if parent in frontier} - mine
        mine |= frontier
    # The zygote's python and its forks (not the bwrap processes around it, whose command line names it too).
    zygotes = {pid for pid in mine if b"grader.runtime.zygote" in table[pid][2] and not table[pid][2].startswith(b"bwrap")}
    found = []
    for pid, (parent, uid, command, name) in table.items():
        worker_child = parent == me and pid != zygote and (b"bwrap" in command or b"grader.runtime.worker" in command)
        if first <= uid < first + 16 or worker_child or parent in zygotes:
            found.append(f"{pid} {name} uid={uid}")
    return found


@pytest.fixture(autouse=True)
def nothing_left_running():
    """Every test: the sandbox is on, and after grading no worker process is left."""
    assert sandbox.probe().isolated, sandbox.probe().reason
    yield
    deadline = time.monotonic() + 5
    while sandbox_processes() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sandbox_processes() == []


def assert_gained_nothing(graded: dict) -> None:
    assert graded["score"] == 0 and graded["max_score"] > 0
    assert all(test["status"] != "passed" for test in graded["tests"]), graded["tests"]


def test_reading_the_reference_or_hidden_suites_gains_nothing(tmp_path: Path) -> None:
    assert_gained_nothing(grade(hostile(tmp_path / "eve", "read_reference", True, REPO=str(REPO))))


def test_reading_a_classmates_folder_gains_nothing(tmp_path: Path) -> None:
    klass = tmp_path / "class"
    (klass / "alice").mkdir(parents=True)
    (klass / "alice" / f"{EXERCISE}.py").write_text(reference_source())
    mallory = hostile(klass / "mallory", "copy_classmate", True, CLASS=str(klass))
    assert_gained_nothing(grade(mallory))


def test_the_network_is_unreachable_even_on_the_hosts_loopback(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(4)
        listener.setblocking(False)
        port = str(listener.getsockname()[1])
        assert_gained_nothing(grade(hostile(tmp_path / "trudy", "phone_home", True, PORT=port)))
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody ever connected


def test_daemonised_grandchildren_die_with_the_grading(tmp_path: Path) -> None:
    token = f"convkit-redteam-{uuid.uuid4().hex}"
    graded = grade(hostile(tmp_path / "mallet", "daemonize", False, TOKEN=token))
    assert graded["score"] == graded["max_score"] > 0
    survivors = [p for p in Path("/proc").glob("[0-9]*/cmdline") if token.encode() in _read(p)]
    assert survivors == []


def test_flooding_stdout_and_stderr_costs_nothing(tmp_path: Path) -> None:
    graded = grade(hostile(tmp_path / "oscar", "flood_output", False))
    assert graded["score"] == graded["max_score"] > 0


def test_filling_the_folder_costs_only_that_submission(tmp_path: Path) -> None:
    graded = grade(hostile(tmp_path / "filler", "fill_folder", False))
    assert graded["score"] == 0
    written = [int(word) for test in graded["tests"] for word in test["message"].split()
               if "filled the disk after writing" in test["message"] and word.isdigit()]
    # Both /tmp and the folder are tmpfs of FOLDER_BYTES: the host disk was never touched.
    assert written and max(written) <= 2 * limits.FOLDER_BYTES >> 20, graded["tests"][0]["message"]
    honest = grade(hostile(tmp_path / "honest", "flood_output", False))
    assert honest["score"] == honest["max_score"] > 0


def test_a_memory_hog_fails_its_calls_with_a_message_naming_the_limit(tmp_path: Path) -> None:
    graded = grade(hostile(tmp_path / "hog", "memory_hog", False))
    assert graded["score"] == 0
    limit = limits.limit_message("memory")
    failed = [test for test in graded["tests"] if limit in test["message"]]
    assert len(failed) == len(graded["tests"]), [test["message"] for test in graded["tests"]]


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""
