"""Red team (issue 10, items 3 and 4): hostile submissions against the worker's isolation
and the forbidden-routine guard, each graded TOGETHER with an honest classmate.

Each hostile submission is the reference solution of one exercise with
``tests/redteam_isolation/<attack>.py`` appended: the attack redefines the exercise's
functions (the ruled ones through the attack, the rest as NotImplementedError), so
every point it scores came from the attack. All attacks on one exercise are graded in
one class run with an honest classmate (the reference), grading only that exercise
(student ids are the attack names), and each test checks that:

- the hostile submission scores nothing, with the status and message the defence gives;
- the honest classmate's grade equals its grade when graded alone (same seed, same id);
- the run's outputs stay small and no worker or memory cgroup is left behind.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.course.assignment import EXERCISES, SOLUTIONS
from grader.grading.cache import Settings
from grader.grading.class_run import grade_all
from grader.isolation import bubblewrap as sandbox
from grader.isolation import cgroup, limits
from grader.isolation.launch import _alive

ATTACKS = Path(__file__).resolve().parent / "redteam_isolation"
HONEST = "honest"
MAX_RESULT_BYTES = 64 << 10  # one submission's stored result, feedback included


def exercise_of(attack: str) -> str:
    first = (ATTACKS / f"{attack}.py").read_text().splitlines()[0]
    assert first.startswith("# exercise: "), attack
    return first.split(": ", 1)[1].strip()


def submission(folder: Path, exercise: str, attack: str | None) -> Path:
    """The reference's exercise files (others import them), with ``attack`` appended to ``exercise``'s."""
    folder.mkdir(parents=True)
    for name in EXERCISES:
        if (SOLUTIONS / f"{name}.py").exists():
            (folder / f"{name}.py").write_text((SOLUTIONS / f"{name}.py").read_text())
    code = (SOLUTIONS / f"{exercise}.py").read_text()
    if attack is not None:
        code += "\n\n# ---- the attack\n" + (ATTACKS / f"{attack}.py").read_text()
    (folder / f"{exercise}.py").write_text(code)
    return folder


def run_class(tmp: Path, exercise: str, students: dict[str, str | None]) -> dict[str, dict]:
    """Grade ``{student: attack or None}`` in one class run; each student's graded exercise."""
    folders = {name: submission(tmp / "class" / name, exercise, attack) for name, attack in students.items()}
    run = grade_all(folders, tmp / "out", Settings(exercises=(exercise,)), jobs=2, progress=False)
    assert run.failed == {}, run.failed
    for name in students:
        stored = json.dumps(run.results[name])
        assert len(stored) < MAX_RESULT_BYTES, (name, len(stored))
    return {name: run.results[name]["exercises"][exercise] for name in students}


def summary(graded: dict) -> list[tuple]:
    return [(test["name"], test["status"], test["score"]) for test in graded["tests"]]


@pytest.fixture(scope="session")
def classes(tmp_path_factory) -> dict[str, tuple[dict, dict]]:
    """Per exercise, filled on first use: (the class run of every attack on it plus the
    honest classmate, the honest classmate graded alone). One run per exercise keeps the
    suite fast; every hostile submission still shares its run with the honest one."""
    return {}


def graded_class(classes: dict, tmp_path_factory, exercise: str) -> tuple[dict, dict]:
    if exercise not in classes:
        attacks = {name: name for name in ATTACK_NAMES if exercise_of(name) == exercise}
        together = run_class(tmp_path_factory.mktemp(f"class-{exercise}"), exercise, {**attacks, HONEST: None})
        alone = run_class(tmp_path_factory.mktemp(f"alone-{exercise}"), exercise, {HONEST: None})[HONEST]
        classes[exercise] = (together, alone)
    return classes[exercise]


@pytest.fixture(autouse=True)
def sandboxed_and_clean():
    assert sandbox.probe().isolated, sandbox.probe().reason
    yield
    found = cgroup.support()
    if found.available:  # groups of live graders (another test run) may exist; a dead grader's may not
        left = [group.name for group in found.parent.glob(f"{cgroup.PREFIX}*-*")
                if not _alive(int(group.name[len(cgroup.PREFIX):].split("-")[0]))]
        assert left == [], f"memory cgroups left behind by finished graders: {left}"


# attack -> (statuses the hostile tests may get, a phrase its messages must contain)
EXPECTED = {
    "rebind_worker_ops": ({"forbidden"}, "tampering"),
    "pop_dispatch_mode": ({"forbidden"}, "tampering"),
    "disable_current_modes": ({"forbidden"}, "_disable_current_modes"),
    "unfold_in_thread": ({"forbidden"}, "thread or a process"),
    "prestarted_thread": ({"forbidden"}, "thread or a process"),
    "forked_helper": ({"forbidden", "error"}, "Resource temporarily unavailable"),
    "private_alias_pool3d": ({"forbidden", "failed", "error"}, "F.max_pool2d"),
    "private_alias_slow_conv": ({"forbidden", "error"}, "F.unfold"),
    "autograd_engine": ({"forbidden", "error", "failed"}, "autograd"),
    "lazy_subclass": ({"forbidden", "error"}, "tensor subclass"),
    "patch_tensor_methods": ({"forbidden"}, "tampering"),
}


ATTACK_NAMES = (*EXPECTED, "memfd_hog")


@pytest.mark.parametrize("attack", sorted(EXPECTED))
def test_an_attack_on_the_guard_gains_nothing_and_costs_the_classmate_nothing(attack, classes,
                                                                              tmp_path_factory) -> None:
    together, alone = graded_class(classes, tmp_path_factory, exercise_of(attack))
    hostile = together[attack]
    assert hostile["max_score"] > 0 and hostile["score"] == 0, summary(hostile)
    statuses, phrase = EXPECTED[attack]
    assert {test["status"] for test in hostile["tests"]} <= statuses, summary(hostile)
    assert any(phrase in test["message"] for test in hostile["tests"]), [t["message"] for t in hostile["tests"]]
    honest = together[HONEST]
    assert honest["score"] == honest["max_score"] > 0, summary(honest)
    assert summary(honest) == summary(alone)


def test_memory_held_in_memfd_and_shared_mmap_meets_the_memory_limit(classes, tmp_path_factory) -> None:
    """3.5 GiB in memfd + shared mmap per call, 2 GiB limit: each call fails naming the memory limit."""
    assert cgroup.support().available, cgroup.support().reason
    together, alone = graded_class(classes, tmp_path_factory, "output_size")
    hostile, honest = together["memfd_hog"], together[HONEST]
    assert hostile["score"] == 0 and hostile["max_score"] > 0
    memory = limits.limit_message("memory")
    assert all(memory in test["message"] for test in hostile["tests"]), [t["message"] for t in hostile["tests"]]
    assert summary(honest) == summary(alone)
    assert honest["score"] == honest["max_score"]
