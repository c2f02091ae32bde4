"""Grade a class in parallel, resumably: one trusted grading process per submission at a time.

Each submission is graded by ``grader.grading.submission.grade_submission`` in a
separate trusted process (``jobs`` of them at a time). As each one finishes, its result
is stored at once in the cache (grader/grading/cache.py), so an interrupted run (Ctrl-C
or SIGKILL at any moment) loses nothing it had finished, and an unchanged class is not
graded again.
"""
from __future__ import annotations

import concurrent.futures as futures
import multiprocessing
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

from grader.grading.cache import (
    Settings,
    grader_version,
    load_result,
    remove_stale_temporaries,
    result_key,
    store_result,
)
from grader.grading.outputs import probe_writable
from grader.grading.publish import write_outputs
from grader.grading.results import SubmissionResult, SubmissionStatus

GradeFn = Callable[..., dict]


# ------------------------------------------------------------------ parallel grading

# A grading process stuck in the grader itself (student code has its own budget,
# enforced by the grader) is stopped after this many times the submission's budget.
WATCHDOG_FACTOR = 3.0

_in_task = False  # whether this grading process is inside grade_submission
_stopping = False
_overtime = False


class GraderHung(RuntimeError):
    """The grader itself took far longer than the submission's budget (a grader bug)."""


def _interrupt_grader() -> None:
    """Make the grader give up its current submission, and end the process if it cannot.

    The grader runs its suites under pytest, which records most exceptions raised in a
    test as a failure but lets KeyboardInterrupt end the session (its cleanup runs).
    If that cleanup hangs, SIGALRM's default action ends the process.
    """
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    signal.alarm(5)
    raise KeyboardInterrupt


def _on_sigterm(signum, frame) -> None:
    """Stop this grading process; when busy, let the grader clean up its worker first."""
    global _stopping
    if _stopping or not _in_task:
        os._exit(128 + signal.SIGTERM)
    _stopping = True
    _interrupt_grader()


def _on_watchdog(signum, frame) -> None:
    global _overtime
    _overtime = True
    _interrupt_grader()


def _init_grading_process() -> None:
    """Ctrl-C is the parent's to handle; SIGTERM (also sent if the parent dies) stops us."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    if sys.platform.startswith("linux"):
        import ctypes

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() == 1:  # the parent died before prctl took effect
            os._exit(1)


def _grade_task(grade_fn: Optional[GradeFn], folder: Path, student: str, settings: Settings) -> dict:
    """Runs in a grading process: grade one submission with the real grader or ``grade_fn``.

    Raises:
        GraderHung: the watchdog (``WATCHDOG_FACTOR`` x the budget) fired.
    """
    global _in_task, _overtime
    budget = settings.budget_s
    if grade_fn is None:
        from grader.grading.session import DEFAULT_BUDGET_S
        from grader.grading.submission import grade_submission as grade_fn

        budget = DEFAULT_BUDGET_S if budget is None else budget
    watchdog = None if budget is None else WATCHDOG_FACTOR * budget
    _in_task, _overtime = True, False
    if settings.data_root:
        os.environ["CONVKIT_DATA"] = settings.data_root  # read by the mnist suite's loader
    signal.signal(signal.SIGALRM, _on_watchdog)
    if watchdog:
        signal.setitimer(signal.ITIMER_REAL, watchdog)
    try:
        result = grade_fn(folder, student, seed=settings.seed, lang=settings.lang,
                          exercises=settings.exercises, budget_s=settings.budget_s)
    except BaseException:
        if not _overtime:
            raise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _in_task = False
        if _stopping:  # whatever the grader made of the interruption, this process is done
            os._exit(128 + signal.SIGTERM)
    if _overtime:
        raise GraderHung(f"grading took over {watchdog:g} s ({WATCHDOG_FACTOR:g} x the {budget:g} s budget): "
                         "the grader itself hung")
    return result


def _stop_pool(pool: futures.ProcessPoolExecutor) -> None:
    processes = list((pool._processes or {}).values())  # noqa: SLF001 - no public way to reach them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()


@dataclass
class Run:
    """The outcome of :func:`grade_all`."""

    results: dict[str, dict] = field(default_factory=dict)
    reused: list[str] = field(default_factory=list)
    graded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    document: dict = field(default_factory=dict)  # grades.json's content, once written


def grade_all(
    submissions: dict[str, Path],
    out: Path,
    settings: Settings = Settings(),
    *,
    jobs: int = 1,
    grade_fn: Optional[GradeFn] = None,
    progress: bool = True,
) -> Run:
    """Grade every submission not already graded in ``out``, storing each as it finishes.

    Args:
        submissions: student id -> submission folder (see :func:`discover`).
        out: the output folder; must already be probed writable.
        settings: seed, language, exercises and budget, passed to the grader.
        jobs: grading processes running at once.
        grade_fn: a module-level function with ``grade_submission``'s signature, used
            instead of the real grader (tests); None means the real one.
        progress: show a progress bar with an ETA on stderr.

    Returns:
        the results by student, and which were reused, graded, or failed (a grader bug
        or a crashed grading process: those are not stored, so a re-run retries them).

    Raises:
        KeyboardInterrupt: after stopping the grading processes; finished grades are stored.
    """
    from tqdm import tqdm

    version = grader_version()
    run = Run()
    todo: dict[str, str] = {}
    for student, folder in sorted(submissions.items()):
        key = result_key(folder, settings, version)
        cached = load_result(out, student, key)
        if cached is None:
            todo[student] = key
        else:
            run.results[student] = cached
            run.reused.append(student)
    if not todo:
        return run
    if grade_fn is None:
        from grader.isolation.bubblewrap import announce  # imports torch: only when really grading

        announce()  # once per run, before any worker starts: sandboxed, or why not
    bar = tqdm(total=len(todo), unit="submission", desc="grading", file=sys.stderr, disable=not progress, dynamic_ncols=True)
    # spawn: each grading process is a fresh interpreter (no inherited threads or torch
    # state) and a direct child of this one, so it can be told to die with it.
    pool = futures.ProcessPoolExecutor(max_workers=max(1, min(jobs, len(todo))), mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_init_grading_process)
    try:
        pending = {pool.submit(_grade_task, grade_fn, submissions[s], s, settings): s for s in todo}
        for future in futures.as_completed(pending):
            student = pending[future]
            try:
                result = future.result()
            except Exception as error:  # a grader bug or a dead grading process: report, keep going
                run.failed[student] = f"{type(error).__name__}: {error}"
            else:
                store_result(out, student, todo[student], result)
                run.results[student] = result
                run.graded.append(student)
            bar.update(1)
            bar.set_postfix_str(student, refresh=False)
    except BaseException:
        _stop_pool(pool)
        raise
    finally:
        bar.close()
    pool.shutdown(wait=True)
    return run


# ------------------------------------------------------------------------------ CLI

def grade_class(
    submissions: dict[str, Path],
    out: Path,
    settings: Settings = Settings(),
    *,
    jobs: int = 1,
    grade_fn: Optional[GradeFn] = None,
    progress: bool = True,
    empty: Sequence[Path] = (),
) -> Run:
    """Probe ``out``, grade (resuming), then write grades.csv, grades.json, feedback and the report.

    This is what ``convkit grade`` and ``convkit grade --nbgrader`` do once they know
    the submissions. Failed submissions and the ``empty`` folders (no exercise files) get
    a row with their status and no scores.

    Raises:
        OutputError: ``out`` cannot be written (checked before any grading).
    """
    probe_writable(out)
    remove_stale_temporaries(out)
    run = grade_all(submissions, out, settings, jobs=jobs, grade_fn=grade_fn, progress=progress)
    rows = [SubmissionResult.from_json(run.results[s], settings.lang) for s in sorted(run.results)]
    rows += [SubmissionResult.not_graded(s, SubmissionStatus.NOT_GRADED, reason.splitlines()[0][:200] if reason else "")
             for s, reason in run.failed.items()]
    rows += [SubmissionResult.not_graded(folder.resolve().name, SubmissionStatus.NO_FILES) for folder in empty]
    run.document = write_outputs(out, rows, settings.exercises, settings.lang)
    return run


