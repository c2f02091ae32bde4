"""A student's feedback page (HTML, self-contained; Markdown beside it) from a typed result.

The page shows, in the student's language only:

1. a summary: the total and one bar per exercise;
2. per exercise, the notes about running its file (a failed notebook cell is shown in the
   exercise whose file it is), the failed tests first, each with its message, a figure
   (at most ``MAX_FIGURES`` per submission) and the small numbers as grids, then the
   passed tests collapsed (with what they report, e.g. the accuracy reached).

Lines of a message that point into the grader's own files are dropped. Figures are
embedded as base64 PNG in the HTML and written to ``feedback/<student>.figures/`` for
the Markdown.
"""
from __future__ import annotations

import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping, Optional, Sequence
from urllib.parse import quote

from grader.course import messages
from grader.course.assignment import ASSIGNMENT, REPO
from grader.grading import figures, templates
from grader.grading.report import write_report
from grader.grading.outputs import number, student_file, typed, write_atomic
from grader.grading.results import SubmissionResult, SubmissionStatus, TestResult, pick

MAX_FIGURES = 4  # per submission: the first failed comparisons only
MAX_FIGURES_PER_EXERCISE = 2  # so a later exercise's mistake gets a picture too
GRID_RADIUS = 1  # the expected/got grids: the first wrong element and its neighbours

# Lines that could only come from the grader's own files (a traceback through a hidden
# suite or a reference solution) are dropped from feedback: students never see them.
_PRIVATE_DIRS = tuple(str(REPO / part) for part in ("grader", "solutions"))


def public(message: str) -> str:
    """``message`` without the lines that point into the grader's own files."""
    return "\n".join(line for line in message.splitlines() if not any(d in line for d in _PRIVATE_DIRS))


@dataclass
class Grid:
    """A small table of numbers: ``cells[r][c]`` is (text, marked)."""

    title: str
    columns: list[str]
    rows: list[tuple[str, list[tuple[str, bool]]]]


@dataclass
class TestView:
    name: str
    status: str
    label: str
    points: str
    message: str
    detail: str
    figure_png: Optional[bytes] = None
    figure_file: str = ""
    figure_alt: str = ""
    no_figure: str = ""
    grids: list[Grid] = field(default_factory=list)


@dataclass
class ExerciseView:
    name: str
    score: str
    max_score: str
    percent: float
    notes: list[str]
    failed: list[TestView]
    passed: list[TestView]


def _value(x: Optional[float]) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "nan"
    return f"{x:.4g}" if isinstance(x, float) else str(x)


def _neighbourhood(values: list[list], at: tuple[int, int], origin: tuple[int, int], title: str) -> Grid:
    """``values`` (a crop starting at ``origin``) around ``at``, the element at ``at`` marked."""
    r0, c0 = origin
    row, col = at[0] - r0, at[1] - c0
    rows = range(max(0, row - GRID_RADIUS), min(len(values), row + GRID_RADIUS + 1))
    cols = range(max(0, col - GRID_RADIUS), min(len(values[0]), col + GRID_RADIUS + 1))
    return Grid(title, [str(c0 + c) for c in cols],
                [(str(r0 + r), [(_value(values[r][c]), (r, c) == (row, col)) for c in cols]) for r in rows])


def grids(picture: dict, lang: str) -> list[Grid]:
    """The input window's values, and expected and got around the first wrong element."""
    found = []
    source = picture.get("input")
    if source:
        r0, c0 = source["origin"]
        values = source["values"]
        positions = picture.get("positions") or {}
        marks = {key: tuple(p) for key, p in positions.items() if p}

        def cell(r: int, c: int) -> tuple[str, bool]:
            inside = 0 <= r - r0 < len(values) and 0 <= c - c0 < len(values[0])
            text = _value(values[r - r0][c - c0]) if inside else "·"
            # the figure's symbols: ○ the expected position, × the chosen one
            text += (" ○" if marks.get("expected") == (r, c) else "") + (" ×" if marks.get("got") == (r, c) else "")
            return (text, (r, c) in marks.values())

        title = messages.text("feedback_window_values", lang, rows=", ".join(map(str, source["rows"])),
                              cols=", ".join(map(str, source["cols"])))
        found.append(Grid(title, [str(c) for c in source["cols"]],
                          [(str(r), [cell(r, c) for c in source["cols"]]) for r in source["rows"]]))
    index = tuple(picture["index"])
    for key, what in (("expected", "figure_expected"), ("got", "figure_got")):
        title = messages.text("feedback_around", lang, what=messages.text(what, lang), index=index)
        found.append(_neighbourhood(picture[key], tuple(picture["at"]), tuple(picture["origin"]), title))
    return found


def figure_slots(result: SubmissionResult) -> set[tuple[str, str]]:
    """Which failed tests get a figure: the first pictured failure of each exercise, then the
    next ones in order, at most MAX_FIGURES_PER_EXERCISE per exercise and MAX_FIGURES in all."""
    pictured = {name: [t.name for t in ex.tests if not t.passed and t.picture] for name, ex in result.exercises.items()}
    slots: list[tuple[str, str]] = []
    for rank in range(MAX_FIGURES_PER_EXERCISE):
        slots += [(name, tests[rank]) for name, tests in pictured.items() if rank < len(tests)]
    return set(slots[:MAX_FIGURES])


def _test_view(exercise: str, test: TestResult, lang: str, slots: set[tuple[str, str]]) -> TestView:
    view = TestView(name=test.name, status=test.status.value, label=messages.text(f"feedback_status_{test.status.value}", lang),
                    points=f"{number(test.score)} / {number(test.max_score)}", message=public(test.message(lang)),
                    detail=public(pick(test.detail, lang)))
    if test.passed or not test.picture:
        return view
    try:
        view.grids = grids(test.picture, lang)
        if (exercise, test.name) in slots:
            view.figure_png = figures.mismatch_png(test.picture, lang)
            view.figure_file = f"{exercise}-{test.name}.png"
            view.figure_alt = messages.text("figure_alt", lang, stage=f"{exercise}: {test.name}")
        else:
            view.no_figure = messages.text("feedback_more_figures", lang)
    except (KeyError, IndexError, TypeError, ValueError):
        # Picture data comes from the comparison; malformed data only costs the picture.
        view.grids, view.figure_png = [], None
    return view


def page(result: SubmissionResult, lang: str, assignment: str = ASSIGNMENT) -> dict:
    """What the feedback templates show for ``result`` (see the module docstring)."""
    slots = figure_slots(result)
    exercises = []
    for name, ex in result.exercises.items():
        views = [_test_view(name, t, lang, slots) for t in ex.tests]
        exercises.append(ExerciseView(
            name=name, score=number(ex.score), max_score=number(ex.max_score),
            percent=100.0 * ex.score / ex.max_score if ex.max_score else 0.0,
            notes=[public(pick(n, lang)) for n in ex.notes],
            failed=[v for v in views if v.status != "passed"], passed=[v for v in views if v.status == "passed"]))
    return {
        "lang": lang, "t": lambda key, **fields: messages.text(key, lang, **fields),
        "student": result.student, "assignment": assignment,
        "score": number(result.score), "max_score": number(result.max_score),
        "percent": 100.0 * result.score / result.max_score if result.max_score else 0.0,
        "exercises": exercises, "notes": [public(pick(n, lang)) for n in result.notes],
        "figures_dir": quote(f"{student_file(result.student)}.figures"),
    }


def feedback_markdown(result: "SubmissionResult | Mapping", lang: str, assignment: str = ASSIGNMENT) -> str:
    """A submission's feedback as Markdown (figures linked from ``<student>.figures/``)."""
    return templates.render("feedback.md.j2", **page(typed(result, lang), lang, assignment))


def feedback_html(result: "SubmissionResult | Mapping", lang: str, assignment: str = ASSIGNMENT) -> str:
    """A submission's feedback as one self-contained HTML page; every text from the run is escaped."""
    return templates.render("feedback.html.j2", **page(typed(result, lang), lang, assignment))


def write_feedback(folder: Path, result: SubmissionResult, lang: str) -> None:
    """``folder/<student>.html``, ``<student>.md`` and the Markdown's figures."""
    view = page(result, lang)
    name = student_file(result.student)
    figures_dir = folder / f"{name}.figures"
    if figures_dir.is_dir():
        shutil.rmtree(figures_dir)  # figures of an earlier grade must not linger
    for exercise in view["exercises"]:
        for test in exercise.failed:
            if test.figure_png:
                write_atomic(figures_dir / test.figure_file, test.figure_png)
    write_atomic(folder / f"{name}.md", templates.render("feedback.md.j2", **view))
    write_atomic(folder / f"{name}.html", templates.render("feedback.html.j2", **view))


def write_pages(out: Path, results: Sequence[SubmissionResult], exercises: Sequence[str], lang: str) -> None:
    """The feedback of every submission graded or that could not be (its page says why), then the class report."""
    for result in results:
        if result.graded or result.status is SubmissionStatus.NOT_GRADED:
            write_feedback(out / "feedback", result, lang)
    write_report(out, results, exercises, lang)
