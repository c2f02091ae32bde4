"""The kernel's key management is closed to workers (grader/runtime/seccomp.py).

A key stored with add_key(2) belongs to a uid, not to a namespace or a process, and
outlives the worker that stored it; worker uids are reused within a grading process.
So every worker, warm or cold, and everything it starts, runs under a seccomp filter
that makes add_key, request_key and keyctl fail with EPERM.

- the red team's pair (tests/redteam4/keyring_*): keyring_a_plant stores a key under
  each worker uid it runs as; keyring_b_read, graded next by the same grading process,
  fails every call if its uid's keyring holds that key, and is the reference otherwise;
- a real worker (warm and cold) and a child it forks get EPERM from all three calls;
- the BPF program itself, run by a small classic-BPF interpreter: it denies exactly the
  three calls of the running architecture, any x32 call and any call of another ABI.
"""
from __future__ import annotations

import ctypes
import shutil
from pathlib import Path

import pytest

from grader.course.assignment import SOLUTIONS
from grader.grading.cache import Settings
from grader.grading.class_run import Run, grade_class
from grader.isolation import bubblewrap

ATTACKS = Path(__file__).resolve().parent / "redteam4"
KEY_NAME = "convkit-rt4"  # the key keyring_a_plant leaves (tests/redteam4/keyring_a_plant/_plant.py)
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
    keyctl, invalidate = 250, 21
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
