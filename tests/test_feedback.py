"""Feedback, class report and the typed grade records (grader/grading/results.py, feedback.py,
report.py, publish.py, templates/), with the fake grader where grading itself does not matter.

The browser tests render the pages in headless Chromium (Debian's ``chromium``); without it
they are skipped with that reason.
"""
from __future__ import annotations

import base64
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import fake_grading
import pytest
import torch
import torch.nn.functional as F
from markdown_it import MarkdownIt
from matplotlib import image as mpimg

from grader.commands import cli
from grader.course import messages
from grader.course.assignment import REPO
from grader.grading import cache, class_run, compare, discover, feedback, publish, report
from grader.grading.compare import Checker, Mismatch
from grader.grading.results import Status, SubmissionResult, SubmissionStatus, TestResult, all_languages

HOSTILE = "```\n# Forged heading\n<script>console.error('injected')</script><img src=x onerror=alert(1)>\n````"


def mismatch(run) -> Mismatch:
    with pytest.raises(Mismatch) as caught:
        run()
    return caught.value


def pool_mismatch() -> Mismatch:
    """Max-pool indices counted inside each window instead of in the input plane."""
    X = torch.randn(1, 2, 6, 6, generator=torch.Generator().manual_seed(3))
    _, indices = F.max_pool2d(X, 2, return_indices=True)
    wrong = indices.clone()
    wrong[0, 1, 1, 2] = 0
    check = Checker("es")
    window = check.conv_window((2, 2), (2, 2), (0, 0), (1, 1), source=X, pooled=True)
    return mismatch(lambda: check.tensor(wrong, indices, "maxpool2d_unfold", "indices", window=window))


def conv_mismatch(size: int = 40) -> Mismatch:
    """A convolution whose output is off by one in the middle of a large plane."""
    X = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(1))
    W = torch.randn(4, 3, 3, 3, generator=torch.Generator().manual_seed(2))
    expected = F.conv2d(X, W, padding=1)
    got = expected.clone()
    got[1, 2, size // 2, size // 2 + 3:] += 1.0
    check = Checker("en")
    window = check.conv_window((3, 3), (1, 1), (1, 1), (1, 1), source=X)
    return mismatch(lambda: check.tensor(got, expected, "conv2d_loop", "output", window=window))


def graded(student: str = "ana", hostile: bool = False) -> SubmissionResult:
    """A graded submission with a pictured maxpool failure, a conv failure and a passed test."""
    pool, conv = pool_mismatch(), conv_mismatch()
    tests_pool = [TestResult("unfold_random", 4.0, Status.FAILED, messages=all_languages(pool.text), picture=pool.picture),
                  TestResult("backward_random", 3.0, Status.PASSED, 3.0, detail={"en": "reached 97.50 %", "es": "97,50 %"})]
    tests_conv = [TestResult("conv2d_loop_random", 5.0, Status.FAILED, messages=all_languages(conv.text), picture=conv.picture)]
    if hostile:
        tests_conv.append(TestResult("conv2d_loop_course", 1.0, Status.ERROR, messages={"en": HOSTILE, "es": HOSTILE}))
    from grader.grading.results import ExerciseResult
    return SubmissionResult(student, {"loop_conv": ExerciseResult(tests_conv, [{"en": "cell 3 raised", "es": "la celda 3"}]),
                                      "maxpool": ExerciseResult(tests_pool)}, seconds=4.2)


# ------------------------------------------------------------------ typed records

def test_records_round_trip_and_grades_json_keeps_its_schema():
    result = graded()
    record = json.loads(json.dumps(result.to_record()))
    again = SubmissionResult.from_json(record)
    assert again == result and again.to_record() == record
    entry = result.to_json("es")
    assert list(entry) == ["student", "score", "max_score", "exercises", "status"]
    test = entry["exercises"]["maxpool"]["tests"][0]
    assert list(test) == ["name", "score", "max_score", "status", "message"]
    assert test["message"].startswith("maxpool2d_unfold: índices: primer elemento incorrecto")
    assert (entry["score"], entry["max_score"], entry["status"]) == (3.0, 12.0, "graded")


def test_from_json_names_what_is_wrong():
    record = graded().to_record()
    record["exercises"]["maxpool"]["tests"][0]["status"] = "won"
    with pytest.raises(ValueError, match="'ana'.*maxpool.*unfold_random.*'won'"):
        SubmissionResult.from_json(record)
    del record["exercises"]
    with pytest.raises(ValueError, match="'ana' lacks the key 'exercises'"):
        SubmissionResult.from_json(record)


def test_a_mismatch_carries_every_language_and_a_bounded_picture():
    error = conv_mismatch(size=64)
    texts = all_languages(error.text)
    assert texts["en"].startswith("conv2d_loop: output: first wrong element at index (1, 2, 32, 35)")
    assert texts["es"].startswith("conv2d_loop: salida: primer elemento incorrecto en el índice (1, 2, 32, 35)")
    picture = error.picture
    for plane in (picture["expected"], picture["got"], picture["input"]["values"]):
        assert len(plane) <= compare.CROP and all(len(row) <= compare.CROP for row in plane)
    r0, c0 = picture["origin"]
    assert picture["wrong"][32 - r0][35 - c0] == 1 and picture["input"]["rows"] == [31, 32, 33]
    assert len(json.dumps(picture)) < 12_000


def test_max_pool_picture_marks_the_expected_and_the_chosen_position():
    picture = pool_mismatch().picture
    assert picture["positions"]["got"] == [0, 0]
    row, col = picture["positions"]["expected"]
    assert row in (2, 3) and col in (4, 5) and picture["input"]["plane"] == [0, 1]


def test_student_traces_are_translated_and_odd_lines_kept_as_text():
    trace = messages.trace(["maxpool.ipynb, cell 4, line 32, in f: return x", "<b>not a frame</b>"])
    assert trace.render("es") == "\n  maxpool.ipynb, celda 4, línea 32, en f: return x\n  <b>not a frame</b>"


# ------------------------------------------------------------------ pages

def test_feedback_puts_the_summary_first_and_failures_before_passes():
    page = feedback.feedback_html(graded(), "en")
    order = [page.index(mark) for mark in ('class="summary"', "conv2d_loop_random", "unfold_random", "<details>",
                                          "backward_random")]
    assert order == sorted(order)
    assert page.count("data:image/png;base64,") == 2 and "reached 97.50 %" in page
    assert "cell 3 raised" in page.split('id="ex-maxpool"')[0]  # the note sits in its exercise


def test_figures_are_capped_per_submission_and_per_exercise():
    pool = pool_mismatch()
    from grader.grading.results import ExerciseResult
    many = [TestResult(f"t{i}", 1.0, Status.FAILED, messages=all_languages(pool.text), picture=pool.picture) for i in range(5)]
    result = SubmissionResult("ana", {name: ExerciseResult(list(many)) for name in ("maxpool", "loop_conv", "backward")})
    slots = feedback.figure_slots(result)
    assert len(slots) == feedback.MAX_FIGURES
    assert {name for name, _ in slots} == {"maxpool", "loop_conv", "backward"}


@pytest.mark.parametrize("lang", ["en", "es"])
def test_messages_cannot_break_out_of_html_or_markdown(lang):
    result = graded(hostile=True)
    page = feedback.feedback_html(result, lang)
    assert "<script>" not in page and "&lt;script&gt;" in page
    text = feedback.feedback_markdown(result, lang)
    rendered = MarkdownIt("commonmark").render(text)  # raw HTML allowed: only our escaping protects
    assert "<script>" not in rendered and "onerror=alert" not in rendered.replace("onerror=alert(1)&gt;", "")
    assert "<h1>Forged heading</h1>" not in rendered and "# Forged heading" in rendered


def test_markdown_links_its_figures_beside_it(tmp_path):
    feedback.write_feedback(tmp_path, graded("a b"), "en")
    text = (tmp_path / "a b.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\((a%20b\.figures/[^)]+\.png)\)", text)
    assert len(links) == 2
    for link in links:
        png = tmp_path / link.replace("%20", " ")
        assert mpimg.imread(io.BytesIO(png.read_bytes()), format="png").shape[2] in (3, 4)


# ------------------------------------------------------------------ class runs

def make_class(root: Path, students: dict[str, dict[str, str]]) -> Path:
    for student, files in students.items():
        (root / student).mkdir(parents=True)
        for name, content in files.items():
            (root / student / name).write_text(content)
    return root


def grade(*argv: str) -> int:
    args = cli.build_parser("grade").parse_args(["grade", *argv, "--no-progress"])
    return args.run(args, grade_fn=fake_grading.grade_submission)


def test_every_folder_has_a_row_and_one_student_regraded_keeps_the_others(tmp_path):
    root = make_class(tmp_path / "class", {"ana": {"maxpool.py": "1"}, "ben": {"maxpool.py": "2"},
                                           "empty": {"notes.txt": "x"}})
    out = tmp_path / "out"
    assert grade(str(root), "--out", str(out), "--exercises", "maxpool", "--seed", "0") == 0
    rows = {s["student"]: s for s in json.loads((out / "grades.json").read_text())["submissions"]}
    assert {name: row["status"] for name, row in rows.items()} == {"ana": "graded", "ben": "graded",
                                                                   "empty": "no exercise files"}
    (root / "ben" / "maxpool.py").write_text("changed")
    assert grade(str(root / "ben"), "--out", str(out), "--exercises", "maxpool", "--seed", "0") == 0
    again = {s["student"]: s for s in json.loads((out / "grades.json").read_text())["submissions"]}
    assert again["ana"] == rows["ana"] and again["empty"] == rows["empty"]
    assert again["ben"]["exercises"] == fake_grading.grade_submission(root / "ben", "ben", seed=0,
                                                                      exercises=("maxpool",))["exercises"]
    assert "ana" in (out / "grades.csv").read_text() and (out / "feedback" / "ana.html").is_file()
    report_md = (out / "report.md").read_text(encoding="utf-8")
    assert "| empty | no exercise files |" in report_md


def grade_or_break(src: Path, student: str, **kwargs) -> dict:
    """The fake grader, except that it breaks on ben (a grader bug, as the engine sees it)."""
    if student == "ben":
        raise RuntimeError("the hidden suites are broken:\ncollecting test_maxpool.py: ...")
    return fake_grading.grade_submission(src, student, **kwargs)


def test_a_submission_the_grader_fails_on_gets_its_reason(tmp_path):
    root = make_class(tmp_path / "class", {"ana": {"maxpool.py": "1"}, "ben": {"maxpool.py": "2"}})
    run = class_run.grade_class(discover.discover([root]), tmp_path / "out", cache.Settings(exercises=("maxpool",)),
                                grade_fn=grade_or_break, progress=False)
    rows = {s["student"]: s["status"] for s in run.document["submissions"]}
    assert rows == {"ana": "graded", "ben": "could not grade: RuntimeError: the hidden suites are broken:"}
    assert "could not grade: RuntimeError" in (tmp_path / "out" / "report.html").read_text(encoding="utf-8")


def test_report_and_feedback_rerender_in_another_language_without_regrading(tmp_path, monkeypatch):
    out = tmp_path / "out"
    result = graded()
    cache.store_result(out, "ana", "some-key", result.to_record())
    publish.write_outputs(out, [result], ("loop_conv", "maxpool"), "en")
    assert "Feedback for ana" in (out / "feedback" / "ana.md").read_text(encoding="utf-8")
    monkeypatch.setattr(class_run, "grade_all", None)  # nothing may grade
    assert cli.main(["report", str(out), "--lang", "es"]) == 0
    text = (out / "feedback" / "ana.md").read_text(encoding="utf-8")
    assert "Retroalimentación para ana" in text and "primer elemento incorrecto" in text
    assert "Qué volver a explicar" in (out / "report.html").read_text(encoding="utf-8")
    assert cli.main(["report", str(tmp_path / "nothing")]) == 1


def test_class_report_orders_tests_by_failure_and_counts_messages():
    results = [graded("ana"), graded("ben"), SubmissionResult.not_graded("carl", SubmissionStatus.NO_FILES)]
    results[1].exercises["maxpool"].tests[0] = TestResult("unfold_random", 4.0, Status.PASSED, 4.0)
    view = report.model(results, ("loop_conv", "maxpool"), "en")
    assert [(r.test, r.passed, r.total) for r in view["rates"]] == [("conv2d_loop_random", 0, 2), ("unfold_random", 1, 2)]
    assert view["all_passed"] == 1  # backward_random
    assert view["frequent"][0].messages[0][0] == 2  # the same conv mistake, twice
    assert [row.student for row in view["problems"]] == ["carl"]
    assert view["overview"] == "2 of 3 folders graded; mean 5 / 12, median 5 / 12"


def test_a_class_of_one_gets_its_report_without_histograms(tmp_path):
    """One score is a single bar: the report keeps the table and says from how many graded
    submissions histograms are drawn; a second one brings them, and the stale ones go."""
    report.write_report(tmp_path, [graded("ana"), graded("ben")], ("loop_conv", "maxpool"), "en")
    figures = tmp_path / "report.figures"
    assert sorted(p.name for p in figures.glob("*.png")) == ["loop_conv.png", "maxpool.png", "total.png"]
    one = [graded("ana"), SubmissionResult.not_graded("carl", SubmissionStatus.NO_FILES)]
    report.write_report(tmp_path, one, ("loop_conv", "maxpool"), "fr")
    assert list(figures.glob("*.png")) == []
    note = messages.text("report_histograms_from", "fr", count=report.MIN_HISTOGRAM_GRADED)
    html, md = ((tmp_path / f"report.{ext}").read_text(encoding="utf-8") for ext in ("html", "md"))
    assert note in html and "data:image/png" not in html
    assert note in md and "report.figures/" not in md
    assert "| total | 3 | 3 | 12 |" in md  # the table itself is unchanged


def test_outputs_without_figures_never_import_matplotlib(tmp_path):
    """matplotlib (about 1 s) is imported by the first figure drawn, so a class of one
    without a pictured failure writes all its outputs without it."""
    code = ("import sys; from pathlib import Path; from grader.grading import publish; "
            "from grader.grading.results import ExerciseResult, Status, SubmissionResult, TestResult; "
            "r = SubmissionResult('ana', {'maxpool': ExerciseResult([TestResult('unfold_random', 4.0, Status.PASSED, 4.0)])}); "
            f"publish.write_outputs(Path({str(tmp_path)!r}), [r], ('maxpool',), 'en'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.stdout.strip() == "[]"
    assert (tmp_path / "grades.json").is_file() and (tmp_path / "report.html").is_file()


# ------------------------------------------------------------------ in a browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)")

PROBE = """<script>
window.addEventListener('load', () => {
  const images = [...document.images];
  document.body.dataset.images = images.length;
  document.body.dataset.broken = images.filter(i => !(i.complete && i.naturalWidth > 0)).length;
});
</script>"""


def browse(page: Path) -> tuple[str, str]:
    """The page's DOM after load (with image counts) and Chromium's console log."""
    probe = page.with_name(f"probe-{page.name}")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8")
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
                           "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, "\n".join(line for line in done.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line)


def images(dom: str) -> tuple[int, int]:
    match = re.search(r'<body[^>]*data-images="(\d+)"[^>]*data-broken="(\d+)"', dom)
    assert match, dom[:500]
    return int(match[1]), int(match[2])


def embedded_pngs(page: str) -> list[bytes]:
    return [base64.b64decode(data) for data in re.findall(r'src="data:image/png;base64,([^"]+)"', page)]


@needs_chromium
def test_feedback_page_renders_in_chromium(tmp_path):
    feedback.write_feedback(tmp_path, graded(hostile=True), "es")
    page = tmp_path / "ana.html"
    dom, console = browse(page)
    assert images(dom) == (2, 0) and not console
    assert "&lt;script&gt;console.error('injected')&lt;/script&gt;" in dom  # shown as text, never run
    for png in embedded_pngs(page.read_text(encoding="utf-8")):
        assert mpimg.imread(io.BytesIO(png), format="png").shape[0] > 100


@needs_chromium
def test_markdown_feedback_renders_as_text_in_chromium(tmp_path):
    feedback.write_feedback(tmp_path, graded(hostile=True), "en")
    html = MarkdownIt("commonmark").render((tmp_path / "ana.md").read_text(encoding="utf-8"))
    page = tmp_path / "ana-md.html"
    page.write_text(f'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>{html}</body></html>',
                    encoding="utf-8")
    dom, console = browse(page)
    assert images(dom) == (2, 0) and not console
    assert "<h1>Forged heading</h1>" not in dom and "# Forged heading" in dom


@needs_chromium
def test_class_report_renders_in_chromium(tmp_path):
    results = [graded("ana"), graded("ben", hostile=True), SubmissionResult.not_graded("carl", SubmissionStatus.NO_FILES)]
    report.write_report(tmp_path, results, ("loop_conv", "maxpool"), "en")
    page = tmp_path / "report.html"
    dom, console = browse(page)
    assert images(dom) == (3, 0) and not console  # the total and one histogram per exercise
    for png in embedded_pngs(page.read_text(encoding="utf-8")):
        assert mpimg.imread(io.BytesIO(png), format="png").shape[0] > 100
    assert "<h1>Forged heading</h1>" not in dom
