"""Grading on a real Dask cluster (``convkit grade --dask-scheduler`` / ``--dask-local``).

One LocalCluster of two worker processes (one thread each, on 127.0.0.1) serves every
test: the same grades.json as a local run, with the fake grader and with the real one
(the reference's output_size); a worker SIGKILLed mid-run loses nothing and a re-run
skips what was finished. The fake grader sleeps FAKE_GRADE_SLEEP seconds per
submission in this cluster, so a run lasts long enough to kill a worker in the middle.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import threading
import time
from pathlib import Path

import fake_grading
import pytest

from grader.commands import grade as command
from grader.course.assignment import SOLUTIONS
from grader.grading import cache, class_run, dask_run, discover

SLEEP_S = 0.4
STUDENTS = [f"s{i:02d}" for i in range(10)]


@pytest.fixture(scope="module")
def client():
    dask = pytest.importorskip("dask")
    distributed = pytest.importorskip("distributed")
    saved = os.environ.get("FAKE_GRADE_SLEEP")
    os.environ["FAKE_GRADE_SLEEP"] = str(SLEEP_S)  # the worker processes inherit it
    # For the cluster's whole life: the nanny reads it again when it restarts a killed worker.
    with dask.config.set(dask_run.DAEMON_OFF):
        try:
            cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                               dashboard_address=None)
        finally:
            if saved is None:
                del os.environ["FAKE_GRADE_SLEEP"]
            else:
                os.environ["FAKE_GRADE_SLEEP"] = saved
        with cluster, distributed.Client(cluster) as connected:
            yield connected


@pytest.fixture
def pinned(monkeypatch):
    # In a shared working tree the grader's own source may change between runs.
    monkeypatch.setattr(class_run, "grader_version", lambda: "pinned")


def make_class(root: Path) -> dict[str, Path]:
    for student in STUDENTS:
        (root / student).mkdir(parents=True)
        (root / student / "maxpool.py").write_text(f"work of {student}", encoding="utf-8")
    return discover.discover([root])


def grades(out: Path) -> str:
    return (out / "grades.json").read_text(encoding="utf-8")


def test_dask_gives_the_local_grades_json_through_the_command(client, tmp_path, pinned, capsys):
    make_class(tmp_path / "class")
    common = [str(tmp_path / "class"), "--exercises", "maxpool", "--no-progress", "--seed", "0"]  # two folders agree
    args = command.parser().parse_args([*common, "--out", str(tmp_path / "local"), "--jobs", "2"])
    assert command.run(args, grade_fn=fake_grading.grade_submission) == 0
    args = command.parser().parse_args([*common, "--out", str(tmp_path / "dask"),
                                        "--dask-scheduler", client.scheduler.address])
    assert command.run(args, grade_fn=fake_grading.grade_submission) == 0
    assert "2 Dask worker(s): convkit:" in capsys.readouterr().err  # each worker's sandbox line
    assert grades(tmp_path / "dask") == grades(tmp_path / "local")
    document = json.loads(grades(tmp_path / "dask"))
    assert [s["student"] for s in document["submissions"]] == STUDENTS
    for student in STUDENTS:  # every grade is in the resume cache, as after a local run
        assert json.loads((tmp_path / "dask" / cache.RESULTS / f"{student}.json").read_text())["result"]["student"] \
            == student


def test_real_grader_on_dask_equals_local(client, tmp_path, pinned):
    (tmp_path / "class" / "ref").mkdir(parents=True)
    shutil.copy(SOLUTIONS / "output_size.py", tmp_path / "class" / "ref" / "output_size.py")
    submissions = discover.discover([tmp_path / "class"])
    settings = cache.Settings(exercises=("output_size",))
    local = class_run.grade_class(submissions, tmp_path / "local", settings, progress=False)
    remote = class_run.grade_class(submissions, tmp_path / "dask", settings, progress=False,
                                   executor=dask_run.DaskExecutor(client))
    assert not local.failed and not remote.failed and remote.graded == ["ref"]
    ref = json.loads(grades(tmp_path / "dask"))["submissions"][0]
    assert ref["score"] == ref["max_score"] > 0  # the reference earns every point
    assert grades(tmp_path / "dask") == grades(tmp_path / "local")


def test_killed_worker_loses_no_grade_and_a_rerun_skips_finished(client, tmp_path, pinned):
    submissions = make_class(tmp_path / "class")
    out = tmp_path / "out"
    victim = sorted(client.run(os.getpid).items())[0]
    killed_at: list[int] = []

    def kill_after_first_grade() -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            stored = list((out / cache.RESULTS).glob("*.json")) if (out / cache.RESULTS).is_dir() else []
            if stored:
                killed_at.append(len(stored))
                os.kill(victim[1], signal.SIGKILL)
                return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_after_first_grade)
    killer.start()
    run = class_run.grade_class(submissions, out, cache.Settings(exercises=("maxpool",)),
                                grade_fn=fake_grading.grade_submission, progress=False,
                                executor=dask_run.DaskExecutor(client))
    killer.join()
    assert killed_at and killed_at[0] < len(STUDENTS)  # killed in the middle of the run
    with pytest.raises(ProcessLookupError):
        os.kill(victim[1], 0)
    assert not run.failed and sorted(run.graded) == STUDENTS
    assert sorted(p.stem for p in (out / cache.RESULTS).glob("*.json")) == STUDENTS
    for student in STUDENTS:
        expected = fake_grading.grade_submission(submissions[student], student, seed=0, exercises=("maxpool",))
        assert run.results[student]["exercises"] == expected["exercises"]

    # Interrupted and restarted: only what had not finished is graded again.
    (out / cache.RESULTS / "s03.json").unlink()
    again = class_run.grade_class(submissions, out, cache.Settings(exercises=("maxpool",)),
                                  grade_fn=fake_grading.grade_submission, progress=False,
                                  executor=dask_run.DaskExecutor(client))
    assert again.graded == ["s03"] and sorted(again.reused) == sorted(set(STUDENTS) - {"s03"})
    assert again.document == run.document


def test_dask_options_are_checked(tmp_path, capsys):
    parse = command.parser().parse_args
    assert command.run(parse([str(tmp_path), "--nbgrader", str(tmp_path), "--dask-local", "2"])) == 2
    assert "not --nbgrader" in capsys.readouterr().err
    assert command.run(parse([str(tmp_path), "--out", str(tmp_path / "o"), "--dask-local", "0"])) == 2
    with pytest.raises(SystemExit):
        parse([str(tmp_path), "--out", "o", "--dask-local", "1", "--dask-scheduler", "tcp://127.0.0.1:1"])
