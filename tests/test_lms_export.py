"""``convkit export canvas|moodle``: the CSV each LMS imports, students matched by id from
the roster, and nobody dropped silently (grader/platforms/lms.py)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from grader.commands.cli import main as convkit


def grades(path: Path, scores: dict[str, float]) -> Path:
    """A grades.json in the documented schema (one exercise is enough here)."""
    path.write_text(json.dumps({"assignment": "cnn", "max_score": 115.0, "submissions": [
        {"student": s, "score": v, "max_score": 115.0, "exercises": {}} for s, v in sorted(scores.items())]}))
    return path


def roster(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


ROSTER = ("student,name,id,sis_user_id,sis_login_id,section,email,idnumber\n"
          "alice,\"Liddell, Alice\",101,S1,alice@u,Mon,alice@u.org,A-1\n"
          "bob,Bob B,102,S2,bob@u,Tue,bob@u.org,A-2\n")


def rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.reader(handle))


def test_canvas_gradebook_columns_points_possible_and_scores(tmp_path, capsys):
    out = tmp_path / "canvas.csv"
    code = convkit(["export", "canvas", str(grades(tmp_path / "g.json", {"alice": 97.5, "bob": 40.0})),
                    "--roster", str(roster(tmp_path / "r.csv", ROSTER)), "--out", str(out),
                    "--assignment-name", "Convolution", "--assignment-id", "777"])
    assert code == 0, capsys.readouterr().err
    assert rows(out) == [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Convolution (777)"],
        ["    Points Possible", "", "", "", "", "115"],
        ["Liddell, Alice", "101", "S1", "alice@u", "Mon", "97.5"],
        ["Bob B", "102", "S2", "bob@u", "Tue", "40"],
    ]


def test_moodle_identifier_and_grade(tmp_path):
    out = tmp_path / "moodle.csv"
    assert convkit(["export", "moodle", str(grades(tmp_path / "g.json", {"alice": 97.5, "bob": 40.0})),
                    "--roster", str(roster(tmp_path / "r.csv", ROSTER)), "--out", str(out),
                    "--identifier", "idnumber"]) == 0
    assert rows(out) == [["idnumber", "cnn"], ["A-1", "97.5"], ["A-2", "40"]]


@pytest.mark.parametrize("lms", ["canvas", "moodle"])
def test_unmatched_students_are_reported_never_dropped(tmp_path, capsys, lms):
    """carol is graded but not on the roster; bob is on the roster but not graded."""
    out = tmp_path / f"{lms}.csv"
    code = convkit(["export", lms, str(grades(tmp_path / "g.json", {"alice": 10.0, "carol": 5.0})),
                    "--roster", str(roster(tmp_path / "r.csv", ROSTER)), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert "carol was graded but is not on the roster" in err and "NOT exported" in err
    assert "bob is on the roster but has no grade" in err
    written = rows(out)
    assert written[-1][-1] == "" and written[-2][-1] == "10"  # bob's cell empty, alice's grade kept


@pytest.mark.parametrize(("text", "problem"), [
    ("name,email\nAlice,a@u\n", "no 'student' column"),
    ("student,email\nalice,a@u\nalice,b@u\n", "lines 2 and 3: student 'alice' listed twice"),
    ("student,email\n,a@u\n", "line 2: empty 'student'"),
])
def test_bad_rosters_are_named(tmp_path, capsys, text, problem):
    code = convkit(["export", "canvas", str(grades(tmp_path / "g.json", {"alice": 1.0})),
                    "--roster", str(roster(tmp_path / "r.csv", text)), "--out", str(tmp_path / "o.csv")])
    assert code == 2 and problem in capsys.readouterr().err
    assert not (tmp_path / "o.csv").exists()


def test_moodle_needs_the_identifier_for_every_student(tmp_path, capsys):
    code = convkit(["export", "moodle", str(grades(tmp_path / "g.json", {"alice": 1.0})),
                    "--roster", str(roster(tmp_path / "r.csv", "student,email\nalice,\n")),
                    "--out", str(tmp_path / "o.csv")])
    assert code == 2 and "no 'email' for alice" in capsys.readouterr().err


def test_a_file_that_is_not_grades_json_is_named(tmp_path, capsys):
    bad = tmp_path / "g.json"
    bad.write_text('{"submissions": [{"name": "x"}]}')
    code = convkit(["export", "canvas", str(bad), "--roster", str(roster(tmp_path / "r.csv", ROSTER)),
                    "--out", str(tmp_path / "o.csv")])
    assert code == 2 and f"{bad}: not a convkit grades.json" in capsys.readouterr().err
