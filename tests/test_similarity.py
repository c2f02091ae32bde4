"""convkit similarity on a synthetic class: copies rank above independent work, given code never counts.

The class: three independent styles of output_size and maxpool (the reference's, plain
loops, as_strided), written into the stubs or the released notebooks as students would;
copies of them with renamed variables, reordered functions, changed comments and
whitespace, a notebook copy of a .py submission, a one-exercise copy, and untouched stubs.
"""
from __future__ import annotations

import ast
import csv
import itertools
import json
import re
from pathlib import Path

import io

import numpy as np
import pytest
from copydetect import CodeFingerprint, compare_files

from grader.commands import cli
from grader.course.assignment import NOTEBOOKS, STUBS, solution_path
from grader.grading.discover import discover
from grader.similarity import THRESHOLD
from grader.similarity import detect
from grader.similarity.code import given_code, reference_code
from grader.similarity.detect import REFERENCE, compare_class
from grader.similarity.report import html_text

BODIES = Path(__file__).with_name("similarity_class")
FUNCTIONS = {"output_size": ("calculate_out",), "maxpool": ("maxpool2d_unfold", "maxpool2d_backward")}
EXERCISES = tuple(FUNCTIONS)


def body(style: str, function: str) -> str:
    return (BODIES / f"{style}_{function}.txt").read_text(encoding="utf-8")


def indented(text: str, indent: str) -> str:
    return "\n".join(indent + line if line else line for line in text.splitlines())


def fill_stub(exercise: str, style: str) -> str:
    """The stub of ``exercise`` with every function body written in ``style``."""
    text = (STUBS / f"{exercise}.py").read_text(encoding="utf-8")
    for function in FUNCTIONS[exercise]:
        pattern = re.compile(rf"( *)# YOUR CODE HERE\n\s*raise NotImplementedError\(\"{function}:[^\n]*\n")
        text, count = pattern.subn(lambda m: indented(body(style, function), m.group(1)) + "\n", text)
        assert count == 1, function
    return text


def fill_notebook(exercise: str, style: str) -> str:
    """The released English notebook of ``exercise`` with the bodies written in ``style``."""
    book = json.loads((NOTEBOOKS / "en" / "cnn" / f"{exercise}.ipynb").read_text(encoding="utf-8"))
    for function in FUNCTIONS[exercise]:
        (cell,) = [c for c in book["cells"] if c["cell_type"] == "code" and f"def {function}(" in "".join(c["source"])]
        source = "".join(cell["source"]).replace("    # YOUR CODE HERE\n    raise NotImplementedError()",
                                                 indented(body(style, function), "    "))
        cell["source"] = source.splitlines(keepends=True)
    return json.dumps(book, indent=1)


def reference_as_student(exercise: str) -> str:
    """The reference without nbgrader's markers and hints, as a student who has it would hand it in."""
    lines = solution_path(exercise).read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(line for line in lines if not re.search(r"(BEGIN|END) SOLUTION|# HINT", line))


def renamed(text: str) -> str:
    for old, new in {"answer": "out", "length": "free", "window": "patch", "best": "top", "where": "pos",
                     "grad": "g", "base": "offset", "pick": "choose"}.items():
        text = re.sub(rf"\b{old}\b", new, text)
    return text


def recommented(text: str) -> str:
    """Comments dropped, a comment and blank lines added before every function body line."""
    lines = [re.sub(r"\s+#.*$", "", line) for line in text.splitlines() if not line.lstrip().startswith("#")]
    return "\n".join(line + "\n" if line.startswith("def ") else line for line in lines) + "\n# my work\n"


def reordered(text: str) -> str:
    """The module's top-level functions in reverse order."""
    tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    start = functions[0].lineno - 1
    pieces = ["".join(lines[n.lineno - 1:n.end_lineno]) + "\n\n" for n in functions]
    return "".join(lines[:start]) + "".join(reversed(pieces))


def write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory) -> tuple[list, dict]:
    root = tmp_path_factory.mktemp("class")
    loops = {"output_size.py": fill_stub("output_size", "loops"), "maxpool.py": fill_stub("maxpool", "loops")}
    strided = {"output_size.py": fill_stub("output_size", "strided"), "maxpool.py": fill_stub("maxpool", "strided")}
    stubs = {f"{e}.py": (STUBS / f"{e}.py").read_text(encoding="utf-8") for e in EXERCISES}
    students = {
        "ana": {f"{e}.py": reference_as_student(e) for e in EXERCISES},
        "ben": loops,
        "cai": {"output_size.ipynb": fill_notebook("output_size", "strided"),
                "maxpool.ipynb": fill_notebook("maxpool", "strided")},
        "dan": {name: recommented(renamed(text)) for name, text in loops.items()},
        "eva": {name: reordered(recommented(text)) for name, text in strided.items()},
        "fay": {"output_size.py": stubs["output_size.py"], "maxpool.py": recommented(reference_as_student("maxpool"))},
        "gil": stubs,
        "hal": {"output_size.ipynb": (NOTEBOOKS / "es" / "cnn" / "output_size.ipynb").read_text(encoding="utf-8"),
                "maxpool.py": stubs["maxpool.py"]},
    }
    for student, files in students.items():
        write(root / student, files)
    reference = reference_code(solution_path("maxpool").parent)
    return compare_class(discover([root]), EXERCISES, reference=reference, jobs=2)


# Who copied whom, exercise by exercise (the reference counts as a submission).
COPIED = {
    ("output_size", "ben", "dan"), ("maxpool", "ben", "dan"),
    ("output_size", "cai", "eva"), ("maxpool", "cai", "eva"),
    ("maxpool", "ana", "fay"), ("output_size", REFERENCE, "ana"), ("maxpool", REFERENCE, "ana"),
    ("maxpool", REFERENCE, "fay"),
}


def key(pair) -> tuple[str, str, str]:
    return (pair.exercise, *sorted((pair.a, pair.b)))


def test_every_copied_pair_ranks_above_every_independent_pair(graded_class) -> None:
    pairs, _ = graded_class
    copied = {tuple([e, *sorted((a, b))]) for e, a, b in COPIED}
    found = {key(p): p.similarity for p in pairs}
    assert copied <= set(found), sorted(copied - set(found))
    lowest_copy = min(found[k] for k in copied)
    independent = {k: s for k, s in found.items() if k not in copied}
    highest_other = max(independent.values(), default=0.0)
    assert lowest_copy >= THRESHOLD > highest_other, (lowest_copy, max(independent, key=independent.get))


def test_untouched_stubs_and_given_code_make_no_pair(graded_class) -> None:
    pairs, _ = graded_class
    given = {"gil", "hal"}
    assert not [p for p in pairs if {p.a, p.b} & given and p.similarity >= THRESHOLD]
    assert not [p for p in pairs if {p.a, p.b} == given]
    # fay left output_size untouched: it pairs with nobody on it.
    assert not [p for p in pairs if "fay" in (p.a, p.b) and p.exercise == "output_size" and p.similarity >= THRESHOLD]


def test_the_report_escapes_code_and_marks_matches(tmp_path, graded_class) -> None:
    pairs, codes = graded_class
    codes = {e: dict(c) for e, c in codes.items()}
    codes["maxpool"]["ben"] = "</pre><script>alert(1)</script>\n" + codes["maxpool"]["ben"]
    html = html_text(pairs, codes)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<mark>" in html


def test_the_command_writes_a_sorted_csv_and_html(tmp_path, graded_class) -> None:
    root = tmp_path / "class"
    write(root / "ben", {"maxpool.py": fill_stub("maxpool", "loops")})
    write(root / "dan", {"maxpool.py": recommented(renamed(fill_stub("maxpool", "loops")))})
    write(root / "gil", {"maxpool.py": (STUBS / "maxpool.py").read_text(encoding="utf-8")})
    assert cli.main(["similarity", str(root), "--out", str(tmp_path / "out"), "--exercises", "maxpool"]) == 0
    rows = list(csv.DictReader((tmp_path / "out" / "similarity.csv").open(encoding="utf-8")))
    assert [(r["a"], r["b"]) for r in rows][:1] == [("ben", "dan")]
    assert [float(r["similarity"]) for r in rows] == sorted((float(r["similarity"]) for r in rows), reverse=True)
    assert "ben" in (tmp_path / "out" / "similarity.html").read_text(encoding="utf-8")


def copydetect_print(code: str, boilerplate: np.ndarray) -> CodeFingerprint:
    """copydetect's own fingerprint of ``code``, tokenized by copydetect in this process."""
    return CodeFingerprint("code.py", detect.NOISE, detect.WINDOW, boilerplate, language="python",
                           fp=io.StringIO(code))


def test_the_fast_path_gives_copydetects_own_pairwise_numbers(graded_class) -> None:
    """compare_class (pooled tokenizing, hash index, numpy coverage) against copydetect's
    CodeFingerprint and compare_files on every pair, boilerplate left out the same way."""
    pairs, codes = graded_class
    fast = {(p.exercise, p.a, p.b): p for p in pairs}
    checked = 0
    for exercise, by_student in codes.items():
        given = set().union(*(copydetect_print(code, np.array([])).hashes for code in given_code(exercise)))
        boilerplate = np.array(sorted(given), dtype=np.int64)
        found = {name: copydetect_print(code, boilerplate) for name, code in by_student.items()}
        for a, b in itertools.combinations(sorted(found), 2):
            tokens, (a_in_b, b_in_a), (slices_a, slices_b) = compare_files(found[a], found[b])
            pair = fast.pop((exercise, a, b), None)
            if not tokens:
                assert pair is None, (exercise, a, b)
                continue
            assert pair is not None, (exercise, a, b)
            assert (pair.tokens, pair.a_in_b, pair.b_in_a) == pytest.approx((tokens, a_in_b, b_in_a)), (exercise, a, b)
            assert pair.slices_a == tuple(map(tuple, np.asarray(slices_a).T.tolist())), (exercise, a, b)
            assert pair.slices_b == tuple(map(tuple, np.asarray(slices_b).T.tolist())), (exercise, a, b)
            checked += 1
    assert not fast and checked > 20, (sorted(fast), checked)


def test_a_long_code_compared_in_blocks_counts_the_same(graded_class, monkeypatch) -> None:
    """Blocks of rows (bounding memory for a very long submission) carry the last match across."""
    _, codes = graded_class
    tokens = detect.tokenize_all(list(codes["maxpool"].values()), jobs=1)
    found = [p for code in codes["maxpool"].values() if (p := detect.prints(tokens.get(code), np.array([])))]
    whole = detect.matched_tokens(found)
    monkeypatch.setattr(detect, "ROWS", 7)
    assert (detect.matched_tokens(found) == whole).all() and whole.sum() > 0


def test_grade_with_similarity_lists_the_pairs_in_the_class_report(tmp_path) -> None:
    import fake_grading
    from grader.commands import grade as command

    root = tmp_path / "class"
    write(root / "ben", {"maxpool.py": fill_stub("maxpool", "loops")})
    write(root / "dan", {"maxpool.py": recommented(renamed(fill_stub("maxpool", "loops")))})
    out = tmp_path / "out"
    args = command.parser().parse_args([str(root), "--out", str(out), "--similarity", "--no-progress",
                                        "--exercises", "maxpool"])
    assert command.run(args, grade_fn=fake_grading.grade_submission) == 0
    report = (out / "report.html").read_text(encoding="utf-8")
    assert 'href="similarity.html"' in report and "ben" in report and "dan" in report
    assert "similarity.html" in (out / "report.md").read_text(encoding="utf-8")
