"""One CPU share per worker (grader/isolation/cgroup.py): whatever a submission forks, and
however many sessions (scheduling autogroups) it makes, its processes share ONE slice of
the CPU, equal to every other worker's, so a hog cannot slow a classmate graded at the
same time into timeouts.

The attack is red team 4's ``tests/redteam4/cpu_starve`` (60 children at import, each in a
session of its own, spinning); its victim ``tests/redteam4/honest_slow`` is a correct
but slow loop convolution (one multiply-add per kernel element) graded by the other
grading process. Before per-worker CPU groups the victim got 11/20 instead of 20/20.
"""
from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from host_processes import host_processes_with

from grader.course.assignment import SOLUTIONS
from grader.grading.cache import Settings
from grader.grading.class_run import Run, grade_all
from grader.isolation import bubblewrap as sandbox
from grader.isolation import cgroup
from grader.isolation.launch import Worker
from grader.isolation.limits import Limits

ATTACKS = Path(__file__).resolve().parent / "redteam4"
# student -> the one exercise it is graded on (the attack's, and the victim's slow one)
PLAN = {"cpu_starve": "output_size", "honest_slow": "loop_conv"}
# The attack spins for 45 s; 20 s still covers the victim's whole grading (about 9 s of
# calls alone) and halves what the test costs the machine.
SPIN_S = 20


def grade_own(folder: Path, student: str, **options):
    """The class run's grade_fn (in each grading process): the real grader, on ``student``'s exercise only."""
    from grader.grading.submission import grade_submission

    return grade_submission(folder, student, **{**options, "exercises": (PLAN[student],)})


# The victim's innermost loop, one multiply-add per kernel element, made a sum per kernel
# row: its calls take about a third as long (1-2 s of its 10 s limit alone), so other
# tests running beside this one cannot push it past the limit, while 1/30 of a core (what
# the hog left it before per-worker CPU groups) still does.
PER_ELEMENT = """                        for ki in range(kH):
                            for kj in range(kW):
                                acc += float(patch[ci, ki, kj]) * float(weight[co, ci, ki, kj])
"""
PER_ROW = """                        for ki in range(kH):
                            acc += float((patch[ci, ki] * weight[co, ci, ki]).sum())
"""


def submission(folder: Path, student: str) -> Path:
    """``student``'s folder: the attack's files (the spin shortened, the victim's loop
    lighter), plus the reference modules it imports."""
    folder.mkdir(parents=True)
    for path in sorted((ATTACKS / student).iterdir()):
        text = path.read_text()
        if student == "cpu_starve":
            assert "SPIN_S = 45\n" in text
            text = text.replace("SPIN_S = 45\n", f"SPIN_S = {SPIN_S}\n")
        if path.name == "loop_conv.py":
            assert PER_ELEMENT in text
            text = text.replace(PER_ELEMENT, PER_ROW)
        (folder / path.name).write_text(text)
    if not (folder / "output_size.py").exists():
        (folder / "output_size.py").write_text((SOLUTIONS / "output_size.py").read_text())
    return folder


def run_class(root: Path, students: list[str]) -> Run:
    """``students`` graded in one class run with two grading processes (``--jobs 2``)."""
    folders = {student: submission(root / student, student) for student in students}
    exercises = tuple(PLAN[student] for student in students)
    run = grade_all(folders, root / "out", Settings(exercises=exercises), jobs=2, grade_fn=grade_own, progress=False)
    assert run.failed == {}, run.failed
    return run


def summary(run: Run, student: str) -> list[tuple]:
    result = run.results[student]["exercises"][PLAN[student]]
    return [(test["name"], test["status"], test["score"]) for test in result["tests"]]


@pytest.fixture(autouse=True)
def sandboxed():
    assert sandbox.probe().isolated, sandbox.probe().reason


# ------------------------------------------------------------------ the mechanism

# At import: a child in a session of its own that outlives the import (as each of the hog's 60 did).
SETSID_CHILD = """
import subprocess
subprocess.Popen(["/bin/sh", "-c", "sleep 120; : @TOKEN@"], start_new_session=True,
                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
"""


@pytest.mark.parametrize("start", ["warm", "cold"])
def test_a_workers_forked_setsid_child_is_in_its_cpu_group_which_goes_with_it(start, tmp_path, monkeypatch) -> None:
    if start == "cold":
        monkeypatch.setenv(sandbox.ENV_WARM, "off")
    elif sandbox.warm_support().mode != "warm":
        pytest.fail(f"warm workers are not available here: {sandbox.warm_support().reason}")
    token = uuid.uuid4().hex
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / "output_size.py").write_text(SOLUTIONS.joinpath("output_size.py").read_text())
    (folder / "child.py").write_text(SETSID_CHILD.replace("@TOKEN@", token))
    worker = Worker(folder, Limits())
    try:
        assert worker.warm == (start == "warm") and worker.group is not None and worker.group.has("cpu")
        reply = worker.request({"cmd": "load", "module": "child", "standins": []}, timeout=120)
        assert "error" not in reply, reply
        # Exactly one: the shell forks a copy of itself (its command line too) for `sleep`,
        # which holds the token until it executes sleep.
        deadline = time.monotonic() + 10
        while len(host_processes_with(token)) != 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        (child,) = host_processes_with(token)
        for controller, path in worker.group.paths.items():
            procs = {int(pid) for pid in (path / "cgroup.procs").read_text().split()}
            assert child in procs, f"the worker's setsid child is outside its {controller} group"
        assert Path(f"/proc/{child}/cgroup").read_text().count(worker.group.paths["cpu"].name) >= 1
    finally:
        worker.stop()
    assert not any(path.exists() for path in worker.group.folders)
    assert host_processes_with(token) == [], "the worker's child outlived the worker"


SPIN = "import time, sys\nend = time.monotonic() + float(sys.argv[1])\nwhile time.monotonic() < end:\n    pass\n" \
       "print(time.process_time(), flush=True)\n"


def spinners(group: cgroup.WorkerGroup, count: int, seconds: float) -> list[subprocess.Popen]:
    """``count`` busy processes in ``group``, each in a session (so an autogroup) of its own."""
    return [subprocess.Popen(group.enter_argv([sys.executable, "-c", SPIN, str(seconds)]), stdout=subprocess.PIPE,
                             text=True, start_new_session=True) for _ in range(count)]


def cpu_seconds(processes: list[subprocess.Popen]) -> float:
    return sum(float(process.communicate(timeout=120)[0]) for process in processes)


def test_many_sessions_in_one_group_get_no_more_cpu_than_one_process_in_another() -> None:
    """8 spinners in 8 sessions against 1: without groups (8 autogroups against 1) the one
    gets about 1/8 of what the eight get together; sharing one group each, about as much
    (on 2 cores, the lone process is capped at one core: 1/2 at worst). The bound, 1/3,
    leaves room for other work on the machine, which loads both groups alike."""
    many, one = (cgroup.WorkerGroup.create(256 << 20, 80) for _ in range(2))
    try:
        assert many.has("cpu"), cgroup.support("cpu").reason
        hog, lone = spinners(many, 8, 3.0), spinners(one, 1, 3.0)
        hog_cpu, lone_cpu = cpu_seconds(hog), cpu_seconds(lone)
    finally:
        many.remove()
        one.remove()
    assert lone_cpu > hog_cpu / 3, (lone_cpu, hog_cpu)


# ------------------------------------------------------------------ the red team's scenario

def test_a_cpu_hog_does_not_cost_a_concurrent_classmate_points(tmp_path: Path) -> None:
    """honest_slow graded beside cpu_starve (two grading processes) keeps its per-test scores of alone.

    On the grader without CPU groups its conv2d_loop_random timed out (the 60 sessions left
    its worker about 1/60 of the machine) and the later conv2d_loop tests were not rerun.
    With them the hog is one share among the machine's: honest_slow's slowest call took
    4-6 s of its 10 s alone and 5-9 s beside the hog at load 7-15 from other jobs. The
    runs are graded back to back so both see about the same load; a machine so loaded
    that a fair share cannot run that call in 10 s fails the first assertion, which
    says so, not the second.
    """
    alone = summary(run_class(tmp_path / "alone", ["honest_slow"]), "honest_slow")
    assert alone and all(status == "passed" for _, status, _ in alone), \
        f"honest_slow alone lost points: the machine is too loaded for its 10 s call limit (no hog yet): {alone}"
    beside = summary(run_class(tmp_path / "beside", ["cpu_starve", "honest_slow"]), "honest_slow")
    assert beside == alone
