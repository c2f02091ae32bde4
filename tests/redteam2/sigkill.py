"""Not a submission: the out-of-memory killer, as a ``grade_fn`` for the class run.

Students named ``sigkill_always*`` have their grading process SIGKILLed at every attempt
(the submission could not be graded after one retry); ``sigkill_once*`` only at the
first attempt (a marker file beside the submission remembers it), so the retry grades
it. Everyone else is graded by the real grader. Before: one killed process broke the
process pool and every pending submission was marked failed.
"""
import os
import signal
from pathlib import Path

from grader.grading.submission import grade_submission as real_grade


def grade_submission(src: Path, student: str, **kwargs) -> dict:
    marker = Path(src).parent / f".{student}.killed"
    if student.startswith("sigkill_always") or (student.startswith("sigkill_once") and not marker.exists()):
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return real_grade(src, student, **kwargs)


def build(folder: Path) -> None:
    """The killed submissions are honest: only their grading process is hostile."""
    from _reference import source, write

    write(folder, "output_size.py", source("output_size"))
