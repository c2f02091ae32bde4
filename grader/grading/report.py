"""The class report ``DIR/report.html`` (figures embedded) and ``DIR/report.md``: what to re-teach.

Built from the typed results of every discovered folder: the score distribution per
exercise and of the total (histograms), mean and median, each test's pass rate sorted by
failure rate, the most frequent failure messages and misconceptions per exercise, the
folders that could not be graded, have no exercise files or ran out of time, and the
grading time of each submission. Written by every ``convkit grade`` run and by
``convkit report DIR --lang L`` (re-rendered from stored results, no regrading).
"""
from __future__ import annotations

import csv
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Sequence
from urllib.parse import quote

from grader.course import messages
from grader.course.assignment import ASSIGNMENT
from grader.grading import figures, templates
from grader.grading.outputs import number, student_file, write_atomic
from grader.grading.results import Status, SubmissionResult, SubmissionStatus, pick

TOP_MESSAGES = 5  # failure messages shown per exercise
# Histograms are drawn from this many graded submissions on: one score makes a single bar
# that says nothing the table's mean does not (and drawing the seven costs about 1.3 s,
# matplotlib's import besides, in every run grading one student).
MIN_HISTOGRAM_GRADED = 2
_NUMBER = re.compile(r"-?\d+(\.\d+)?(e-?\d+)?")


@dataclass
class Distribution:
    name: str
    mean: str
    median: str
    max_score: str
    png: Optional[bytes]  # None below MIN_HISTOGRAM_GRADED graded submissions


@dataclass
class TestRate:
    exercise: str
    test: str
    passed: int
    total: int

    @property
    def percent(self) -> float:
        return 100.0 * self.passed / self.total if self.total else 0.0


@dataclass
class Frequent:
    exercise: str
    messages: list[tuple[int, str, str]] = field(default_factory=list)  # (count, an example's first line, tests)
    misconceptions: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Row:
    student: str
    status: str
    problem: bool
    seconds: str
    score: str
    feedback: str  # the feedback page's relative link ("" when none)


def _stats(scores: list[float]) -> tuple[str, str]:
    """Mean and median with one decimal at most (``7``, ``7.5``, ``62.2``)."""
    if not scores:
        return "-", "-"
    return number(round(statistics.mean(scores), 1)), number(round(statistics.median(scores), 1))


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else ""


def _frequent(exercise: str, graded: list[SubmissionResult], lang: str) -> Frequent:
    """The failure messages (numbers masked, so the same mistake on other numbers counts once)."""
    counts: Counter = Counter()
    examples: dict[str, str] = {}
    tests: dict[str, dict[str, None]] = {}
    for result in graded:
        for test in result.exercises[exercise].tests if exercise in result.exercises else []:
            if test.passed:
                continue
            line = _first_line(test.message(lang))
            key = _NUMBER.sub("#", line)
            counts[key] += 1
            examples.setdefault(key, line)
            tests.setdefault(key, {})[test.name] = None
    misconceptions = Counter(pick(test.misconception, lang) for result in graded if exercise in result.exercises
                             for test in result.exercises[exercise].tests if test.misconception)
    return Frequent(exercise, [(n, examples[k], ", ".join(tests[k])) for k, n in counts.most_common(TOP_MESSAGES)],
                    [(n, text) for text, n in misconceptions.most_common(TOP_MESSAGES)])


def model(results: Sequence[SubmissionResult], exercises: Sequence[str], lang: str,
          assignment: str = ASSIGNMENT) -> dict:
    """What the report templates show (see the module docstring)."""
    t = lambda key, **fields: messages.text(key, lang, **fields)  # noqa: E731
    graded = [r for r in results if r.graded]
    names = [e for e in exercises if any(e in r.exercises for r in graded)] or \
        sorted({e for r in graded for e in r.exercises})
    draw = len(graded) >= MIN_HISTOGRAM_GRADED

    def distribution(name: str, scores: list[float], top: float) -> Distribution:
        mean, median = _stats(scores)
        png = figures.histogram_png(scores, top, name, lang) if draw else None
        return Distribution(name, mean, median, number(top), png)

    distributions = [distribution(name, [r.exercises[name].score for r in graded if name in r.exercises],
                                  max((r.exercises[name].max_score for r in graded if name in r.exercises), default=0.0))
                     for name in names]
    top_total = max((r.max_score for r in graded), default=0.0)
    total = distribution(t("report_total"), [r.score for r in graded], top_total)
    mean, median = total.mean, total.median
    rates: dict[tuple[str, str], TestRate] = {}
    for result in graded:
        for exercise, test in result.tests():
            rate = rates.setdefault((exercise, test.name), TestRate(exercise, test.name, 0, 0))
            rate.total += 1
            rate.passed += test.passed
    rows = []
    for r in sorted(results, key=lambda r: (-(r.seconds or 0.0), r.student)):
        timeouts = sum(test.status is Status.TIMEOUT for _, test in r.tests())
        status = r.status_label(lang) + (f" ({t('report_timeouts', count=timeouts)})" if timeouts else "")
        rows.append(Row(r.student, status, not r.graded or timeouts > 0,
                        "-" if r.seconds is None else f"{r.seconds:.1f}",
                        f"{number(r.score)} / {number(r.max_score)}" if r.graded else "-",
                        quote(f"feedback/{student_file(r.student)}.html") if r.graded else ""))
    return {
        "lang": lang, "t": t, "assignment": assignment,
        "overview": t("report_overview", graded=len(graded), folders=len(results), mean=mean, median=median,
                      max=number(top_total)),
        "total": total, "distributions": distributions, "min_histogram": MIN_HISTOGRAM_GRADED,
        # Tests everyone passed are only counted: the table is what to re-teach.
        "rates": sorted((r for r in rates.values() if r.passed < r.total), key=lambda r: (r.percent, r.exercise, r.test)),
        "all_passed": sum(r.passed == r.total for r in rates.values()),
        "frequent": [f for f in (_frequent(name, graded, lang) for name in names) if f.messages],
        "problems": [row for row in rows if row.problem],
        "rows": rows,
        "no_files": SubmissionStatus.NO_FILES,
    }


# The class report lists at most this many pairs of `convkit grade --similarity`.
SIMILAR_SHOWN = 20


def similar_pairs(out: Path, limit: int = SIMILAR_SHOWN) -> list[dict[str, str]]:
    """The most similar pairs of ``out/similarity.csv`` (written by ``--similarity``), or []."""
    path = out / "similarity.csv"
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8", errors="replace") as rows:
        return [row for _, row in zip(range(limit), csv.DictReader(rows))]


def write_report(out: Path, results: Sequence[SubmissionResult], exercises: Sequence[str], lang: str) -> None:
    """``out/report.html`` and ``out/report.md`` (its figures in ``out/report.figures/``)."""
    view = model(results, exercises, lang)
    view["similar"] = similar_pairs(out)
    for distribution in [view["total"], *view["distributions"]]:
        figure = out / "report.figures" / f"{_slug(distribution.name)}.png"
        if distribution.png is not None:
            write_atomic(figure, distribution.png)
        else:  # an earlier run's histogram would not match this report
            figure.unlink(missing_ok=True)
    view["slug"] = _slug
    write_atomic(out / "report.md", templates.render("report.md.j2", **view))
    write_atomic(out / "report.html", templates.render("report.html.j2", **view))


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]", "_", name)
