"""``convkit demo``: grade the bundled example submissions and print the score table.

It runs exactly what an instructor runs (``convkit grade examples/ --jobs 2``) on the
submissions of ``examples/`` (see grader/authoring/examples.py), over every exercise but mnist,
and shows each example's score next to the score it is documented to get.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Mapping, Sequence

from grader.authoring.examples import EXAMPLE_LIST
from grader.course.assignment import EXAMPLES
from grader.grading.cache import DEFAULT_SEED, Settings
from grader.grading.class_run import Run, grade_class
from grader.grading.discover import discover
from grader.grading.outputs import number


def score_table(document: dict, exercises: Sequence[str], expected: Mapping[str, float] = {}) -> str:
    """The grades as a text table: one row per student, one column per exercise, the
    total, and (when known) the expected total with ``ok``/``DIFFERS``."""
    head = ["student", *exercises, "total"] + (["expected"] if expected else [])
    rows = [head]
    for sub in document["submissions"]:
        row = [sub["student"], *(number(sub["exercises"][e]["score"]) if e in sub["exercises"] else "" for e in exercises),
               f"{number(sub['score'])} / {number(sub['max_score'])}"]
        if expected:
            want = expected.get(sub["student"])
            row.append("" if want is None else f"{number(want)} " + ("ok" if abs(want - sub["score"]) < 1e-9 else "DIFFERS"))
        rows.append(row)
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def expected_totals(exercises: Sequence[str], cascade: bool = False) -> dict[str, float]:
    """Each example's documented total over ``exercises`` (only where all are documented),
    graded with stand-ins of the earlier exercises or, with ``cascade``, composed."""
    documented = {example.name: example.cascade if cascade else example.expected for example in EXAMPLE_LIST}
    return {
        name: sum(scores[e] for e in exercises)
        for name, scores in documented.items() if all(e in scores for e in exercises)
    }


def grade_examples(examples: Path, out: Path, settings: Settings, *, jobs: int, progress: bool) -> tuple[Run, str]:
    """Grade the example submissions in ``examples`` into ``out``; the run and its score table.

    With the bundled examples and the default seed (0) and language, the table also shows
    each example's documented total (``--cascade``: its composed one) and whether it
    was reached.
    """
    submissions = discover([examples])
    print(f"convkit demo: grading {len(submissions)} example submissions in {examples} "
          f"with --jobs {jobs} (exercises: {', '.join(settings.exercises)})", file=sys.stderr)
    graded = grade_class(submissions, out, settings, jobs=jobs, progress=progress)
    official = examples == EXAMPLES and settings.seed == DEFAULT_SEED and settings.lang == "en"
    expected = expected_totals(settings.exercises, settings.cascade) if official else {}
    return graded, score_table(graded.document, settings.exercises, expected)
