"""``convkit export canvas|moodle GRADES.json --roster ROSTER.csv --out FILE``: grades.json
as the CSV an LMS imports (grader/platforms/lms.py; roster columns in docs/platforms.md).

Exit codes: 0 when every graded student is on the roster and every roster student was
graded; 1 when some were not (the file is still written, and each is named on stderr);
2 for an unreadable grades file or roster.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    from grader.grading.outputs import write_atomic
    from grader.platforms import lms

    command = f"convkit export {args.lms}"
    try:
        assignment, max_score, scores = lms.read_grades(args.grades)
        roster = lms.read_roster(args.roster)
        name = args.assignment_name or assignment
        if args.lms == "canvas":
            export = lms.canvas(roster, scores, max_score, name, args.assignment_id)
        else:
            export = lms.moodle(roster, scores, name, args.identifier)
        write_atomic(args.out, export.text)
    except lms.ExportError as error:
        print(f"{command}: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"{command}: cannot write {args.out}: {error.strerror or error}", file=sys.stderr)
        return 2
    print(f"{command}: {len(roster) - len(export.not_graded)} grade(s) written to {args.out}", file=sys.stderr)
    for student in export.not_on_roster:
        print(f"{command}: {student} was graded but is not on the roster {args.roster}: NOT exported", file=sys.stderr)
    for student in export.not_graded:
        print(f"{command}: {student} is on the roster but has no grade in {args.grades}: grade left empty",
              file=sys.stderr)
    return 1 if export.not_on_roster or export.not_graded else 0


def add_parser(subparsers) -> None:
    """Register ``convkit export canvas|moodle``."""
    parser = subparsers.add_parser("export", help="write grades.json as the CSV Canvas or Moodle imports",
                                   description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lms", choices=("canvas", "moodle"))
    parser.add_argument("grades", type=Path, metavar="GRADES.json", help="a convkit grades.json")
    parser.add_argument("--roster", type=Path, required=True, metavar="ROSTER.csv",
                        help="CSV with a 'student' column (grades.json's ids) and the LMS's ids: name, id, "
                             "sis_user_id, sis_login_id, section (Canvas); email, idnumber, username (Moodle)")
    parser.add_argument("--out", type=Path, required=True, metavar="FILE", help="the CSV to write")
    parser.add_argument("--assignment-name", help="the LMS's name of the assignment (default: grades.json's)")
    parser.add_argument("--assignment-id", help="Canvas: the assignment's id, so the import updates it")
    parser.add_argument("--identifier", choices=("email", "idnumber", "username"), default="email",
                        help="Moodle: the roster column Moodle matches students by (default: email)")
    parser.set_defaults(run=run)
