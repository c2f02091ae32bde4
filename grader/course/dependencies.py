"""Which exercise uses which earlier exercise's functions, read from the reference solutions.

The reference modules import one another by bare name (``from output_size import
calculate_out``), as a student's folder does; those imports are the course's dependency
graph. The mutant bank grades a mutant with every exercise that uses its module, and the
feedback points a failing exercise back to the earlier function it relies on.
"""
from __future__ import annotations

import ast
import functools

from grader.course.assignment import EXERCISES, solution_path


@functools.lru_cache(maxsize=None)
def uses(exercise: str) -> dict[str, tuple[str, ...]]:
    """``{earlier exercise: names it imports from it}`` for ``exercise``'s reference, e.g.
    ``uses("im2col_conv") == {"output_size": ("calculate_out",)}``."""
    tree = ast.parse(solution_path(exercise).read_text(encoding="utf-8"))
    found: dict[str, tuple[str, ...]] = {}
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module in EXERCISES and node.level == 0:
            found[node.module] = found.get(node.module, ()) + tuple(alias.name for alias in node.names)
    return found


def importers(exercise: str) -> tuple[str, ...]:
    """The exercises whose reference imports from ``exercise``, in teaching order."""
    return tuple(e for e in EXERCISES if exercise in uses(e))
