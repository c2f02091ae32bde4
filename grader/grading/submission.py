"""Grade one submission: run the hidden suites against a worker holding its code.

``grade_submission`` is the one function the grading engine (``grader/grading/class_run.py``)
calls per submission. It runs the suites in ``grader/suites/`` with ``pytest.main``
in this (trusted) process; the ``GradingPlugin`` hands the suites a
``StudentSession`` (the proxy to the worker) and records each test's points, status
and message. Student code never runs here.
"""
from __future__ import annotations

import hashlib
import importlib
import logging
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import pytest

from grader.course import messages
from grader.course.assignment import EXERCISES, LANGUAGES
from grader.grading import reference
from grader.grading.compare import Checker
from grader.grading.session import DEFAULT_BUDGET_S, StudentProblem, StudentSession

SUITES = Path(__file__).resolve().parents[1] / "suites"
STATUSES = ("passed", "failed", "error", "timeout", "forbidden")
log = logging.getLogger(__name__)


@dataclass
class GradingContext:
    """What the suites' fixtures need for one submission (see grader/suites/conftest.py)."""

    student: StudentSession
    seed: int
    lang: str
    check: Checker


CONTEXT = pytest.StashKey[GradingContext]()


def submission_seed(run_seed: int, student: str) -> int:
    """The per-submission seed: the run seed and the student id hashed together (63 bits)."""
    digest = hashlib.sha256(f"{run_seed}:{student}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def per_test_seed(seed: int, test: str) -> int:
    """A seed for one test, so each test's random configuration is independent."""
    digest = hashlib.sha256(f"{seed}:{test}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") >> 1


@dataclass
class GradingPlugin:
    """A pytest plugin: gives the suites their context and records every test's outcome."""

    context: GradingContext
    results: dict[str, dict] = field(default_factory=dict)  # nodeid -> test record
    exercise_of: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # grader-side failures (bugs)

    def pytest_configure(self, config: pytest.Config) -> None:
        config.stash[CONTEXT] = self.context

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.problems.append(f"collecting {report.nodeid}: {report.longreprtext}")

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            marker = item.get_closest_marker("points")
            if marker is None or not marker.args or not isinstance(marker.args[0], (int, float)):
                self.problems.append(f"{item.nodeid} has no @pytest.mark.points(n)")
                continue
            name = item.name[5:] if item.name.startswith("test_") else item.name
            self.exercise_of[item.nodeid] = Path(str(item.path)).stem[5:]
            self.results[item.nodeid] = {"name": name, "score": 0.0, "max_score": float(marker.args[0]),
                                         "status": "error", "message": messages.text("budget", self.context.lang)}

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Any:
        yield
        record = self.results.get(item.nodeid)
        if record is None or call.when == "teardown" or (call.when == "setup" and call.excinfo is None):
            return
        status, message = self._outcome(call.excinfo.value if call.excinfo else None, item.nodeid)
        record.update(status=status, message=message, score=record["max_score"] if status == "passed" else 0.0)

    def _outcome(self, exc: BaseException | None, nodeid: str) -> tuple[str, str]:
        lang = self.context.lang
        if exc is None:
            return "passed", ""
        if isinstance(exc, StudentProblem):
            return exc.status, exc.message(lang)
        if type(exc).__name__ == "Mismatch":
            return "failed", str(exc)
        # Anything else is the grader's own fault: never blame (or reward) the student.
        log.error("grader error in %s: %r", nodeid, exc, exc_info=exc)
        self.problems.append(f"{nodeid}: {type(exc).__name__}: {exc}")
        return "error", messages.text("grader_error", lang, type=type(exc).__name__)


def grade_submission(src: Path, student: str, *, seed: int, lang: str = "en",
                     exercises: Sequence[str] = EXERCISES, budget_s: float | None = None) -> dict:
    """Grade the submission folder ``src`` (exercise files ``X.py`` / ``X.ipynb``).

    Args:
        src: the submission's folder.
        student: the student id, reported as is and mixed into the seed.
        seed: the run seed; with ``student`` it fixes every random configuration.
        lang: one of LANGUAGES, the language of the messages.
        exercises: which exercises to grade (a subset of ``EXERCISES``).
        budget_s: the wall-time budget for all of this submission's code
            (default ``DEFAULT_BUDGET_S``); when it runs out, the remaining tests get
            status "timeout".

    Returns:
        ``{"student", "score", "max_score", "exercises": {name: {"score", "max_score",
        "tests": [{"name", "score", "max_score", "status", "message"}]}}, "notes": [...]}``.

    Raises:
        ValueError: for bad arguments; RuntimeError: when the grader itself is broken
        (a suite fails to collect). Nothing a submission does makes it raise.
    """
    src = Path(src)
    if not src.is_dir():
        raise ValueError(f"grade_submission: {src} is not a folder")
    if lang not in LANGUAGES:
        raise ValueError(f"grade_submission: lang must be one of {LANGUAGES}, got {lang!r}")
    unknown = [e for e in exercises if e not in EXERCISES]
    if unknown:
        raise ValueError(f"grade_submission: unknown exercises {unknown}; known: {EXERCISES}")
    exercises = [e for e in EXERCISES if e in exercises]
    suites = [SUITES / f"test_{e}.py" for e in exercises if (SUITES / f"test_{e}.py").exists()]
    # Import the references and the suites before any student code runs, so nothing a
    # worker writes to disk can change them (pytest reuses the imported modules).
    for exercise in exercises:
        reference.load(exercise)
    with warnings.catch_warnings():
        # Inside another pytest run (the kit's own tests) the suites' marks are unknown
        # until their pytest.ini is read by the inner run.
        warnings.simplefilter("ignore", pytest.PytestUnknownMarkWarning)
        for module in ["conftest"] + [suite.stem for suite in suites]:
            importlib.import_module(f"grader.suites.{module}")
    session = StudentSession(src, budget_s=DEFAULT_BUDGET_S if budget_s is None else budget_s)
    plugin = GradingPlugin(GradingContext(session, submission_seed(seed, student), lang, Checker(lang)))
    try:
        if suites and any(session.exercise_file(e) for e in exercises):
            session.start()  # the worker imports torch while pytest collects
        if suites:
            _run_pytest(suites, plugin)
    finally:
        session.close()
    if plugin.problems:
        raise RuntimeError("the hidden suites are broken:\n" + "\n".join(plugin.problems))
    return _result(student, exercises, plugin, session, lang)


def _run_pytest(suites: list[Path], plugin: GradingPlugin) -> None:
    args = [str(s) for s in suites] + [
        "-c", str(SUITES / "pytest.ini"), "--rootdir", str(SUITES), "-s", "--assert=plain",
        "-p", "no:cacheprovider", "-p", "no:xdist", "-p", "no:randomly", "-p", "no:terminal",
    ]
    # The instructor's own pytest settings (e.g. PYTEST_ADDOPTS="-x") must not change grading.
    saved = {name: os.environ.pop(name) for name in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS") if name in os.environ}
    try:
        code = pytest.main(args, plugins=[plugin])
    finally:
        os.environ.update(saved)
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt("grading interrupted")
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        plugin.problems.append(f"pytest exited with {pytest.ExitCode(code).name}")


def _result(student: str, exercises: list[str], plugin: GradingPlugin, session: StudentSession, lang: str) -> dict:
    per_exercise: dict[str, dict] = {}
    notes: list[str] = []
    for exercise in exercises:
        tests = [dict(r) for nodeid, r in plugin.results.items() if plugin.exercise_of[nodeid] == exercise]
        if not (SUITES / f"test_{exercise}.py").exists():
            notes.append(messages.text("no_suite", lang, exercise=exercise))
        if (session.src / f"{exercise}.py").is_file() and (session.src / f"{exercise}.ipynb").is_file():
            notes.append(messages.text("both_formats", lang, module=exercise))
        per_exercise[exercise] = {
            "score": round(sum(t["score"] for t in tests), 6),
            "max_score": round(sum(t["max_score"] for t in tests), 6),
            "tests": tests,
        }
    notes += [messages.text(note["kind"], lang, **{k: v for k, v in note.items() if k != "kind"})
              for note in session.notes if note.get("kind") in messages.CATALOG]
    return {
        "student": student,
        "score": round(sum(e["score"] for e in per_exercise.values()), 6),
        "max_score": round(sum(e["max_score"] for e in per_exercise.values()), 6),
        "exercises": per_exercise,
        "notes": notes,
    }
