"""What the ``cnn`` assignment is made of, and where its files live.

The reference solutions in ``solutions/cnn/`` are the single source of truth: student
stubs (``assignments/cnn/``) and notebooks are generated from them.
"""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO / "solutions" / "cnn"
ASSIGNMENTS = REPO / "assignments"
STUBS = ASSIGNMENTS / "cnn"
NOTEBOOKS = ASSIGNMENTS / "notebooks"
EXAMPLES = REPO / "examples"

ASSIGNMENT = "cnn"
DEFAULT_COURSE_ID = "convkit"  # the nbgrader course id `convkit course init` uses unless told
COURSE_SETTINGS = "convkit.json"  # what `convkit course init` records in a course folder (its language...)

# The seven graded exercises, in teaching order; each is one module or one notebook.
EXERCISES: tuple[str, ...] = (
    "output_size",
    "loop_conv",
    "im2col_conv",
    "maxpool",
    "backward",
    "worked_example",
    "mnist",
)

# Points of each exercise: the sum of its tests' @pytest.mark.points in grader/suites
# (tests/test_grading_core.py checks it), its notebook's autograded cell, the examples'
# full mark and the documentation all take them from here.
POINTS: dict[str, int] = {
    "output_size": 10, "loop_conv": 20, "im2col_conv": 15, "maxpool": 15,
    "backward": 20, "worked_example": 15, "mnist": 20,
}

# Modules a worker of an exercise imports lazily at a high cost: a warm worker's zygote
# imports them before its first fork when the run grades that exercise (the first
# optimizer a worker builds imports torch._dynamo: about 2.5 s of CPU, half of grading
# mnist; a run without mnist does not pay it).
WORKER_PRELOAD: dict[str, tuple[str, ...]] = {"mnist": ("torch._dynamo",)}


def worker_preload(exercises: "tuple[str, ...] | list[str]") -> tuple[str, ...]:
    """The modules a warm worker's zygote imports for a run grading ``exercises``, sorted."""
    return tuple(sorted({module for e in exercises for module in WORKER_PRELOAD.get(e, ())}))


# Modules every submission receives unchanged and the grader supplies itself, so a
# student cannot alter them: argument checking shared by all exercises, and the MNIST loader.
GIVEN: tuple[str, ...] = ("conv_args", "mnist_data")

# The course's languages: every text of grader/course/messages.py and of the lessons exists
# in each (docs/languages.md says how to add one).
LANGUAGES: tuple[str, ...] = ("en", "es", "fr")


def require_language(lang: str, where: str) -> str:
    """``lang`` when the course speaks it, else ValueError naming ``where`` and the choices."""
    if lang not in LANGUAGES:
        raise ValueError(f"{where}: unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return lang


def solution_path(module: str) -> Path:
    """The reference source of an exercise or given module, e.g. ``solutions/cnn/maxpool.py``."""
    return SOLUTIONS / f"{module}.py"
