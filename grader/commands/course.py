"""``convkit course init DIR``: create an nbgrader course for the assignment."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.course import messages
from grader.course.assignment import ASSIGNMENT, DEFAULT_COURSE_ID, LANGUAGES


def run_init(args: argparse.Namespace) -> int:
    """Exit 0 when the course was created, 2 when DIR exists or an argument is wrong."""
    from grader.platforms.nbgrader_course import init_course

    try:
        settings = init_course(args.dir, args.lang, exchange=args.exchange, course_id=args.course_id, force=args.force)
    except (FileExistsError, ValueError) as error:
        print(f"convkit course init: {error}", file=sys.stderr)
        return 2
    lang = settings.lang  # the instructor chose the course's language: say the rest in it too
    print(messages.text("course_created", lang, course_id=settings.course_id, language=lang, root=args.dir.resolve(),
                        exchange=settings.exchange))
    print(messages.text("course_next", lang, root=args.dir,
                        commands=f"nbgrader generate_assignment {ASSIGNMENT} && nbgrader release_assignment {ASSIGNMENT}"))
    return 0


def add_parser(subparsers) -> None:
    """Register ``convkit course init``."""
    parser = subparsers.add_parser("course", help=f"create an nbgrader course for the {ASSIGNMENT} assignment")
    actions = parser.add_subparsers(dest="course_command", required=True)
    init = actions.add_parser("init", help=f"create DIR with nbgrader_config.py, source/{ASSIGNMENT} and an exchange folder")
    init.add_argument("dir", type=Path, metavar="DIR")
    init.add_argument("--lang", choices=LANGUAGES, default="en",
                      help="language of the released notebooks and of the feedback (default: en)")
    init.add_argument("--exchange", type=Path, help="exchange folder (default: DIR/exchange)")
    init.add_argument("--course-id", default=DEFAULT_COURSE_ID, help=f"nbgrader course id (default: {DEFAULT_COURSE_ID})")
    init.add_argument("--force", action="store_true", help=f"regenerate source/{ASSIGNMENT} if it exists")
    init.set_defaults(run=run_init)
