"""grade_submission end to end: full marks, zero, notebooks, broken files, forbidden routines.

Test submissions are built in temporary folders from the reference source with small
text substitutions (``make_submission``), never committed as copies. The helpers here
are shared with tests/test_cheats.py.
"""
from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
import torch

from grader.course.assignment import EXERCISES, POINTS, SOLUTIONS, STUBS
from grader.grading.submission import grade_submission

torch.set_num_threads(1)

GRADED = ("output_size", "loop_conv", "im2col_conv", "maxpool", "backward", "worked_example")
# Each exercise's total, as documented in its suite's docstring.
TOTALS = {exercise: POINTS[exercise] for exercise in EXERCISES if exercise != "mnist"}


def make_submission(root: Path, name: str = "alice", edits: dict[str, list[tuple[str, str]]] | None = None,
                    drop: tuple[str, ...] = (), files: dict[str, str] | None = None,
                    source: Path = SOLUTIONS) -> Path:
    """A submission folder: ``source``'s exercise files, with ``edits`` (old -> new text, each
    old text must occur), without ``drop``, plus extra ``files`` (name -> text)."""
    folder = root / name
    folder.mkdir(parents=True)
    for exercise in GRADED:
        if exercise in drop:
            continue
        text = (source / f"{exercise}.py").read_text()
        for old, new in (edits or {}).get(exercise, []):
            assert old in text, f"{old!r} not in {exercise}.py: update the test's substitution"
            text = text.replace(old, new)
        (folder / f"{exercise}.py").write_text(text)
    for filename, text in (files or {}).items():
        (folder / filename).write_text(text)
    return folder


def grade(folder: Path, exercises=GRADED, **kwargs) -> dict:
    return grade_submission(folder, folder.name, seed=kwargs.pop("seed", 7), exercises=exercises, **kwargs)


def scores(result: dict) -> dict[str, float]:
    return {name: ex["score"] for name, ex in result["exercises"].items()}


def by_name(result: dict, exercise: str) -> dict[str, dict]:
    return {t["name"]: t for t in result["exercises"][exercise]["tests"]}


def notes(result: dict) -> list[str]:
    """Every note of a result (the submission's and each exercise's), in English."""
    found = result["notes"] + [note for ex in result["exercises"].values() for note in ex.get("notes", [])]
    return [note["en"] for note in found]


def outcomes(result: dict) -> dict[str, list[tuple]]:
    """Each exercise's tests as (name, score, status, message)."""
    return {name: [(t["name"], t["score"], t["status"], t["message"]) for t in ex["tests"]]
            for name, ex in result["exercises"].items()}


def test_reference_gets_full_mark():
    result = grade(SOLUTIONS)
    assert {n: ex["max_score"] for n, ex in result["exercises"].items()} == TOTALS
    bad = [(n, t["name"], t["message"]) for n, ex in result["exercises"].items() for t in ex["tests"]
           if t["status"] != "passed"]
    assert bad == []
    assert result["score"] == result["max_score"] == sum(TOTALS.values())
    assert notes(result) == []


def test_stubs_get_zero():
    result = grade(STUBS, lang="es")
    assert result["score"] == 0 and result["max_score"] == sum(TOTALS.values())
    for exercise in GRADED:
        for test in result["exercises"][exercise]["tests"]:
            assert test["status"] == "error" and test["score"] == 0
            assert "NotImplementedError" in test["message"] and "lanzó" in test["message"]


CEIL = {"output_size": [("(size + 2 * p - d * (k - 1) - 1) // s + 1", "-(-(size + 2 * p - d * (k - 1) - 1) // s) + 1")]}


def test_same_seed_same_grade_and_seed_changes_configurations(tmp_path):
    folder = make_submission(tmp_path, edits=CEIL)
    first = grade(folder, ("output_size",), seed=1)
    again = grade(folder, ("output_size",), seed=1)
    assert {**again, "seconds": 0} == {**first, "seconds": 0}  # all but the time it took
    assert by_name(first, "output_size")["floor_formula_2d"]["status"] == "failed"
    # The failing configuration, quoted in the message, changes with the run seed.
    other = grade(folder, ("output_size",), seed=2)
    assert by_name(other, "output_size")["floor_formula_2d"]["message"] != \
        by_name(first, "output_size")["floor_formula_2d"]["message"]


def notebook_from(source: str, *, broken_cell: bool, test_cell: bool) -> nbformat.NotebookNode:
    """A notebook holding ``source`` split at its top-level definitions, as students write them."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# Exercise"))
    nb.cells.append(nbformat.v4.new_code_cell("%matplotlib inline\nimport os"))
    chunks = source.split("\ndef ")
    nb.cells.append(nbformat.v4.new_code_cell(chunks[0]))
    for i, chunk in enumerate(chunks[1:]):
        nb.cells.append(nbformat.v4.new_code_cell("def " + chunk))
        if i == 0 and broken_cell:
            nb.cells.append(nbformat.v4.new_code_cell("undefined_name + 1"))
    if test_cell:
        cell = nbformat.v4.new_code_cell("assert False, 'autograder test cell: never run by the grader'")
        cell.metadata["nbgrader"] = {"grade": True, "solution": False, "grade_id": "t", "points": 1}
        nb.cells.append(cell)
    return nb


def test_notebook_submission_grades_like_py(tmp_path):
    py = make_submission(tmp_path, "py")
    nb_folder = tmp_path / "nb"
    nb_folder.mkdir()
    for exercise in ("output_size", "maxpool"):
        nb = notebook_from((SOLUTIONS / f"{exercise}.py").read_text(), broken_cell=exercise == "maxpool",
                           test_cell=True)
        nbformat.write(nb, nb_folder / f"{exercise}.ipynb")
    exercises = ("output_size", "maxpool")
    from_py = grade_submission(py, "alice", seed=3, exercises=exercises)
    from_nb = grade_submission(nb_folder, "alice", seed=3, exercises=exercises)
    assert outcomes(from_nb) == outcomes(from_py)
    assert from_nb["score"] == sum(TOTALS[e] for e in exercises)
    # The failing cell (after maxpool2d_unfold, before maxpool2d_backward) is reported, not fatal.
    # ... in the exercise whose notebook it is in.
    assert from_nb["notes"] == [] and len(from_nb["exercises"]["maxpool"]["notes"]) == 1
    assert "cell 5 of maxpool.ipynb raised NameError" in notes(from_nb)[0]


def test_broken_files_cost_only_their_exercise(tmp_path):
    folder = make_submission(
        tmp_path,
        edits={"loop_conv": [("class Conv1D(nn.Module):", "class Conv1D(nn.Module)")],
               "backward": [("class Conv2dFunction(", "class Conv2dFunctoin(")]},
        drop=("worked_example",),
        files={"worked_example.ipynb": '{"cells": [ this is not json'},
    )
    result = grade(folder, GRADED, lang="en")
    got = scores(result)
    assert got["output_size"] == TOTALS["output_size"]
    assert got["im2col_conv"] == TOTALS["im2col_conv"] and got["maxpool"] == TOTALS["maxpool"]
    assert got["loop_conv"] == 0 and got["worked_example"] == 0
    for test in by_name(result, "loop_conv").values():
        assert test["status"] == "error" and "SyntaxError" in test["message"] and "loop_conv.py" in test["message"]
    for test in by_name(result, "worked_example").values():
        assert "worked_example.ipynb is not a valid notebook" in test["message"]
    backward = by_name(result, "backward")
    assert backward["conv2d_function"]["status"] == "failed"
    assert "does not define Conv2dFunction" in backward["conv2d_function"]["message"]
    assert got["backward"] == TOTALS["backward"] - backward["conv2d_function"]["max_score"]


def test_missing_file_scores_zero_with_a_message(tmp_path):
    folder = make_submission(tmp_path, drop=("maxpool",))
    result = grade(folder, ("output_size", "maxpool"), lang="es")
    assert scores(result) == {"output_size": TOTALS["output_size"], "maxpool": 0}
    for test in by_name(result, "maxpool").values():
        assert test["status"] == "failed" and "no tiene maxpool.py ni maxpool.ipynb" in test["message"]


def test_forbidden_routine_found_in_source(tmp_path):
    folder = make_submission(tmp_path, edits={"im2col_conv": [
        ("import torch.nn.functional as F\n", "import torch.nn.functional as F\nfrom torch.nn.functional import unfold as u\n"),
        ("    H_out, W_out = calculate_out(X, kernel, stride, dilation, padding)\n    (kH, kW)",
         "    return u(X, kernel, dilation, padding, stride)\n    H_out, W_out = calculate_out(X, kernel, stride, dilation, padding)\n    (kH, kW)"),
    ]})
    result = grade(folder, ("im2col_conv",))
    tests = by_name(result, "im2col_conv")
    for name in ("im2col_random", "bad_input", "no_mutation"):
        assert tests[name]["status"] == "forbidden", name
        assert "F.unfold" in tests[name]["message"] and "line" in tests[name]["message"]
    for name in ("conv2d_unfold_random", "conv2d_unfold_course", "conv2d_unfold_dtype_bias"):
        assert tests[name]["status"] == "passed", name


def test_forbidden_routine_caught_at_run_time(tmp_path):
    folder = make_submission(tmp_path, edits={
        "maxpool": [("    N, C, H_in, W_in = H.shape\n",
                     # a name the source check cannot read (torch._C written plainly is "tampering")
                     "    return getattr(getattr(torch, '_' + 'C')._nn, 'max_pool2d' + '_with_indices')(H, kernel, stride)\n"
                     "    N, C, H_in, W_in = H.shape\n")],
        "backward": [("    N, C_out = dout.shape[:2]\n    X_col",
                      "    Xg, wg = X.detach().requires_grad_(), weight.detach().requires_grad_()\n"
                      "    out = conv2d_unfold(Xg, wg, None, stride, padding, dilation)\n"
                      "    dX, dW = getattr(torch.autograd, 'gr' + 'ad')(out, (Xg, wg), dout)\n"
                      "    return dX, dW, dout.sum((0, 2, 3))\n"
                      "    N, C_out = dout.shape[:2]\n    X_col")],
    })
    result = grade(folder, ("maxpool", "backward"))
    pool, back = by_name(result, "maxpool"), by_name(result, "backward")
    assert pool["unfold_random"]["status"] == "forbidden" and "F.max_pool2d" in pool["unfold_random"]["message"]
    assert pool["backward_random"]["status"] == "passed"
    assert back["conv2d_backward_random"]["status"] == "forbidden"
    assert "autograd" in back["conv2d_backward_random"]["message"]
    # Conv2dFunction.backward calls the same conv2d_backward, but autograd is allowed there.
    assert back["col2im_random"]["status"] == "passed"


def test_wrong_results_get_teaching_messages(tmp_path):
    folder = make_submission(tmp_path, edits={
        "maxpool": [("values, within = cols.max(dim=2)", "values, within = cols.flip(2).max(dim=2)\n"
                                                          "    within = kH * kW - 1 - within")],
    })
    result = grade(folder, ("maxpool",), lang="en")
    tests = by_name(result, "maxpool")
    assert tests["unfold_random"]["status"] == "passed"  # no ties in random normal data
    message = tests["unfold_ties"]["message"]
    assert tests["unfold_ties"]["status"] == "failed"
    assert message.startswith("maxpool2d_unfold: indices: first wrong element at index (")
    assert "reads input rows" in message and "expected" in message and "call: maxpool2d_unfold(tensor(" in message


def test_course_notebooks_grade_without_their_shipped_import_hook(tmp_path):
    """Students hand in notebooks only: the grader supplies notebook_import.py itself."""
    from grader.authoring import notebooks

    folder = tmp_path / "carol"
    folder.mkdir()
    for name, text in notebooks.render("en", solutions=True).items():
        if name.endswith(".ipynb") and name[:-6] in ("output_size", "im2col_conv"):
            (folder / name).write_text(text)
    assert not (folder / "notebook_import.py").exists()
    result = grade_submission(folder, "carol", seed=3, exercises=("output_size", "im2col_conv"))
    assert scores(result) == {"output_size": TOTALS["output_size"], "im2col_conv": TOTALS["im2col_conv"]}, result["notes"]


def test_a_backward_with_float32_buffers_loses_the_float64_cases_only(tmp_path):
    """torch keeps a float64 input's dtype (the contract: any configuration torch accepts):
    a max-pool backward and a tiny_backward that build their buffers in the default float32
    raise on the float64 cases (the plain pooling stratum, the scaled course data) and lose
    those tests, and only those."""
    folder = make_submission(tmp_path, "dora", edits={
        "maxpool": [("torch.zeros(N * C, H_in * W_in, dtype=dout.dtype)", "torch.zeros(N * C, H_in * W_in)")],
        "worked_example": [("torch.ones(X.shape[0], fc_weight.shape[1], dtype=X.dtype)", "torch.ones(X.shape[0], fc_weight.shape[1])")],
    })
    result = grade_submission(folder, "dora", seed=5, exercises=("maxpool", "worked_example"))
    lost = {(exercise, test["name"]) for exercise, tests in outcomes(result).items()
            for test in by_name(result, exercise).values() if test["score"] < test["max_score"]}
    assert lost == {("maxpool", "backward_random"), ("worked_example", "tiny_backward_course")}, lost
    assert "dtype" in by_name(result, "maxpool")["backward_random"]["message"]


def test_view_on_a_gradient_fails_where_autograd_hands_a_transposed_one(tmp_path):
    """.view on the gradient a backward gets is right only for row-major memory; the backward
    tests hand one gradient transposed (configs.TRANSPOSED_GRADIENT_STRATA), as autograd does
    where a transpose follows the layer, and the message says why .view failed. A forward
    function is never handed a transposed input (the contract does not say it must take one)."""
    folder = make_submission(tmp_path, "gus", edits={
        "im2col_conv": [("W_row = weight.reshape(C_out, -1)", "W_row = weight.view(C_out, -1)")],
        "maxpool": [("dout.reshape(N * C, -1))", "dout.view(N * C, -1))")],
        "backward": [("dH = dout.reshape(N, C_out, -1)", "dH = dout.view(N, C_out, -1)")],
    })
    result = grade_submission(folder, "gus", seed=4, exercises=("im2col_conv", "maxpool", "backward"))
    lost = {(exercise, test["name"]): test["message"] for exercise in result["exercises"]
            for test in by_name(result, exercise).values() if test["score"] < test["max_score"]}
    assert set(lost) == {("maxpool", "backward_random"), ("backward", "conv2d_function")}, lost
    assert all(".view needs a tensor stored in row-major order" in message for message in lost.values()), lost
    # An error names its call, as a wrong result does: here the transposed gradient.
    assert "call: maxpool2d_backward(tensor(" in lost["maxpool", "backward_random"], lost
    assert "float32 non-contiguous" in lost["maxpool", "backward_random"], lost


def test_a_forged_worker_note_neither_breaks_nor_shows_in_the_grade(tmp_path):
    forge = ("    import sys\n"
             "    notes = sys.modules['grader.runtime.worker']._NOTES\n"
             "    notes.append({'kind': 'cell_failed', 'file': 'x'})\n"
             "    notes.append({'kind': 'grader_error', 'type': 'FORGED'})\n")
    folder = make_submission(tmp_path, "eve", edits={"output_size": [
        ("    shape = tuple(X.shape) if isinstance", forge + "    shape = tuple(X.shape) if isinstance")]})
    result = grade_submission(folder, "eve", seed=1, exercises=("output_size",))
    assert scores(result) == {"output_size": TOTALS["output_size"]}
    assert not any("FORGED" in note or "cell" in note for note in notes(result)), notes(result)


def test_grading_runs_torch_on_one_thread_whatever_the_process_had(tmp_path):
    # Parallelism comes from grading processes; a thread per core in each of them made a
    # class of --jobs 2 on 2 cores three times slower (docs/scale.md).
    folder = make_submission(tmp_path, "fay")
    torch.set_num_threads(2)
    try:
        result = grade(folder, exercises=("output_size",))
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(1)
    assert scores(result) == {"output_size": TOTALS["output_size"]}


def test_pytest_settings_and_plugins_of_the_instructors_environment_do_not_change_a_grade(tmp_path, monkeypatch):
    # A pytest plugin installed next to the kit (found by its entry point, as pip installs
    # one), PYTEST_ADDOPTS and PYTEST_PLUGINS would each make every test fail here if the
    # hidden suites' run took them.
    site = tmp_path / "site"
    (site / "convkit_sabotage-1.0.dist-info").mkdir(parents=True)
    (site / "convkit_sabotage-1.0.dist-info" / "METADATA").write_text("Metadata-Version: 2.1\nName: convkit-sabotage\nVersion: 1.0\n")
    (site / "convkit_sabotage-1.0.dist-info" / "entry_points.txt").write_text("[pytest11]\nsabotage = convkit_sabotage\n")
    (site / "convkit_sabotage.py").write_text("def pytest_runtest_call(item):\n    raise AssertionError('sabotaged')\n")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("PYTEST_ADDOPTS", "-k nothing_matches_this")
    monkeypatch.setenv("PYTEST_PLUGINS", "convkit_sabotage")
    result = grade(make_submission(tmp_path), exercises=("output_size",))
    assert result["score"] == result["max_score"] == TOTALS["output_size"]
