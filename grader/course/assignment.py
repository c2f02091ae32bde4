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

# Modules every submission receives unchanged and the grader supplies itself, so a
# student cannot alter them: argument checking shared by all exercises, and the MNIST loader.
GIVEN: tuple[str, ...] = ("conv_args", "mnist_data")

# The course's languages: every text of grader/course/messages.py and of the lessons exists
# in each (docs/languages.md says how to add one).
LANGUAGES: tuple[str, ...] = ("en", "es", "fr")


def solution_path(module: str) -> Path:
    """The reference source of an exercise or given module, e.g. ``solutions/cnn/maxpool.py``."""
    return SOLUTIONS / f"{module}.py"
