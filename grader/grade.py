"""``convkit grade PATH... --out DIR``: grade a class, in parallel, resumably.

Discovery: a PATH holding exercise files directly (``output_size.py``,
``maxpool.ipynb``, ...) is one submission whose student id is the folder's name; any
other PATH is a folder of submissions, one per subfolder (hidden ``.x`` and ``_x``
subfolders are ignored; subfolders without any exercise file are reported and skipped).

Each submission is graded by ``grader.grade_one.grade_submission`` in a separate
trusted process (``--jobs`` of them at a time). As each one finishes, its result is
stored atomically in ``DIR/.results/<student>.json`` with a key hashing everything the
grade depends on: the submission's files, the grader's and the reference solutions'
source, the seed, the language, the exercise set and the time budget. A re-run reuses
every result whose key still matches, so an interrupted run (Ctrl-C or SIGKILL at any
moment) loses nothing it had finished, and an unchanged class is not graded again.
"""
from __future__ import annotations

import argparse
import concurrent.futures as futures
import hashlib
import json
import multiprocessing
import os
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

from grader.assignment import EXERCISES, LANGUAGES, REPO, SOLUTIONS
from grader import gradebook
from grader.outputs import OutputError, probe_writable, write_atomic, write_outputs

DEFAULT_SEED = 0
SUBMISSION_SUFFIXES = (".py", ".ipynb")
RESULTS = ".results"

GradeFn = Callable[..., dict]


class UsageError(ValueError):
    """Bad command-line input: a missing path, no submissions, duplicate student ids."""


# --------------------------------------------------------------------------- discovery

def is_submission(folder: Path) -> bool:
    """Whether ``folder`` holds at least one exercise file (``<exercise>.py`` or ``.ipynb``)."""
    return any((folder / f"{name}{suffix}").is_file() for name in EXERCISES for suffix in SUBMISSION_SUFFIXES)


def _subfolders(folder: Path, exclude: Optional[Path]) -> list[Path]:
    return sorted(
        child for child in folder.iterdir()
        if child.is_dir() and child.name[0] not in "._" and (exclude is None or child.resolve() != exclude)
    )


def discover(paths: Sequence[Path], out: Optional[Path] = None) -> dict[str, Path]:
    """Map each student id to its submission folder, following the discovery rules.

    Args:
        paths: the PATH arguments, in the order given.
        out: the output folder, never taken for a submission.

    Raises:
        UsageError: a path does not exist or is not a folder, a folder holds no
            submission, or two submissions have the same student id.
    """
    exclude = out.resolve() if out is not None else None
    found: dict[str, Path] = {}
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
        if not path.is_dir():
            raise UsageError(f"{path}: expected a submission folder or a folder of submissions, got a file")
        folders = [path] if is_submission(path) else [f for f in _subfolders(path, exclude) if is_submission(f)]
        if not folders:
            names = ", ".join(f"{name}.py/.ipynb" for name in EXERCISES[:2])
            raise UsageError(
                f"{path}: no submissions found: neither it nor any subfolder holds an exercise file ({names}, ...)"
            )
        for folder in folders:
            student = folder.resolve().name
            if student in found:
                raise UsageError(f"duplicate student id {student!r}: {found[student]} and {folder}")
            found[student] = folder
    return found


def ignored_subfolders(paths: Sequence[Path], out: Optional[Path] = None) -> list[Path]:
    """Subfolders of folders-of-submissions that hold no exercise file (reported, not graded)."""
    exclude = out.resolve() if out is not None else None
    return [
        child for path in paths if path.is_dir() and not is_submission(path)
        for child in _subfolders(path, exclude) if not is_submission(child)
    ]


# ------------------------------------------------------------------------- cache keys

def _hash_files(digest: "hashlib._Hash", files: Iterable[Path], root: Path) -> None:
    for file in sorted(files):
        digest.update(str(file.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(file.read_bytes()).digest())


def grader_version() -> str:
    """A hash of the grader's and the reference solutions' source: any change regrades."""
    digest = hashlib.sha256()
    _hash_files(digest, [*(REPO / "grader").rglob("*.py"), *SOLUTIONS.glob("*.py")], REPO)
    return digest.hexdigest()


def submission_files(folder: Path) -> list[Path]:
    """The files a submission's grade can depend on: its top-level ``.py`` and ``.ipynb`` files."""
    return sorted(f for f in folder.iterdir() if f.is_file() and f.suffix in SUBMISSION_SUFFIXES)


@dataclass(frozen=True)
class Settings:
    """Everything besides the submission's files that a grade depends on."""

    seed: int = DEFAULT_SEED
    lang: str = "en"
    exercises: tuple[str, ...] = EXERCISES
    budget_s: Optional[float] = None
    data_root: Optional[str] = None  # MNIST files for the mnist exercise; None: the offline sample


def result_key(folder: Path, settings: Settings, version: str) -> str:
    """The cache key of one submission's grade under ``settings`` and grader ``version``."""
    digest = hashlib.sha256()
    config = {"version": version, "seed": settings.seed, "lang": settings.lang,
              "exercises": list(settings.exercises), "budget_s": settings.budget_s,
              "data_root": settings.data_root}
    digest.update(json.dumps(config, sort_keys=True).encode())
    _hash_files(digest, submission_files(folder), folder)
    return digest.hexdigest()


def _result_path(out: Path, student: str) -> Path:
    return out / RESULTS / f"{student}.json"


def load_result(out: Path, student: str, key: str) -> Optional[dict]:
    """The stored result of ``student`` if its key is ``key``; None if absent, stale or unreadable."""
    try:
        stored = json.loads(_result_path(out, student).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stored["result"] if isinstance(stored, dict) and stored.get("key") == key else None


def store_result(out: Path, student: str, key: str, result: dict) -> None:
    """Store one finished grade atomically, so a kill right after keeps it."""
    write_atomic(_result_path(out, student), json.dumps({"key": key, "result": result}, ensure_ascii=False))


def remove_stale_temporaries(out: Path) -> None:
    """Delete temporary files left by a run killed in the middle of an atomic write."""
    for folder in (out, out / "feedback", out / RESULTS):
        if folder.is_dir():
            for tmp in folder.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)


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
        from grader.grade_one import grade_submission as grade_fn
        from grader.session import DEFAULT_BUDGET_S

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
        from grader.sandbox import announce  # imports torch: only when really grading

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
) -> Run:
    """Probe ``out``, grade (resuming), then write grades.csv, grades.json and feedback.

    This is what ``convkit grade`` and ``convkit grade --nbgrader`` do once they know
    the submissions. Results of failed submissions are left out of the outputs.

    Raises:
        OutputError: ``out`` cannot be written (checked before any grading).
    """
    probe_writable(out)
    remove_stale_temporaries(out)
    run = grade_all(submissions, out, settings, jobs=jobs, grade_fn=grade_fn, progress=progress)
    run.document = write_outputs(out, [run.results[s] for s in sorted(run.results)], settings.exercises, settings.lang)
    return run


def _exercises(names: Optional[Sequence[str]]) -> tuple[str, ...]:
    if not names:
        return EXERCISES
    unknown = sorted(set(names) - set(EXERCISES))
    if unknown:
        raise UsageError(f"unknown exercise(s) {', '.join(unknown)}; choose from {', '.join(EXERCISES)}")
    return tuple(name for name in EXERCISES if name in names)


def settings_from(args: argparse.Namespace) -> Settings:
    """The grading settings of parsed ``convkit grade``-style arguments."""
    data_root = args.data_root or os.environ.get("CONVKIT_DATA")
    return Settings(seed=args.seed, lang=args.lang or "en", exercises=_exercises(args.exercises), budget_s=args.budget,
                    data_root=str(Path(data_root).resolve()) if data_root else None)


def add_grading_options(parser: argparse.ArgumentParser, jobs: int = 1) -> None:
    """The options shared by ``convkit grade`` and commands built on it (demo, nbgrader)."""
    parser.add_argument("--jobs", "-j", type=int, default=jobs, help=f"submissions graded at once (default: {jobs})")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED,
                        help=f"run seed; combined with each student id it picks the random test configurations (default: {DEFAULT_SEED})")
    parser.add_argument("--lang", choices=LANGUAGES, help="language of messages and feedback (default: en; with --nbgrader the course's)")
    parser.add_argument("--exercises", nargs="+", metavar="NAME", help=f"grade only these exercises (default: all of {', '.join(EXERCISES)})")
    parser.add_argument("--budget", type=float, default=None, metavar="SECONDS",
                        help="time budget per submission (default: the grader's)")
    parser.add_argument("--data-root", metavar="DIR", default=None,
                        help="MNIST data root (DIR/MNIST/raw/) for the mnist exercise "
                             "(default: $CONVKIT_DATA, else the offline 5,000-digit sample)")
    parser.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")


def report(run: Run, out: Path) -> int:
    """Print what the run did to stderr; the exit code is 1 if any submission could not be graded."""
    print(f"convkit grade: graded {len(run.graded)}, unchanged {len(run.reused)}, "
          f"failed {len(run.failed)}; outputs in {out}", file=sys.stderr)
    for student, error in sorted(run.failed.items()):
        print(f"convkit grade: could not grade {student} (grader problem, re-run to retry): {error}", file=sys.stderr)
    return 1 if run.failed else 0


def main(args: argparse.Namespace, grade_fn: Optional[GradeFn] = None) -> int:
    """``convkit grade``: exit 0 when every submission was graded (whatever the scores),
    2 for usage errors, 1 for an unusable output folder or a submission the grader failed on."""
    if args.nbgrader is not None:
        return gradebook.main(args, grade_fn)
    if args.out is None:
        print("convkit grade: --out DIR is required (or --nbgrader COURSE_DIR)", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print("convkit grade: --jobs must be at least 1", file=sys.stderr)
        return 2
    try:
        settings = settings_from(args)
        submissions = discover(args.paths, args.out)
    except UsageError as error:
        print(f"convkit grade: {error}", file=sys.stderr)
        return 2
    for folder in ignored_subfolders(args.paths, args.out):
        print(f"convkit grade: ignoring {folder}: no exercise files in it", file=sys.stderr)
    try:
        run = grade_class(submissions, args.out, settings, jobs=args.jobs, grade_fn=grade_fn, progress=args.progress)
    except OutputError as error:
        print(f"convkit grade: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"convkit grade: interrupted; finished grades are kept in {args.out / RESULTS}, "
              "re-run the same command to grade the rest", file=sys.stderr)
        return 130
    return report(run, args.out)


def _define(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="a submission folder, or a folder of submission folders")
    parser.add_argument("--out", type=Path, metavar="DIR", help="output folder (created if needed; required without --nbgrader)")
    add_grading_options(parser)
    gradebook.add_option(parser)
    parser.set_defaults(run=main)
    return parser


_HELP = "grade submissions: grades.csv, grades.json and feedback in --out"
_DESCRIPTION = "\n\n".join(__doc__.split("\n\n")[:2])


def parser() -> argparse.ArgumentParser:
    """A standalone parser of ``convkit grade``'s arguments (without the other subcommands)."""
    return _define(argparse.ArgumentParser(prog="convkit grade", description=_DESCRIPTION,
                                           formatter_class=argparse.RawDescriptionHelpFormatter))


def add_parser(subparsers) -> None:
    """Register ``convkit grade``."""
    _define(subparsers.add_parser("grade", help=_HELP, description=_DESCRIPTION,
                                  formatter_class=argparse.RawDescriptionHelpFormatter))
