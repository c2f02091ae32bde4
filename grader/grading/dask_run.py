"""Grade a class on a Dask distributed cluster: one Dask task per submission.

``convkit grade ... --dask-scheduler ADDRESS`` (an existing cluster) or ``--dask-local N``
(a cluster of N worker processes on this machine) runs the same engine as a local run
(grader/grading/class_run.py: hashing, the resume cache, the outputs) on the client, and
hands each submission's ``class_run._grade_task`` to the cluster through
:func:`executor`. On a Dask worker the task runs in a grading process of that worker's own
pool (spawned, one process per worker thread, living as long as the worker), set up by
the same ``class_run._init_grading_process`` as a local run: its memory limit, SIGTERM
handling, death with its parent, the watchdog. So a submission gets the same sandbox and
limits wherever it is graded; each worker says how it isolates (bubblewrap.announce, in
its log), and the client prints every distinct answer.

What can go wrong, and what survives it:

- a grading process dies (the OOM killer): the task grades again in a fresh pool,
  ``class_run.MAX_ATTEMPTS`` times in all, as a local run does;
- a Dask worker dies (killed, its node lost): the scheduler reschedules its tasks on the
  other workers (Dask's ``distributed.scheduler.allowed-failures``); grades already back
  at the client are already stored;
- the client is interrupted: finished grades are in the cache, a re-run skips them.

Submissions are read by path: every worker must see them (and the MNIST data root) at
the path the client sees, e.g. on a shared file system (docs/scale.md).
"""
from __future__ import annotations

import concurrent.futures as futures
import contextlib
import io
import multiprocessing
import sys
import threading
from pathlib import Path
from typing import Iterator, Optional

from grader.course import messages
from grader.grading.cache import Settings
from grader.grading.class_run import MAX_ATTEMPTS, GradeFn, _grade_task, _init_grading_process

# Dask's worker processes are daemonic by default, and a daemonic process may not start
# the grading processes; the kit's clusters turn that off, and so must other clusters.
DAEMON_OFF = {"distributed.worker.daemon": False}

_pool: Optional[futures.ProcessPoolExecutor] = None
_pool_lock = threading.Lock()
_isolation: Optional[str] = None


class WorkerSetupError(RuntimeError):
    """A Dask worker that cannot grade as a local run does (e.g. a daemonic worker process)."""


class GradingProcessDied(RuntimeError):
    """The grading process of a submission died ``MAX_ATTEMPTS`` times."""


def isolation() -> str:
    """How this machine isolates workers, as the start-up line of a local run says it (said once)."""
    global _isolation
    if _isolation is None:
        from grader.isolation.bubblewrap import announce  # imports torch: only on a grading node

        line = io.StringIO()
        announce(line)
        _isolation = line.getvalue().strip() or "announced earlier in this process"
        print(_isolation, file=sys.stderr, flush=True)  # the worker's log
    return _isolation


def _worker_pool() -> futures.ProcessPoolExecutor:
    """This Dask worker's pool of grading processes, made on its first task."""
    global _pool
    with _pool_lock:
        if _pool is None:
            from distributed import get_worker

            if multiprocessing.current_process().daemon:
                raise WorkerSetupError(messages.text("dask_daemon", "en"))
            isolation()  # once per worker, before any of its workers starts
            _pool = futures.ProcessPoolExecutor(max_workers=get_worker().state.nthreads,
                                                mp_context=multiprocessing.get_context("spawn"),
                                                initializer=_init_grading_process)
        return _pool


def _discard(pool: futures.ProcessPoolExecutor) -> None:
    """Drop a broken pool so the next task makes a fresh one."""
    global _pool
    with _pool_lock:
        if _pool is pool:
            _pool = None
    pool.shutdown(wait=False, cancel_futures=True)


def grade_on_worker(grade_fn: Optional[GradeFn], folder: Path, student: str, settings: Settings) -> tuple[dict, int]:
    """The Dask task: ``_grade_task`` in one of this worker's grading processes.

    Returns:
        what ``_grade_task`` returns: the result and the grading process's peak memory (bytes).

    Raises:
        GradingProcessDied: its grading process died ``MAX_ATTEMPTS`` times.
        WorkerSetupError: this worker cannot start grading processes.
    """
    for _ in range(MAX_ATTEMPTS):
        pool = _worker_pool()
        try:
            return pool.submit(_grade_task, grade_fn, folder, student, settings).result()
        except futures.process.BrokenProcessPool:
            _discard(pool)
    raise GradingProcessDied(f"its grading process died {MAX_ATTEMPTS} times (killed, e.g. by the out-of-memory "
                             "killer, or crashed)")


class DaskExecutor(futures.Executor):
    """Runs ``class_run._grade_task`` calls as :func:`grade_on_worker` Dask tasks; ``concurrent.futures`` futures."""

    def __init__(self, client):
        # pure=False: two submissions with equal arguments are still two gradings.
        self._executor = client.get_executor(pure=False)

    def submit(self, fn, /, *args, **kwargs) -> futures.Future:
        if fn is not _grade_task:
            raise ValueError("DaskExecutor runs class_run._grade_task only")
        return self._executor.submit(grade_on_worker, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._executor.shutdown(wait=wait)


@contextlib.contextmanager
def executor(scheduler: Optional[str] = None, local_workers: Optional[int] = None) -> Iterator[DaskExecutor]:
    """Connect to the cluster at ``scheduler``, or start ``local_workers`` worker processes here.

    Prints on stderr how the cluster's workers isolate submissions (each distinct answer once).

    Raises:
        OSError: the scheduler cannot be reached (distributed's own message says why).
    """
    import dask
    from distributed import Client, LocalCluster

    with contextlib.ExitStack() as stack:
        if scheduler is None:
            # For the cluster's whole life: a nanny reads it again when it restarts a dead worker.
            stack.enter_context(dask.config.set(DAEMON_OFF))
            cluster = stack.enter_context(LocalCluster(
                n_workers=local_workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(scheduler))
        answers = client.run(isolation)
        for line in sorted(set(answers.values())):
            workers = sum(answer == line for answer in answers.values())
            print(f"convkit: {messages.text('dask_isolation', 'en', workers=workers, line=line)}", file=sys.stderr,
                  flush=True)
        yield DaskExecutor(client)
