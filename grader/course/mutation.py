"""A one-bug edit of a reference module: an exact text replacement that must match once.

The bundled examples (grader/authoring/examples.py) and the mutant bank
(grader/course/mutants.py) both describe their mistakes this way, so a change to the
reference solutions that voids a mutation fails loudly instead of silently leaving the
reference unchanged.
"""
from __future__ import annotations

from dataclasses import dataclass

from grader.course.assignment import solution_path


class MutationError(ValueError):
    """A mutation's text does not occur exactly once in its reference module."""


@dataclass(frozen=True)
class Mutation:
    """Replace ``old`` by ``new`` (exactly once) in the reference module ``module``."""

    module: str
    old: str
    new: str

    def apply(self, source: str) -> str:
        count = source.count(self.old)
        if count != 1:
            raise MutationError(
                f"mutation of {solution_path(self.module)} expects its text exactly once, "
                f"found it {count} times: {self.old!r}"
            )
        return source.replace(self.old, self.new)
