"""``convkit grade``: discovery, output schemas, skipping unchanged work, output folder checks.

The grader itself is replaced by tests/fake_grading.py (instant, content-dependent), so
these tests exercise the engine only; tests/test_examples.py runs the real grader.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
import urllib.parse
from pathlib import Path

import fake_grading
import pytest

from grader.commands import grade as command, options
from grader.course.assignment import EXERCISES, REPO
from grader.grading import cache, class_run, discover, feedback, outputs

SCHEMA_TOP = ["assignment", "max_score", "submissions"]
SCHEMA_SUBMISSION = ["student", "score", "max_score", "exercises", "status"]
SCHEMA_EXERCISE = ["score", "max_score", "tests"]
SCHEMA_TEST = ["name", "score", "max_score", "status", "message"]


def make_class(root: Path, students: dict[str, dict[str, str]]) -> Path:
    """Create ``root/<student>/<file>`` for every student's ``{file name: text}``."""
    for student, files in students.items():
        for name, text in files.items():
            (root / student).mkdir(parents=True, exist_ok=True)
            (root / student / name).write_text(text, encoding="utf-8")
    return root


def run_cli(*argv: str) -> int:
    args = command.parser().parse_args([*argv, "--no-progress"])
    return command.run(args, grade_fn=fake_grading.grade_submission)


def test_discovery_single_submission_and_folder_of_submissions(tmp_path):
    make_class(tmp_path / "class", {"ana": {"output_size.py": "a"}, "ben": {"maxpool.ipynb": "{}"},
                                    "notes": {"readme.txt": "x"}, ".hidden": {"loop_conv.py": "h"}})
    make_class(tmp_path, {"zoe": {"backward.py": "z", "helper.txt": ""}})
    found = discover.discover([tmp_path / "class", tmp_path / "zoe"])
    assert found == {"ana": tmp_path / "class" / "ana", "ben": tmp_path / "class" / "ben", "zoe": tmp_path / "zoe"}
    assert discover.ignored_subfolders([tmp_path / "class"]) == [tmp_path / "class" / "notes"]


def test_discovery_errors_name_the_path(tmp_path):
    (tmp_path / "empty" / "sub").mkdir(parents=True)
    with pytest.raises(discover.DiscoveryError, match="no such file"):
        discover.discover([tmp_path / "missing"])
    with pytest.raises(discover.DiscoveryError, match=r"empty: no submissions found"):
        discover.discover([tmp_path / "empty"])
    make_class(tmp_path / "a", {"ana": {"output_size.py": ""}})
    make_class(tmp_path / "b", {"ana": {"maxpool.py": ""}})
    with pytest.raises(discover.DiscoveryError, match=r"duplicate student id 'ana'.*a/ana.*b/ana"):
        discover.discover([tmp_path / "a", tmp_path / "b"])


def test_discovery_skips_the_output_folder(tmp_path):
    make_class(tmp_path, {"ana": {"output_size.py": ""}, "out": {"output_size.py": ""}})
    assert list(discover.discover([tmp_path], tmp_path / "out")) == ["ana"]


def test_usage_errors_exit_2_and_grade_nothing(tmp_path, capsys):
    assert run_cli(str(tmp_path / "missing"), "--out", str(tmp_path / "out")) == 2
    assert "missing: no such file" in capsys.readouterr().err
    make_class(tmp_path / "c", {"ana": {"output_size.py": ""}})
    assert run_cli(str(tmp_path / "c"), "--out", str(tmp_path / "out"), "--exercises", "pooling") == 2
    assert "unknown exercise(s) pooling" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_outputs_follow_the_schema(tmp_path):
    make_class(tmp_path / "class", {"carl": {"maxpool.py": "1"}, "ana": {"output_size.py": "2", "maxpool.ipynb": "3"}})
    out = tmp_path / "out"
    assert run_cli(str(tmp_path / "class"), "--out", str(out), "--exercises", "maxpool", "output_size", "--jobs", "2",
                   "--seed", "0") == 0

    document = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    assert list(document) == SCHEMA_TOP and document["assignment"] == "cnn"
    assert [s["student"] for s in document["submissions"]] == ["ana", "carl"]
    for sub in document["submissions"]:
        expected = fake_grading.grade_submission(tmp_path / "class" / sub["student"], sub["student"], seed=0,
                                                 exercises=("output_size", "maxpool"))
        assert list(sub) == SCHEMA_SUBMISSION and list(sub["exercises"]) == ["output_size", "maxpool"]
        assert sub["exercises"] == expected["exercises"] and sub["score"] == expected["score"]
        for exercise in sub["exercises"].values():
            assert list(exercise) == SCHEMA_EXERCISE
            assert all(list(test) == SCHEMA_TEST for test in exercise["tests"])
    assert document["max_score"] == document["submissions"][0]["max_score"] == 4.0
    assert (out / "grades.json").read_text(encoding="utf-8") == outputs.grades_json(document)

    rows = list(csv.reader(io.StringIO((out / "grades.csv").read_text(encoding="utf-8"))))
    assert rows[0] == ["student", "output_size", "maxpool", "total", "max", "status"]
    for row, sub in zip(rows[1:], document["submissions"]):
        assert row == [sub["student"], *(outputs.number(sub["exercises"][e]["score"]) for e in ("output_size", "maxpool")),
                       outputs.number(sub["score"]), "4", "graded"]


def test_feedback_escapes_html_and_follows_the_language(tmp_path):
    make_class(tmp_path / "class", {"ana": {"output_size.py": "x"}})
    # Seed 0 fails a fake test of "x", so its message is on the page; the run's own secret
    # seed passed both fake tests one run in four, and the page then had no message.
    assert run_cli(str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--lang", "es", "--seed", "0") == 0
    page = (tmp_path / "out" / "feedback" / "ana.html").read_text(encoding="utf-8")
    text = (tmp_path / "out" / "feedback" / "ana.md").read_text(encoding="utf-8")
    assert "&lt;window&gt; &amp; &#34;output_size&#34;" in page and "<window>" not in page
    assert '<window> & "output_size"' in text  # inside a code fence: literal
    for document in (page, text):
        assert "Retroalimentación para ana" in document and "graded in es" in document
        assert all(f"{name}" in document for name in EXERCISES)


def test_feedback_drops_lines_pointing_into_the_grader():
    secret = f'  File "{REPO}/grader/suites/test_maxpool.py", line 12, in test_indices'
    result = fake_grading.grade_submission(Path("/nonexistent"), "ana", seed=0, exercises=("maxpool",))
    result["exercises"]["maxpool"]["tests"][0]["message"] = f"indices differ\n{secret}"
    for render in (feedback.feedback_markdown, feedback.feedback_html):
        page = render(result, "en")
        assert "indices differ" in page and "test_maxpool.py" not in page


def test_rerun_skips_unchanged_and_regrades_what_changed(tmp_path, monkeypatch):
    # Pinned: in a shared working tree the grader's own source may change between runs.
    monkeypatch.setattr(class_run, "grader_version", lambda: "pinned")
    root = make_class(tmp_path / "class", {s: {"output_size.py": s} for s in ("ana", "ben", "cy")})
    out = tmp_path / "out"
    run = lambda seed=0: class_run.grade_class(discover.discover([root]), out, cache.Settings(seed=seed), jobs=2,
                                           grade_fn=fake_grading.grade_submission, progress=False)
    first = run()
    assert sorted(first.graded) == ["ana", "ben", "cy"] and not first.reused
    again = run()
    assert again.graded == [] and sorted(again.reused) == ["ana", "ben", "cy"]
    assert again.document == first.document

    (root / "ben" / "maxpool.py").write_text("new work", encoding="utf-8")
    changed = run()
    assert changed.graded == ["ben"] and sorted(changed.reused) == ["ana", "cy"]
    saved = json.loads((out / "grades.json").read_text(encoding="utf-8"))
    ben = next(s for s in saved["submissions"] if s["student"] == "ben")
    assert ben["exercises"]["maxpool"]["tests"][0]["message"] != "maxpool.py is missing"

    assert sorted(run(seed=1).graded) == ["ana", "ben", "cy"]  # another seed is another grade
    other_data = cache.Settings(seed=1, data_root=str(tmp_path / "mnist"))
    rerun = class_run.grade_class(discover.discover([root]), out, other_data, jobs=2,
                              grade_fn=fake_grading.grade_submission, progress=False)
    assert sorted(rerun.graded) == ["ana", "ben", "cy"]  # so is other MNIST data
    monkeypatch.setattr(class_run, "grader_version", lambda: "changed")
    assert sorted(run(seed=1).graded) == ["ana", "ben", "cy"]  # so is another grader


def test_a_student_id_is_one_line_whatever_its_folder_name(tmp_path, capsys):
    """A folder name with a line break printed a line of its own in the progress bar
    (a fake "convkit grade: graded ..." summary, red team round 4)."""
    fake = "ana\nconvkit grade: graded 99, unchanged 0, failed 0; no problems\tx"
    root = make_class(tmp_path / "class", {fake: {"maxpool.py": "x"}, "ben": {"maxpool.py": "y"}})
    (student,) = [s for s in discover.discover([root]) if s != "ben"]
    assert "\n" not in student and "\t" not in student and student.startswith("ana")
    assert run_cli(str(root), "--out", str(tmp_path / "out")) == 0
    assert not any(line.startswith("convkit grade: graded 99") for line in capsys.readouterr().err.splitlines())


def test_the_longest_folder_names_are_graded_stored_and_linked(tmp_path, monkeypatch):
    """Folder names of 255 bytes (the most Linux allows; 128 characters, so under the id's
    character cap), two of them alike but for their last character: every file named for
    them (stored grade and its temporary, feedback pages, figures) used to pass 255 bytes,
    and the OSError ended the whole class run."""
    monkeypatch.setattr(class_run, "grader_version", lambda: "pinned")
    long_a, long_b = "é" * 127 + "a", "é" * 127 + "b"
    assert len(long_a.encode()) == 255
    root = make_class(tmp_path / "class", {s: {"maxpool.py": s} for s in ("ana", long_a, long_b)})
    out = tmp_path / "out"
    run = lambda: class_run.grade_class(discover.discover([root]), out, cache.Settings(), jobs=2,  # noqa: E731
                                        grade_fn=fake_grading.grade_submission, progress=False)
    first = run()
    assert sorted(first.graded) == sorted(["ana", long_a, long_b]) and not first.failed
    names = {outputs.student_file(s) for s in (long_a, long_b)}
    assert len(names) == 2 and all(len(name.encode()) <= outputs.STUDENT_FILE_BYTES for name in names)
    for name in names:
        assert (out / "feedback" / f"{name}.html").is_file() and (out / "feedback" / f"{name}.md").is_file()
        assert (out / cache.RESULTS / f"{name}.json").is_file()
    report = (out / "report.html").read_text(encoding="utf-8")
    linked = {link for link in re.findall(r'href="(feedback/[^"]+)"', report)}
    assert len(linked) == 3 and all((out / urllib.parse.unquote(link)).is_file() for link in linked)
    again = run()
    assert sorted(again.reused) == sorted(["ana", long_a, long_b]) and again.document == first.document


def test_output_folder_that_is_a_file_is_refused_before_grading(tmp_path, capsys):
    make_class(tmp_path / "class", {"ana": {"output_size.py": ""}})
    (tmp_path / "taken").write_text("not a folder")
    for out in (tmp_path / "taken", tmp_path / "taken" / "out"):
        assert run_cli(str(tmp_path / "class"), "--out", str(out)) == 1
        assert f"output folder {out} is not usable" in capsys.readouterr().err
    assert (tmp_path / "taken").read_text() == "not a folder"


def test_atomic_write_keeps_the_old_file_when_the_write_fails(tmp_path, monkeypatch):
    target = tmp_path / "grades.json"
    outputs.write_atomic(target, "old")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(outputs.os, "replace", broken_replace)
    with pytest.raises(OSError):
        outputs.write_atomic(target, "new")
    assert target.read_text() == "old" and [p.name for p in tmp_path.iterdir()] == ["grades.json"]


def test_stale_temporaries_of_a_killed_write_are_removed(tmp_path):
    (tmp_path / "feedback").mkdir()
    leftovers = [tmp_path / ".grades.json.abc.tmp", tmp_path / "feedback" / ".ana.md.x.tmp"]
    for path in leftovers:
        path.write_text("half")
    outputs.write_atomic(tmp_path / "feedback" / "ana.md", "kept")
    cache.remove_stale_temporaries(tmp_path)
    assert not any(p.exists() for p in leftovers) and (tmp_path / "feedback" / "ana.md").read_text() == "kept"


def test_a_hung_grader_is_stopped_and_reported_not_stored(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_GRADE_SLEEP", "30")  # the grading processes inherit it
    root = make_class(tmp_path / "class", {"ana": {"output_size.py": "a"}, "ben": {"maxpool.py": "b"}})
    run = class_run.grade_class(discover.discover([root]), tmp_path / "out", cache.Settings(budget_s=0.2), jobs=2,
                            grade_fn=fake_grading.grade_submission, progress=False)
    assert sorted(run.failed) == ["ana", "ben"] and not run.graded
    assert all(error.startswith("GraderHung: grading took over 0.6 s") for error in run.failed.values())
    assert not list((tmp_path / "out" / ".results").glob("*.json"))
    assert [(s["student"], s["status"].split(":")[0], s["exercises"]) for s in run.document["submissions"]] == \
        [("ana", "could not grade", {}), ("ben", "could not grade", {})]
    assert options.report(run, tmp_path / "out") == 1



def _report_data_root(src, student, **kwargs):
    return {"data": os.environ.get("CONVKIT_DATA")}


def test_data_root_option_reaches_the_grader(tmp_path, monkeypatch):
    monkeypatch.delenv("CONVKIT_DATA", raising=False)
    args = command.parser().parse_args([str(tmp_path), "--out", str(tmp_path / "out"), "--data-root", str(tmp_path / "mnist"),
                                        "--seed", "0"])
    settings = options.settings_from(args)
    assert settings.data_root == str((tmp_path / "mnist").resolve())
    monkeypatch.setenv("CONVKIT_DATA", "restored-after-the-test")
    assert class_run._grade_task(_report_data_root, tmp_path, "ana", settings)[0] == {"data": settings.data_root}


def test_cached_grades_survive_edits_outside_the_grading_engine(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    for part in (*cache.ENGINE, "authoring", "commands", "platforms"):
        (repo / "grader" / part).mkdir(parents=True)
        (repo / "grader" / part / "module.py").write_text("x = 1\n")
    (repo / "solutions").mkdir()
    (repo / "solutions" / "output_size.py").write_text("y = 1\n")
    monkeypatch.setattr(cache, "REPO", repo)
    monkeypatch.setattr(cache, "SOLUTIONS", repo / "solutions")
    before = cache.grader_version()
    for part in ("authoring", "commands", "platforms"):
        (repo / "grader" / part / "module.py").write_text("x = 2\n")
    assert cache.grader_version() == before
    for edited in [*(repo / "grader" / part / "module.py" for part in cache.ENGINE), repo / "solutions" / "output_size.py"]:
        previous = cache.grader_version()
        edited.write_text(edited.read_text() + "# changed\n")
        assert cache.grader_version() != previous, edited
