"""Import the reference solutions into the grading process.

The solution modules import one another by bare name (``from output_size import
calculate_out``), as a student's folder does, so their folder goes on ``sys.path``.
Only the kit's own tests, benchmarks and demo use this: student code never runs
next to it.
"""
from __future__ import annotations

import importlib
import sys
from types import ModuleType

from grader.course.assignment import SOLUTIONS


def load(module: str) -> ModuleType:
    """Import ``solutions/cnn/<module>.py``, e.g. ``load("maxpool").maxpool2d_unfold``."""
    path = str(SOLUTIONS)
    if path not in sys.path:
        sys.path.insert(0, path)
    return importlib.import_module(module)
