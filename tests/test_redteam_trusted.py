"""Red team, round 2: attacks on the trusted side (tests/redteam2/), each graded by the
real grader in ONE class run together with an honest classmate.

Every check of the shared run says what the defence guarantees: the run finishes with
the documented exit code (1: one submission could not be graded), the honest classmate
gets exactly the grade it gets alone, every hostile submission has a row (graded or
"could not grade"), and the outputs stay within stated sizes. Cheap unit checks of each
bound follow.
"""
from __future__ import annotations

import importlib
import json
import multiprocessing
import os
import socket
import sys
import threading
import time
from concurrent import futures
from pathlib import Path

import pytest
import torch

from grader.commands import options
from grader.course.assignment import SOLUTIONS
from grader.grading import cache, calls, class_run, discover, forbidden
from grader.course import rules
from grader.isolation import bubblewrap, submission_files
from grader.isolation.untrusted import untrusted_name, untrusted_text
from grader.runtime import wire

REDTEAM = Path(__file__).resolve().parent / "redteam2"
sys.path.insert(0, str(REDTEAM))  # the builders import _reference; spawned grading processes inherit sys.path
ATTACKS = sorted(p.stem for p in REDTEAM.glob("*.py") if not p.stem.startswith("_") and p.stem != "sigkill")
EXERCISES = ("output_size", "maxpool")
MAX_FEEDBACK_BYTES = 1 << 20  # per student and format
MAX_GRADES_BYTES = 1 << 20  # grades.json for this class of 14
# The largest grading process of the class run: honest grading peaks near 0.55 GB; the
# issue measured 1.6-2.7 GiB on hostile replies before the wire and describe were bounded.
# A hostile reply may still fill one frame: wire.MAX_ITEMS values parsed into Python
# objects (a short string and a list each, ~160 bytes) besides the frame's text.
HOSTILE_EXTRA_RSS = wire.MAX_ITEMS * 160
MAX_GRADING_RSS = 1 << 30
KILLED = ("sigkill_always", "sigkill_once")


def _build_class(root: Path) -> dict[str, Path]:
    """The honest classmate, every attack, and two honest submissions whose grading process is killed."""
    reference = importlib.import_module("_reference")
    reference.write(root / "honest", "output_size.py", reference.source("output_size"))
    reference.write(root / "honest", "maxpool.py", reference.source("maxpool"))
    for attack in ATTACKS:
        module = importlib.import_module(attack)
        folder = Path(os.fsdecode(os.path.join(os.fsencode(root), getattr(module, "FOLDER", attack.encode()))))
        module.build(folder)
    for name in KILLED:
        importlib.import_module("sigkill").build(root / name)
    return discover.discover([root], root.parent / "out")


def _grade(submissions: dict[str, Path], out: Path, grade_fn=None) -> tuple[int, class_run.Run]:
    """What ``convkit grade ... --exercises output_size maxpool --jobs 2`` does once it has discovered."""
    run = class_run.grade_class(submissions, out, cache.Settings(exercises=EXERCISES), jobs=2,
                                grade_fn=grade_fn, progress=False)
    return options.report(run, out), run


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("redteam2") / "class"
    submissions = _build_class(root)
    sigkill = importlib.import_module("sigkill")
    code, run = _grade(submissions, root.parent / "out", grade_fn=sigkill.grade_submission)
    return code, run, root.parent / "out"


@pytest.fixture(scope="module")
def alone(tmp_path_factory):
    """The honest classmate graded alone (same student id, so the same seed)."""
    root = tmp_path_factory.mktemp("alone") / "class"
    reference = importlib.import_module("_reference")
    for module in EXERCISES:
        reference.write(root / "honest", f"{module}.py", reference.source(module))
    code, run = _grade(discover.discover([root]), root.parent / "out")
    assert code == 0 and run.graded == ["honest"]
    return run


def _rows(out: Path) -> dict[str, dict]:
    return {s["student"]: s for s in json.loads((out / "grades.json").read_text(encoding="utf-8"))["submissions"]}


def _feedback(out: Path, student: str) -> str:
    return (out / "feedback" / f"{student}.md").read_text(encoding="utf-8")


def test_the_run_finishes_with_the_documented_exit_code(hostile_run):
    code, run, out = hostile_run
    # 1: one submission could not be graded (its grading process was killed twice).
    assert code == 1 and sorted(run.failed) == ["sigkill_always"]
    assert "died 2 times" in run.failed["sigkill_always"]
    assert "sigkill_always" in run.retried and "sigkill_once" in run.retried


def test_the_honest_classmate_gets_exactly_its_grade_alone(hostile_run, alone):
    _, run, _ = hostile_run
    assert run.results["honest"]["exercises"] == alone.results["honest"]["exercises"]
    assert run.results["honest"]["score"] == run.results["honest"]["max_score"] > 0


def test_every_hostile_submission_has_a_row(hostile_run):
    _, run, out = hostile_run
    rows = _rows(out)
    expected = {"honest", *KILLED, *(untrusted_name(getattr(importlib.import_module(a), "FOLDER", a.encode()))
                                     for a in ATTACKS)}
    assert set(rows) == expected
    csv_students = {line.split(",")[0] for line in (out / "grades.csv").read_text(encoding="utf-8").splitlines()[1:]}
    assert csv_students == expected
    assert rows["sigkill_always"]["max_score"] == 0 and "could not grade" in _feedback(out, "sigkill_always")
    # Killed once, graded on the retry like the honest classmate (same code, other seed).
    assert rows["sigkill_once"]["exercises"]["output_size"]["score"] == rows["honest"]["exercises"]["output_size"]["score"]


def test_outputs_stay_small_and_valid(hostile_run):
    _, _, out = hostile_run
    assert (out / "grades.json").stat().st_size < MAX_GRADES_BYTES
    for path in (out / "feedback").iterdir():
        assert path.stat().st_size < MAX_FEEDBACK_BYTES, path.name
        text = path.read_text(encoding="utf-8")  # valid UTF-8 whatever the submission sent
        assert "\x1b" not in text and "\x00" not in text, path.name


def test_the_largest_grading_process_stays_bounded(hostile_run, alone):
    _, run, _ = hostile_run
    print(f"peak grading-process RSS: class {run.peak_rss / 2**20:.0f} MiB, honest alone {alone.peak_rss / 2**20:.0f} MiB")
    # The hostile class costs a grading process at most one full frame more than an
    # honest submission alone (measured: +124 MiB).
    assert 0 < alone.peak_rss and run.peak_rss < min(alone.peak_rss + HOSTILE_EXTRA_RSS, MAX_GRADING_RSS)


def _exercise(out: Path, student: str, exercise: str) -> dict:
    return _rows(out)[student]["exercises"][exercise]


def test_undecodable_text_is_replaced_not_fatal(hostile_run):
    _, _, out = hostile_run
    messages = [t["message"] for t in _exercise(out, "undecodable_text", "output_size")["tests"]]
    assert any("Bad\ufffd[2J\ufffd" in m and "caf\ufffd" in m for m in messages)


def test_huge_messages_are_cut(hostile_run):
    _, _, out = hostile_run
    tests = _exercise(out, "huge_messages", "output_size")["tests"]
    assert tests and all(len(t["message"]) <= 8_000 for t in tests)
    assert any("TTTT…" in t["message"] for t in tests)


def test_a_flood_of_files_keeps_the_exercise_files_and_gives_one_note(hostile_run):
    _, _, out = hostile_run
    honest = _exercise(out, "honest", "output_size")
    assert _exercise(out, "many_files", "output_size")["score"] == honest["max_score"]
    feedback = _feedback(out, "many_files")
    assert feedback.count("were not used for grading") == 1 and "29801 file(s)" in feedback  # 30,000 + output_size.py, 200 taken
    assert len(feedback) < 20_000


def test_links_and_fifos_are_never_read(hostile_run):
    _, _, out = hostile_run
    symlinks = _feedback(out, "symlinks")
    assert "root:" not in symlinks and "were not used for grading" in symlinks
    assert _exercise(out, "symlinks", "output_size")["score"] == 0  # its exercise file is a link
    fifo = _exercise(out, "fifo", "output_size")
    assert fifo["score"] == 0 and fifo["tests"]  # graded (reading its FIFO fails in the worker)
    assert "were not used for grading" in _feedback(out, "fifo")


def test_non_utf8_names_are_graded(hostile_run):
    _, _, out = hostile_run
    student = untrusted_name(importlib.import_module("non_utf8_name").FOLDER)
    assert _exercise(out, student, "output_size")["score"] == _exercise(out, "honest", "output_size")["max_score"]


def test_integers_past_64_bits_fail_only_their_tests(hostile_run):
    _, _, out = hostile_run
    tests = _exercise(out, "huge_int", "output_size")["tests"]
    assert tests and all(t["status"] != "passed" for t in tests)
    assert any("got int object" in t["message"] for t in tests)


def test_huge_return_values_are_bounded(hostile_run):
    _, _, out = hostile_run
    tests = _exercise(out, "huge_return", "output_size")["tests"]
    assert tests and all(t["status"] != "passed" and len(t["message"]) <= 8_000 for t in tests)
    assert any("more]" in t["message"] or "… " in t["message"] for t in tests)


def test_deep_nesting_marks_the_ruled_functions_unchecked(hostile_run):
    _, _, out = hostile_run
    maxpool = _exercise(out, "deep_ast", "maxpool")["tests"]
    assert any(t["status"] == "forbidden" and str(forbidden.MAX_AST_DEPTH) in t["message"] for t in maxpool)
    assert _exercise(out, "deep_ast", "output_size")["score"] == _exercise(out, "honest", "output_size")["max_score"]


def test_pid_1_shows_no_host_path(hostile_run):
    _, _, out = hostile_run
    feedback = _feedback(out, "proc_cmdline")
    assert sys.prefix not in feedback and str(Path(sys.prefix).resolve()) not in feedback
    assert "--ro-bind" not in feedback and "convkit-worker-" not in feedback
    if bubblewrap.warm_support().mode == "warm":  # PID 1 is the zygote's fork: sandbox paths only
        assert "grader.runtime.zygote" in feedback and "/opt/convkit/" in feedback
    elif bubblewrap.probe().isolated:  # the attack ran and read PID 1: bwrap, options hidden
        assert "bwrap --args" in feedback


# ------------------------------------------------------------------ unit checks of each bound

def test_untrusted_text_is_valid_bounded_and_free_of_controls():
    text = untrusted_text("a\udce9\x1b[2J\x00b" + "x" * 100, 10)
    assert len(text) == 10 and text.endswith("…") and "\x1b" not in text and "\x00" not in text
    text.encode("utf-8")
    assert untrusted_text(b"caf\xe9", 10) == "caf\ufffd"
    assert untrusted_name("caf\udce9") == "caf\ufffd"  # how os.listdir spells an undecodable byte
    assert untrusted_text(object(), 20) == "<object>" and untrusted_text(10 ** 400, 50) == "<a very large integer>"


def _frame(body: bytes):
    """``body`` sent as one frame and received by the grading side's ``wire.receive``."""
    sent, received = socket.socketpair()
    # Frames bigger than the socket buffer need a sender running beside the receiver.
    sender = threading.Thread(target=lambda: _send_quietly(sent, len(body).to_bytes(4, "big") + body), daemon=True)
    sender.start()
    try:
        return wire.receive(received, time.monotonic() + 20)
    finally:
        received.close()
        sender.join()
        sent.close()


def _send_quietly(sock: socket.socket, data: bytes) -> None:
    try:
        sock.sendall(data)
    except OSError:  # the receiver refused the frame early and closed
        pass


@pytest.mark.parametrize("body, problem", [
    (b"9223372036854775808", "64-bit"),
    (b"-9223372036854775809", "64-bit"),
    (b"1" * 5000, "64-bit"),
    (b"1e400", "not finite"),
    (b"[" + b"0," * wire.MAX_ITEMS + b"0]", "values"),
    (b'"' + b"s" * (wire.MAX_STRING_CHARS + 1) + b'"', "too long"),
    (b'{"$t": "tensor", "dtype": "float32", "shape": [' + b"1," * 1000 + b'1], "data": ""}', "bad tensor shape"),
])
def test_the_wire_refuses_values_past_its_bounds(body, problem):
    with pytest.raises(wire.WireError, match=problem):
        _frame(body)


def test_the_wire_keeps_int64_and_repairs_surrogates():
    assert _frame(b"[9223372036854775807, -9223372036854775808]") == [2 ** 63 - 1, -2 ** 63]
    assert _frame(b'"caf\\udce9"') == "caf\ufffd"
    got = wire.decode(wire.encode([10 ** 400, "s" * (wire.MAX_STRING_CHARS + 5)]))
    assert got[0] == wire.Opaque("int", "an integer of 1329 bits, beyond 64 bits")
    assert len(got[1]) == wire.MAX_STRING_CHARS


def test_describe_is_bounded():
    text = calls.describe({"k": [[list(range(10 ** 6))]] * 50, "s": "x" * 10 ** 6, "t": torch.zeros(2, 3)})
    assert len(text) <= calls.DESCRIBE_CHARS and "more" in text


@pytest.mark.parametrize("source, reason", [
    ("def f():\n    return torch" + ".nn" * 500 + "\n", "depth"),
    ("def f():\n    return " + "+".join(["1"] * 100_000) + "\n", "depth"),
    ("def f():\n    return 1\n" + "# pad\n" * (forbidden.MAX_SOURCE_BYTES // 6 + 1), "size"),
])
def test_the_static_check_refuses_what_it_cannot_check(tmp_path, source, reason):
    path = tmp_path / "maxpool.py"
    path.write_text(source)
    with pytest.raises(forbidden.Uncheckable) as caught:
        forbidden.static_check(path, "f", rules.rules_for("maxpool", "maxpool2d_unfold"))
    assert caught.value.reason == reason


def test_the_static_check_ignores_nul_bytes_links_and_fifos(tmp_path):
    routines = rules.rules_for("maxpool", "maxpool2d_unfold")
    (tmp_path / "nul.py").write_bytes(b"def f():\n    return 1\x00\n")
    os.symlink(SOLUTIONS / "maxpool.py", tmp_path / "link.py")
    os.mkfifo(tmp_path / "fifo.py")
    nb = tmp_path / "deep.ipynb"
    nb.write_text("[" * 100_000 + "]" * 100_000)
    for name in ("nul.py", "link.py", "fifo.py", "deep.ipynb"):
        assert forbidden.static_check(tmp_path / name, "f", routines) is None, name


def test_submission_files_take_exercise_files_first_and_only_regular_files(tmp_path):
    for i in range(submission_files.MAX_FILES + 50):
        (tmp_path / f"a{i:04d}.txt").write_bytes(b"x")
    (tmp_path / "output_size.py").write_text("x = 1\n")
    os.symlink("/etc/passwd", tmp_path / "maxpool.py")
    os.mkfifo(tmp_path / "pipe.txt")
    chosen = submission_files.select(tmp_path)
    assert chosen.files[0] == "output_size.py" and len(chosen.files) == submission_files.MAX_FILES
    # skipped: the link, the FIFO, and the 51 text files past the 199 slots left after output_size.py
    assert "maxpool.py" in chosen.skipped and chosen.skipped_count == 53
    assert submission_files.read_regular(tmp_path / "maxpool.py", 1 << 20) is None
    assert submission_files.read_regular(tmp_path / "pipe.txt", 1 << 20) is None


def test_the_cache_key_covers_data_files_and_follows_no_link(tmp_path):
    settings, version = cache.Settings(), "v"
    (tmp_path / "output_size.py").write_text("x = 1\n")
    (tmp_path / "weights.txt").write_text("1")
    os.fsync(os.open(tmp_path, os.O_RDONLY))
    (tmp_path.parent / "target.txt").write_text("a")
    os.symlink(tmp_path.parent / "target.txt", tmp_path / "link.txt")
    os.mkfifo(tmp_path / "pipe")
    with open(os.path.join(os.fsencode(tmp_path), b"\xff.txt"), "wb") as handle:
        handle.write(b"y")
    key = cache.result_key(tmp_path, settings, version)
    (tmp_path.parent / "target.txt").write_text("b")  # what a link points at is not the submission
    assert cache.result_key(tmp_path, settings, version) == key
    (tmp_path / "weights.txt").write_text("2")  # a data file the worker receives is
    assert cache.result_key(tmp_path, settings, version) != key


def test_a_malformed_timestamp_never_stops_recording(tmp_path, monkeypatch):
    from nbgrader.api import Gradebook

    # nbgrader migrates a new gradebook with the venv's alembic command.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}")
    from grader.platforms import gradebook

    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", course_id="c") as book:
        book.add_assignment("cnn")
        book.add_notebook("output_size", "cnn")
        book.add_grade_cell("output_size_tests", "output_size", "cnn", max_score=4, cell_type="code")
    stamps = {"ana": b"2026-12-01 10:00:00.000000 UTC", "ben": b"\xff\xfe not a time " * 50, "eve": None,
              "zoe": b"2026-13-45T99:00"}
    for student, stamp in stamps.items():
        folder = tmp_path / "submitted" / student / "cnn"
        folder.mkdir(parents=True)
        if stamp is None:
            os.mkfifo(folder / "timestamp.txt")
        else:
            (folder / "timestamp.txt").write_bytes(stamp)
    results = [{"student": s, "exercises": {"output_size": {"score": 1.0, "max_score": 2.0}}} for s in stamps]
    recorded = gradebook.record(tmp_path, "c", "cnn", results)
    assert recorded.not_recorded == {} and sorted(recorded.without_time) == ["ben", "eve", "zoe"]
    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}", course_id="c") as book:
        for student in stamps:
            assert book.find_grade("output_size_tests", "output_size", "cnn", student).auto_score == 2.0
        assert str(book.find_submission("cnn", "ana").timestamp).startswith("2026-12-01 10:00:00")


def test_a_grading_process_reports_its_own_peak_not_its_parents():
    # ru_maxrss survives execve: a grading process spawned by a large parent (a test
    # runner, a notebook server) would report the parent's size instead of its own.
    ballast = bytearray(512 << 20)
    ballast[:: 4096] = b"\1" * len(ballast[:: 4096])  # touch every page so it is resident
    with futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        child_peak = pool.submit(class_run.peak_rss_bytes).result()
    assert 0 < child_peak < 256 << 20 < len(ballast) <= class_run.peak_rss_bytes()
