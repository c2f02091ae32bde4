"""A stand-in for ``grader.grading.submission.grade_submission`` that grades instantly.

It scores each exercise from a hash of the exercise file and the seed, so results depend
on content and seed like the real grader's. FAKE_GRADE_SLEEP (seconds per call; an
environment variable because it runs in the grading processes) makes it slow, and while
slow it swallows every exception but KeyboardInterrupt, as the real grader's pytest run
does, so the engine cannot count on other exceptions to stop it.
"""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Optional, Sequence

from grader.course.assignment import EXERCISES

TESTS_PER_EXERCISE = 2


def _test(name: str, passed: bool, message: str) -> dict:
    return {"name": name, "score": 1.0 if passed else 0.0, "max_score": 1.0,
            "status": "passed" if passed else "failed", "message": message}


def _exercise(folder: Path, name: str, seed: int) -> dict:
    files = [folder / f"{name}{suffix}" for suffix in (".py", ".ipynb")]
    present = [f for f in files if f.is_file()]
    if not present:
        tests = [_test(f"t{i}", False, f"{name}.py is missing") for i in range(TESTS_PER_EXERCISE)]
    else:
        digest = hashlib.sha256(present[0].read_bytes() + str(seed).encode()).digest()
        tests = [_test(f"t{i}", digest[i] % 2 == 0, f"<window> & \"{name}\" [{i}]") for i in range(TESTS_PER_EXERCISE)]
    return {"score": sum(t["score"] for t in tests), "max_score": float(TESTS_PER_EXERCISE), "tests": tests}


def grade_submission(src: Path, student: str, *, seed: int, lang: str = "en",
                     exercises: Sequence[str] = EXERCISES, budget_s: Optional[float] = None) -> dict:
    """Same signature and result shape as the real grader."""
    try:
        time.sleep(float(os.environ.get("FAKE_GRADE_SLEEP", "0")))
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 - as pytest does with a test's exception: record it, go on
        pass
    graded = {name: _exercise(Path(src), name, seed) for name in exercises}
    return {"student": student, "score": sum(e["score"] for e in graded.values()),
            "max_score": sum(e["max_score"] for e in graded.values()), "exercises": graded,
            "notes": [f"graded in {lang}"]}
