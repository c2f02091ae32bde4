"""``convkit grade PATH... --out DIR``: grade a class (see docs/instructors.md).

Exit codes: 0 when every submission was graded (whatever the scores), 2 for usage
errors, 1 for an unusable output folder or a submission the grader itself failed on,
130 on Ctrl-C.
"""
from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Callable, Optional

from grader.commands.options import UsageError, add_grading_options, report, settings_from
from grader.course import messages

HELP = "grade submissions: grades.csv, grades.json, feedback and the class report in --out"
DESCRIPTION = """Grade a class, in parallel, resumably.

A PATH holding exercise files directly (output_size.py, maxpool.ipynb, ...) is one
submission whose student id is the folder's name; any other PATH is a folder of
submissions, one per subfolder. Finished grades are kept in DIR/.results, so a re-run
grades only what changed or was not finished. The random tests follow DIR's own secret
run seed, drawn on its first run and kept in DIR (so a regrade gives the same grades),
unless --seed is given. Grading one student into a class's DIR updates that student's
row and keeps the others. DIR/report.html is the class report;
`convkit report DIR --lang L` re-renders feedback and report without regrading."""


def run(args: argparse.Namespace, grade_fn: Optional[Callable] = None) -> int:
    """``convkit grade``; ``grade_fn`` replaces the real grader in tests."""
    dask = args.dask_scheduler is not None or args.dask_local is not None
    if args.nbgrader is not None:
        if dask:
            print(f"convkit grade: {messages.text('dask_with_nbgrader', args.lang or 'en')}", file=sys.stderr)
            return 2
        from grader.commands.nbgrader_grade import run as run_nbgrader

        return run_nbgrader(args, grade_fn)
    if args.out is None:
        print("convkit grade: --out DIR is required (or --nbgrader COURSE_DIR)", file=sys.stderr)
        return 2
    if args.jobs < 1:
        print("convkit grade: --jobs must be at least 1", file=sys.stderr)
        return 2
    if args.dask_local is not None and args.dask_local < 1:
        print("convkit grade: --dask-local must be at least 1", file=sys.stderr)
        return 2
    from grader.grading.cache import RESULTS
    from grader.grading.class_run import grade_class
    from grader.grading.discover import DiscoveryError, discover, ignored_subfolders
    from grader.grading.outputs import OutputError

    try:
        submissions = discover(args.paths, args.out)
        settings = settings_from(args, args.out)  # last: a usage error stores no seed in --out
    except (UsageError, DiscoveryError) as error:
        print(f"convkit grade: {error}", file=sys.stderr)
        return 2
    except OutputError as error:
        print(f"convkit grade: {error}", file=sys.stderr)
        return 1
    empty = ignored_subfolders(args.paths, args.out)
    for folder in empty:
        print(f"convkit grade: ignoring {folder}: no exercise files in it", file=sys.stderr)
    if args.similarity:
        from grader.similarity.detect import compare_class
        from grader.similarity.report import write_report

        # Written first, so the class report of this run lists the most similar pairs.
        write_report(args.out, *compare_class(submissions, settings.exercises, jobs=args.jobs))
    try:
        with contextlib.ExitStack() as stack:
            executor = None
            if dask:
                from grader.grading import dask_run

                executor = stack.enter_context(dask_run.executor(args.dask_scheduler, args.dask_local))
            graded = grade_class(submissions, args.out, settings, jobs=args.jobs, grade_fn=grade_fn,
                                 progress=args.progress, empty=empty, executor=executor)
    except OutputError as error:
        print(f"convkit grade: {error}", file=sys.stderr)
        return 1
    except OSError as error:  # the Dask scheduler cannot be reached
        print(f"convkit grade: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"convkit grade: interrupted; finished grades are kept in {args.out / RESULTS}, "
              "re-run the same command to grade the rest", file=sys.stderr)
        return 130
    return report(graded, args.out, args.lang)


def _define(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="a submission folder, or a folder of submission folders")
    parser.add_argument("--out", type=Path, metavar="DIR",
                        help="output folder (created if needed; required without --nbgrader)")
    add_grading_options(parser)
    parser.add_argument("--similarity", action="store_true",
                        help="also compare the submissions (as convkit similarity) and list the most similar "
                             "pairs in the class report")
    cluster = parser.add_mutually_exclusive_group()
    cluster.add_argument("--dask-scheduler", metavar="ADDRESS",
                         help="grade on the Dask cluster whose scheduler is at ADDRESS (e.g. tcp://head:8786), one task "
                              "per submission; workers must see the submissions at the same paths (docs/scale.md)")
    cluster.add_argument("--dask-local", type=int, metavar="N",
                         help="grade on a Dask cluster of N worker processes started on this machine")
    parser.add_argument("--nbgrader", type=Path, metavar="COURSE_DIR",
                        help="grade DIR/submitted/<student>/<PATH>/ of an nbgrader course (PATH = assignment, e.g. cnn) "
                             "and write the scores into its gradebook; --out defaults to DIR/convkit/<assignment>, "
                             "--lang to the course's language")
    parser.add_argument("--force", action="store_true",
                        help="with --nbgrader: overwrite gradebook scores that nbgrader autograde wrote")
    parser.set_defaults(run=run)
    return parser


def parser() -> argparse.ArgumentParser:
    """A standalone parser of ``convkit grade``'s arguments (without the other subcommands)."""
    return _define(argparse.ArgumentParser(prog="convkit grade", description=DESCRIPTION,
                                           formatter_class=argparse.RawDescriptionHelpFormatter))


def add_parser(subparsers) -> None:
    """Register ``convkit grade``."""
    _define(subparsers.add_parser("grade", help=HELP, description=DESCRIPTION,
                                  formatter_class=argparse.RawDescriptionHelpFormatter))
