"""Killing ``convkit grade`` (SIGKILL at several moments, or Ctrl-C) loses no finished grade,
leaves no grading process behind, and a re-run ends with the grades.json of an
uninterrupted run. The grader is tests/fake_grading.py, slowed down so kills land mid-run.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from grader.course.assignment import REPO

TESTS = Path(__file__).resolve().parent
STUDENTS = [f"s{i:02d}" for i in range(8)]
# The grader's version is pinned: others may edit the grader's source during the test.
GRADE = ("import sys, fake_grading; from grader.commands import grade as command; from grader.grading import class_run; "
         "class_run.grader_version = lambda: 'pinned'; "
         "args = command.parser().parse_args(sys.argv[1:]); "
         "sys.exit(command.run(args, grade_fn=fake_grading.grade_submission))")


def make_class(root: Path) -> Path:
    for student in STUDENTS:
        (root / student).mkdir(parents=True)
        (root / student / "output_size.py").write_text(f"# {student}\n", encoding="utf-8")
        (root / student / "maxpool.py").write_text(f"# {student} pools\n", encoding="utf-8")
    return root


def start(root: Path, out: Path, sleep: float) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), str(REPO)]), "FAKE_GRADE_SLEEP": str(sleep)}
    # One seed for every output folder, so an interrupted run can be compared with a whole one.
    argv = [sys.executable, "-c", GRADE, str(root), "--out", str(out), "--jobs", "2", "--no-progress", "--seed", "0"]
    return subprocess.Popen(argv, env=env, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(out: Path) -> set[str]:
    folder = out / ".results"
    return {p.stem for p in folder.glob("*.json")} if folder.is_dir() else set()


def session_processes(sid: int) -> list[int]:
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # fields: state, ppid, pgrp, session
            alive.append(int(stat.parent.name))
    return alive


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_sigkill_at_any_moment_then_rerun_equals_an_uninterrupted_run(tmp_path):
    root = make_class(tmp_path / "class")
    whole = start(root, tmp_path / "whole", sleep=0.0)
    assert whole.wait(60) == 0, whole.stderr.read()

    out = tmp_path / "out"
    kept: set[str] = set()
    for kill_after in (0, 2, 5):  # finished grades when the kill lands: none yet, a few, most
        run = start(root, out, sleep=0.3)
        wait_for(lambda: len(finished(out)) >= kill_after)
        run.kill()
        run.wait(10)
        wait_for(lambda: not session_processes(run.pid), timeout=15)  # its grading processes died too
        assert kept <= finished(out), "a finished grade was lost"
        kept = finished(out)
    assert 5 <= len(kept) < len(STUDENTS)

    rerun = start(root, out, sleep=0.0)
    assert rerun.wait(60) == 0
    assert f"graded {len(STUDENTS) - len(kept)}, unchanged {len(kept)}, failed 0" in rerun.stderr.read()
    assert (out / "grades.json").read_bytes() == (tmp_path / "whole" / "grades.json").read_bytes()
    assert (out / "grades.csv").read_bytes() == (tmp_path / "whole" / "grades.csv").read_bytes()
    assert not [p for p in out.rglob("*.tmp")]


def test_ctrl_c_stops_cleanly_and_keeps_finished_grades(tmp_path):
    root = make_class(tmp_path / "class")
    out = tmp_path / "out"
    run = start(root, out, sleep=0.3)
    wait_for(lambda: len(finished(out)) >= 2)
    run.send_signal(signal.SIGINT)
    assert run.wait(20) == 130
    assert "interrupted; finished grades are kept" in run.stderr.read()
    wait_for(lambda: not session_processes(run.pid), timeout=15)
    assert len(finished(out)) >= 2 and not (out / "grades.json").exists()


def test_full_output_folder_is_refused_before_grading(tmp_path):
    """A file-size limit makes every write beyond a few bytes fail, as on a full disk."""
    root = make_class(tmp_path / "class")
    limit = ("import resource, signal; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
             "resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000)); ")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(TESTS), str(REPO)])}
    done = subprocess.run([sys.executable, "-c", limit + GRADE, str(root), "--out", str(tmp_path / "out")],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert f"output folder {tmp_path / 'out'} is not usable: File too large; nothing was graded" in done.stderr
    assert not finished(tmp_path / "out")
