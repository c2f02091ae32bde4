"""Everything a run publishes in its output folder, and re-rendering it without regrading.

``write_outputs`` writes the feedback pages and the class report, then grades.csv, then
grades.json (last: its presence means every other file of the run is complete).
Grading one student into a folder that holds a class keeps the other students' rows:
rows come from this run's results, then from grades.json's rows and the stored results
(``.results/``) of the students this run did not see. ``rerender`` writes the pages
again in another language from those stored results.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Mapping, Sequence

from grader.course.assignment import EXERCISES
from grader.grading.cache import stored_record
from grader.grading.feedback import write_pages
from grader.grading.outputs import OutputError, grades_csv, grades_document, grades_json, typed, write_atomic
from grader.grading.results import SubmissionResult


def previous_rows(out: Path) -> dict[str, SubmissionResult]:
    """The rows of ``out``'s grades.json, each replaced by its stored record when there is one.

    What a run keeps of the students it did not see. Unreadable files count as absent.
    """
    try:
        document = json.loads((out / "grades.json").read_text(encoding="utf-8"))
        rows = {str(s["student"]): s for s in document["submissions"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    kept: dict[str, SubmissionResult] = {}
    for student, row in rows.items():
        try:
            record = stored_record(out, student)
            kept[student] = SubmissionResult.from_json(record if record is not None else row)
        except ValueError:
            continue
    return kept


def write_outputs(out: Path, results: Sequence["SubmissionResult | Mapping"], exercises: Sequence[str], lang: str,
                  *, keep_others: bool = True) -> dict:
    """Write feedback and the report, then grades.csv, then grades.json; returns the document.

    With ``keep_others``, the rows of students already in ``out`` that ``results`` lacks are
    kept (grading one student into a class's folder). grades.json goes last, so its
    presence means every other file of the run is complete.
    """
    typed_results = {r.student: r for r in (typed(r, lang) for r in results)}
    if keep_others:
        typed_results = {**previous_rows(out), **typed_results}
    everyone = [typed_results[s] for s in sorted(typed_results)]
    write_pages(out, everyone, exercises, lang)
    document = grades_document(everyone, lang=lang)
    write_atomic(out / "grades.csv", grades_csv(document, exercises))
    write_atomic(out / "grades.json", grades_json(document))
    return document


def rerender(out: Path, lang: str) -> list[SubmissionResult]:
    """Write ``out``'s feedback and class report again in ``lang``, from its stored results.

    Nothing is regraded: the rows come from grades.json and the results stored in
    ``out/.results`` (which hold every message in every catalog language).

    Raises:
        OutputError: ``out`` holds no readable grades.json.
    """
    if not (out / "grades.json").is_file():
        raise OutputError(f"{out} holds no grades.json: grade the class into it first (convkit grade ... --out {out})")
    rows = previous_rows(out)
    if not rows:
        raise OutputError(f"{out / 'grades.json'} could not be read or lists no submission")
    results = [rows[s] for s in sorted(rows)]
    present = {name for r in results for name in r.exercises}
    write_pages(out, results, [e for e in EXERCISES if e in present], lang)
    return results
