"""Grade one submission: run the hidden suites against a worker holding its code.

``grade_submission`` is the one function the grading engine (``grader/grading/class_run.py``)
calls per submission. It runs the suites in ``grader/suites/`` with ``pytest.main``
in this (trusted) process; the ``GradingPlugin`` hands the suites a
``StudentSession`` (the proxy to the worker) and records each test's points, status
and message (in every catalog language, see grader/grading/results.py). Student code never
runs here.
"""
from __future__ import annotations

import hashlib
import importlib
import logging
import os
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import pytest
import torch

from grader.course import messages
from grader.course.assignment import EXERCISES, LANGUAGES, require_language
from grader.course.dependencies import uses
from grader.grading import misconceptions, reference
from grader.grading.compare import Checker, Mismatch
from grader.grading.results import ExerciseResult, Status, SubmissionResult, TestResult, Texts, all_languages
from grader.grading.session import DEFAULT_BUDGET_S, StudentProblem, StudentSession
from grader.isolation import warm
from grader.isolation.untrusted import FIELD_CHARS, MESSAGE_CHARS, NOTE_CHARS, untrusted_text

SUITES = Path(__file__).resolve().parents[1] / "suites"
# The suites' tests of the student's own functions together (the others use stand-ins).
COMPOSITION = "composition"
log = logging.getLogger(__name__)


@dataclass
class GradingContext:
    """What the suites' fixtures need for one submission (see grader/suites/conftest.py)."""

    student: StudentSession
    seed: int
    lang: str
    check: Checker
    details: dict[str, messages.Text] = field(default_factory=dict)  # nodeid -> what a passed test reports

    def detail_for(self, nodeid: str) -> Callable[[messages.Text], None]:
        """The ``detail`` fixture: a test reports what it measured (shown when it passes)."""
        return lambda text: self.details.__setitem__(nodeid, text)


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
    results: dict[str, TestResult] = field(default_factory=dict)  # nodeid -> test record
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
            self.results[item.nodeid] = TestResult(name=name, max_score=float(marker.args[0]),
                                                   messages=all_languages(messages.Text("budget")))

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo) -> Any:
        yield
        record = self.results.get(item.nodeid)
        if record is None or call.when == "teardown" or (call.when == "setup" and call.excinfo is None):
            return
        exc = call.excinfo.value if call.excinfo else None
        status, texts = self._outcome(exc, item.nodeid)
        if status is not Status.PASSED and record.name == COMPOSITION:
            texts = {lang: f"{text}\n{messages.text('composition_note', lang)}" for lang, text in texts.items()}
        record.status, record.messages = status, bounded(texts, MESSAGE_CHARS)
        record.score = record.max_score if record.passed else 0.0
        record.picture = exc.picture if isinstance(exc, Mismatch) else None
        misconception = getattr(exc, "misconception", None) if isinstance(exc, Mismatch) else None
        record.misconception = all_languages(misconception) if misconception else {}
        detail = self.context.details.get(item.nodeid)
        record.detail = all_languages(detail) if record.passed and detail is not None else {}

    def _outcome(self, exc: BaseException | None, nodeid: str) -> tuple[Status, Texts]:
        if exc is None:
            return Status.PASSED, {}
        if isinstance(exc, StudentProblem):
            return Status(exc.status), {lang: exc.message(lang) for lang in LANGUAGES}
        if isinstance(exc, Mismatch):
            # A plain-string Mismatch is in the run's language only.
            return Status.FAILED, (all_languages(exc.text) if isinstance(exc.text, messages.Text)
                                   else {self.context.lang: str(exc)})
        # Anything else is the grader's own fault: never blame (or reward) the student.
        # Without pytest's log capture this reaches the grading process's stderr, which an
        # instructor's terminal shows: cleaned, since the error may quote student values.
        trace = untrusted_text("".join(traceback.format_exception(exc)), MESSAGE_CHARS)
        log.error("grader error in %s:\n%s", untrusted_text(nodeid, FIELD_CHARS), trace)
        self.problems.append(untrusted_text(f"{nodeid}: {type(exc).__name__}: {exc}", FIELD_CHARS))
        return Status.ERROR, all_languages(messages.Text("grader_error", type=type(exc).__name__))


def grade_submission(src: Path, student: str, *, seed: int, lang: str = "en",
                     exercises: Sequence[str] = EXERCISES, budget_s: float | None = None,
                     cascade: bool = False) -> dict:
    """Grade the submission folder ``src`` (exercise files ``X.py`` / ``X.ipynb``).

    Args:
        src: the submission's folder.
        student: the student id, reported as is and mixed into the seed.
        seed: the run seed; with ``student`` it fixes every random configuration.
        lang: the language of ``message`` (``messages`` holds every catalog language).
        exercises: which exercises to grade (a subset of ``EXERCISES``).
        budget_s: the wall-time budget for all of this submission's code
            (default ``DEFAULT_BUDGET_S``); when it runs out, the remaining tests get
            status "timeout".
        cascade: grade each exercise with the student's own earlier exercises instead of
            correct stand-ins of them (``convkit grade --cascade``; docs/grading.md).

    Returns:
        the result's record (``SubmissionResult.to_record()``): grades.json's fields
        ``{"student", "score", "max_score", "exercises": {name: {"score", "max_score",
        "tests": [{"name", "score", "max_score", "status", "message"}]}}, "status"}`` plus
        every message in every language, the pictures' data, notes and ``seconds``.

    Raises:
        ValueError: for bad arguments; RuntimeError: when the grader itself is broken
        (a suite fails to collect). Nothing a submission does makes it raise.
    """
    started = time.monotonic()
    # One torch thread: parallelism comes from grading processes (--jobs), and torch's
    # default of a thread per core made the grading processes' threads spin against each
    # other and the workers (2 cores, --jobs 2: 0.7 s per submission instead of 0.22 s).
    # The workers set the same (grader/runtime/worker.py).
    torch.set_num_threads(1)
    src = Path(src)
    if not src.is_dir():
        raise ValueError(f"grade_submission: {src} is not a folder")
    require_language(lang, "grade_submission")
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
    session = StudentSession(src, budget_s=DEFAULT_BUDGET_S if budget_s is None else budget_s, cascade=cascade)
    check = Checker(lang, explain=lambda actual: misconceptions.explain(session.last_request, actual))
    plugin = GradingPlugin(GradingContext(session, submission_seed(seed, student), lang, check))
    try:
        if suites and any(session.exercise_file(e) for e in exercises):
            warm.prestart(exercises)  # a zygote that preloads what these exercises' workers import
            session.start()  # the worker imports torch while pytest collects
        if suites:
            _run_pytest(suites, plugin)
    finally:
        session.close()
    if plugin.problems:
        raise RuntimeError("the hidden suites are broken:\n" + "\n".join(plugin.problems))
    result = _result(student, exercises, plugin, session, lang)
    result.seconds = round(time.monotonic() - started, 2)
    return result.to_record()


def _run_pytest(suites: list[Path], plugin: GradingPlugin) -> None:
    # Only pytest's own machinery runs the suites: no plugin installed beside the kit (an
    # entry point pytest would load by itself could fail or skip every test), and none of
    # the built-in ones that do nothing here but cost time in every submission: the
    # unraisableexception plugin forces two full garbage collections per call (0.2-0.35 s
    # with torch loaded), log capture re-attaches its handlers to every logger in each
    # phase of each test, the others are reports and debuggers nobody reads.
    args = [str(s) for s in suites] + [
        "-c", str(SUITES / "pytest.ini"), "--rootdir", str(SUITES), "-s", "--assert=plain",
        "--disable-plugin-autoload", "-p", "no:cacheprovider", "-p", "no:terminal",
        "-p", "no:unraisableexception", "-p", "no:threadexception", "-p", "no:logging",
        "-p", "no:junitxml", "-p", "no:pastebin", "-p", "no:faulthandler", "-p", "no:debugging",
        "-p", "no:doctest", "-p", "no:legacypath",
    ]
    # Nor do the instructor's own pytest settings (e.g. PYTEST_ADDOPTS="-x").
    saved = {name: os.environ.pop(name) for name in ("PYTEST_ADDOPTS", "PYTEST_PLUGINS") if name in os.environ}
    try:
        code = pytest.main(args, plugins=[plugin])
    finally:
        os.environ.update(saved)
    if code == pytest.ExitCode.INTERRUPTED:
        raise KeyboardInterrupt("grading interrupted")
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        plugin.problems.append(f"pytest exited with {pytest.ExitCode(code).name}")


def bounded(texts: Texts, limit: int) -> Texts:
    """Each language's text as valid text of at most ``limit`` characters (they quote student code)."""
    return {lang: untrusted_text(text, limit) for lang, text in texts.items()}


def failing_dependencies(exercises: dict[str, ExerciseResult]) -> list[Texts]:
    """A note for each failing exercise that uses an earlier exercise which fails its own tests.

    It names the functions used (those a failing message names, else all the imported
    ones), so the student fixes the cause before its echoes.
    """
    def failures(exercise: str) -> list[str]:
        return [t.messages.get("en", "") for t in exercises[exercise].tests if not t.passed]

    notes = []
    for exercise in exercises:
        if not failures(exercise):
            continue
        for earlier, names in uses(exercise).items():
            if earlier in exercises and failures(earlier):
                named = [n for n in names if any(m.startswith(n) for m in failures(earlier))] or list(names)
                notes.append(all_languages(messages.Text("uses_failing", exercise=exercise,
                                                         functions=", ".join(named), earlier=earlier)))
    return notes


def _result(student: str, exercises: list[str], plugin: GradingPlugin, session: StudentSession,
            lang: str) -> SubmissionResult:
    result = SubmissionResult(student=student, lang=lang)
    for exercise in exercises:
        graded = ExerciseResult(tests=[r for nodeid, r in plugin.results.items() if plugin.exercise_of[nodeid] == exercise])
        if not (SUITES / f"test_{exercise}.py").exists():
            result.notes.append(all_languages(messages.Text("no_suite", exercise=exercise)))
        if (session.src / f"{exercise}.py").is_file() and (session.src / f"{exercise}.ipynb").is_file():
            graded.notes.append(all_languages(messages.Text("both_formats", module=exercise)))
        result.exercises[exercise] = graded
    for note in session.notes:
        if note.get("kind") not in messages.CATALOG:
            continue
        texts = bounded(all_languages(messages.Text(note["kind"], **{k: v for k, v in note.items() if k != "kind"})),
                        NOTE_CHARS)
        # A failed notebook cell is shown in the exercise whose file it is in.
        owner = Path(str(note.get("file", ""))).stem
        (result.exercises[owner].notes if owner in result.exercises else result.notes).append(texts)
    result.notes += failing_dependencies(result.exercises)
    return result
