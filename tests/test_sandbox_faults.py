"""Faults with the real grader and its sandboxed workers (issue 6, point 4).

tests/test_grade_cli*.py kill a run of a fake grader (and check that a re-run equals
an uninterrupted run byte for byte); here a real ``convkit grade`` is killed with
SIGKILL while its sandboxed workers run: no grading process, sandbox or worker may
survive it, and a re-run grades everything (the reference full marks, the stub 0).
Also an output folder on a read-only file system is refused before any grading.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.course.assignment import REPO, SOLUTIONS, STUBS
from grader.isolation import bubblewrap as sandbox

STUDENTS = ("ana", "ben")


def make_class(root: Path) -> Path:
    """Two students: the reference answer to output_size, and the stub."""
    for i, student in enumerate(STUDENTS):
        (root / student).mkdir(parents=True)
        shutil.copyfile((SOLUTIONS if i % 2 == 0 else STUBS) / "output_size.py", root / student / "output_size.py")
    return root


def convkit_grade(root: Path, out: Path, tmp: Path, start: str = "warm") -> subprocess.Popen:
    """A real ``convkit grade`` whose workers' private folders go under ``tmp``; ``start``:
    "warm" (forked from a zygote where the machine allows it) or "cold"."""
    tmp.mkdir(exist_ok=True)
    env = {**os.environ, "TMPDIR": str(tmp), sandbox.ENV_WARM: "on" if start == "warm" else "off"}
    argv = [sys.executable, "-m", "grader.commands.cli", "grade", str(root), "--out", str(out),
            "--exercises", "output_size", "--jobs", "2", "--no-progress"]
    return subprocess.Popen(argv, cwd=REPO, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def processes() -> dict[int, tuple[int, int, bytes]]:
    """pid -> (parent pid, uid, command line) of every live process."""
    table = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
            cmdline = (status.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if not fields.get("State", "").strip().startswith("Z"):
            table[int(status.parent.name)] = (int(fields["PPid"]), int(fields["Uid"].split()[0]), cmdline)
    return table


def descendants(root: int, table: dict[int, tuple[int, int, bytes]]) -> set[int]:
    found, frontier = set(), {root}
    while frontier:
        frontier = {pid for pid, (ppid, _, _) in table.items() if ppid in frontier} - found
        found |= frontier
    return found


def survivors(grading: set[int], tmp: Path) -> list[bytes]:
    """Live processes of a killed run: its grading processes, sandboxes mounting its
    worker folders, or anything under the worker uids its grading processes handed out."""
    uids = worker_uids(grading)
    return [cmd for pid, (_, uid, cmd) in processes().items()
            if pid in grading or str(tmp).encode() in cmd or any(uid in r for r in uids)]


def worker_uids(grading: set[int]) -> list[range]:
    """The private uids the grading processes ``grading`` hand their workers (cold or warm)."""
    return [range(sandbox._UID_BASE + (pid << 4), sandbox._UID_BASE + (pid << 4) + 16) for pid in grading]


@pytest.mark.parametrize("start", ["warm", "cold"])
def test_sigkill_mid_grading_leaves_no_worker_and_a_rerun_grades_everything(tmp_path: Path, start: str) -> None:
    root = make_class(tmp_path / "class")
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    run = convkit_grade(root, out, tmp, start)
    # Kill once a sandboxed worker runs: a descendant of the run under one of the worker
    # uids (so its bwrap, and in warm mode the zygote, are descendants too).
    deadline = time.monotonic() + 120
    while True:
        table = processes()
        family = descendants(run.pid, table)
        uids = worker_uids(family)
        if any(b"bwrap" in table[pid][2] for pid in family) and any(
                any(table[pid][1] in r for r in uids) for pid in family):
            break
        assert run.poll() is None and time.monotonic() < deadline, "no sandboxed worker started"
        time.sleep(0.02)
    run.send_signal(signal.SIGKILL)
    run.wait(10)
    deadline = time.monotonic() + 20
    while survivors(family, tmp) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert survivors(family, tmp) == []


    rerun = convkit_grade(root, out, tmp)
    assert rerun.wait(300) == 0, rerun.stderr.read()
    graded = json.loads((out / "grades.json").read_text())["submissions"]
    scores = {entry["student"]: (entry["score"], entry["max_score"]) for entry in graded}
    assert scores.keys() == set(STUDENTS)
    assert scores["ana"][0] == scores["ana"][1] > 0 and scores["ben"][0] == 0


def test_output_folder_on_a_read_only_file_system_is_refused_before_grading(tmp_path: Path) -> None:
    root = make_class(tmp_path / "class")
    out = tmp_path / "out"
    out.mkdir()
    # The whole machine as it is, except the output folder, which is read-only.
    argv = ["bwrap", "--dev-bind", "/", "/", "--ro-bind", str(out), str(out),
            sys.executable, "-m", "grader.commands.cli", "grade", str(root), "--out", str(out), "--no-progress"]
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert f"output folder {out} is not usable: Read-only file system; nothing was graded" in done.stderr
    assert list(out.iterdir()) == []
