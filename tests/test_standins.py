"""The stand-ins of earlier exercises (grader/runtime/standins.py): correct, invisible to
the forbidden-routine guard of every later ruled function, and installed only for the
module being imported (docs/grading.md, "--cascade and stand-ins")."""
from __future__ import annotations

import sys

import pytest
import torch
import torch.nn.functional as F

from grader.runtime import standins


def sample_calls() -> dict[str, list]:
    """(stand-in, args) for every stand-in function, on a case with stride, padding, dilation."""
    gen = torch.Generator().manual_seed(0)
    X = torch.randn(2, 3, 9, 8, generator=gen, dtype=torch.float64)
    W = torch.randn(4, 3, 2, 3, generator=gen, dtype=torch.float64)
    settings = ((2, 1), (1, 2), (1, 2))
    out = F.conv2d(X, W, None, *settings)
    values, indices = F.max_pool2d(X, (3, 2), (2, 1), return_indices=True)
    cols = F.unfold(X, (2, 3), (1, 2), (1, 2), (2, 1))
    return {
        "calculate_out": [(X, (2, 3), (2, 1), (1, 2), (1, 2)), tuple(out.shape[2:])],
        "im2col": [(X, (2, 3), (2, 1), (1, 2), (1, 2)), cols],
        "conv2d_unfold": [(X, W, None, *settings), out],
        "maxpool2d_unfold": [(X, (3, 2), (2, 1)), (values, indices)],
        "col2im": [(cols, (9, 8), (2, 3), (2, 1), (1, 2), (1, 2)), F.fold(cols, (9, 8), (2, 3), (1, 2), (1, 2), (2, 1))],
        "conv2d_backward": [(torch.ones_like(out), X, W, *settings), None],
        "maxpool2d_backward": [(torch.ones_like(values), indices, tuple(X.shape)), None],
    }


def test_standins_are_correct():
    calls = sample_calls()
    for exercise, names in standins.MODULES.items():
        for name, fn in names.items():
            if name == "Conv2dFunction":
                continue
            args, expected = calls[name]
            got = fn(*args)
            if expected is not None:
                torch.testing.assert_close(got, expected)
    # Gradients against autograd.
    (dout, X, W, *settings), _ = calls["conv2d_backward"]
    Xg, Wg = X.clone().requires_grad_(), W.clone().requires_grad_()
    F.conv2d(Xg, Wg, None, *settings).backward(dout)
    dX, dW, db = standins.conv2d_backward(dout, X, W, *settings)
    torch.testing.assert_close(dX, Xg.grad)
    torch.testing.assert_close(dW, Wg.grad)
    (dpool, indices, shape), _ = calls["maxpool2d_backward"]
    Xg = X.clone().requires_grad_()
    F.max_pool2d(Xg, (3, 2), (2, 1)).backward(dpool)
    torch.testing.assert_close(standins.maxpool2d_backward(dpool, indices, shape), Xg.grad)
    assert torch.autograd.gradcheck(lambda x, w: standins.Conv2dFunction.apply(x, w, None, *settings),
                                    (X[:1, :2, :6, :6].clone().requires_grad_(), W[:2, :2].clone().requires_grad_()))
    with pytest.raises(ValueError):
        standins.calculate_out(torch.zeros(1, 1, 4, 4), (5, 2), (3, 1))  # one tap too many, stride 3
    # A student's wrongly shaped dout is named as the contract names it, not a torch error inside the stand-in.
    with pytest.raises(ValueError, match=r"conv2d_backward: dout must have shape \(.*\), got \(.*\)"):
        standins.conv2d_backward(dout[..., :-1], X, W, *settings)


# Runs in a fresh process: the worker's guard (grader/runtime/guard.py) seals torch's
# dispatch stack and spawn points for the life of the process it is built in.
GUARDED = r"""
import ast, json, sys
sys.path.insert(0, {tests!r})
from test_standins import sample_calls
from grader.course import rules
from grader.course.assignment import solution_path
from grader.course.dependencies import uses
from grader.runtime import guard, standins


def called_by(module, function):
    # The names the reference's function (with the module's helpers it calls) refers to.
    tree = ast.parse(solution_path(module).read_text())
    defs = {{n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}}
    seen, todo, names = set(), [function], set()
    while todo:
        name = todo.pop()
        if name in seen or name not in defs:
            continue
        seen.add(name)
        found = {{n.id for n in ast.walk(defs[name]) if isinstance(n, ast.Name)}}
        names |= found
        todo += sorted(found)
    return names

run_guarded, _ = guard.build([], [])
calls, results = sample_calls(), {{}}
for (module, function), rule in rules.RULES.items():
    for exercise, names in uses(module).items():
        for name, fn in standins.MODULES.get(exercise, {{}}).items():
            if name in names and name in called_by(module, function) and name != "Conv2dFunction":
                status, detail = run_guarded(rules.guard(rule), lambda: fn(*calls[name][0]))
                results[f"later {{module}}.{{function}} <- {{exercise}}.{{name}}"] = status if status == "ok" else detail
X = calls["im2col"][0][0].float()
for name, args, ruled in (("im2col", (X, 2), ("im2col_conv", "im2col")),
                          ("conv2d_unfold", (X, calls["conv2d_unfold"][0][1].float()), ("im2col_conv", "conv2d_unfold")),
                          ("maxpool2d_unfold", (X, 2), ("maxpool", "maxpool2d_unfold")),
                          ("col2im", (calls["col2im"][0][0].float(), (9, 8), (2, 3)), ("backward", "col2im"))):
    status, detail = run_guarded(rules.guard(rules.rules_for(*ruled)), lambda: getattr(standins, name)(*args))
    results[f"own {{name}}"] = status if status == "ok" else detail
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def guarded_results() -> dict[str, str]:
    """Each stand-in run under the worker's real guard with a ruled function's rule: "ok" or the trip."""
    import json
    import subprocess
    from pathlib import Path

    tests = str(Path(__file__).resolve().parent)
    out = subprocess.run([sys.executable, "-c", GUARDED.format(tests=tests)], capture_output=True, text=True,
                         check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def test_no_standin_trips_the_guard_of_a_later_ruled_function(guarded_results):
    """A ruled student function (e.g. tiny_backward, no autograd) may call the stand-ins of
    the earlier functions the reference builds it on: none of
    them may count as the student's forbidden call. The guard stays on inside a stand-in,
    so calling one the course does not build on counts like any other call."""
    later = {k: v for k, v in guarded_results.items() if k.startswith("later ")}
    assert len(later) >= 4
    assert {k: v for k, v in later.items() if v != "ok"} == {}


def test_a_student_calling_the_standin_of_their_own_function_is_caught(guarded_results):
    """The guard stays on inside a stand-in: it is no way around a rule."""
    own = {k: v for k, v in guarded_results.items() if k.startswith("own ")}
    assert len(own) == 4 and all(v.startswith("operator:") for v in own.values()), own


def test_isolated_import_sees_standins_and_leaves_sys_modules_alone(tmp_path, monkeypatch):
    (tmp_path / "output_size.py").write_text("def calculate_out(*a, **k):\n    return 'student'\n"
                                             "def helper():\n    return 'own helper'\n")
    (tmp_path / "im2col_conv.py").write_text("from output_size import calculate_out, helper\n"
                                             "import output_size\n"
                                             "def sizes():\n    return calculate_out((1, 1, 5, 5), 2), helper()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    for name in ("output_size", "im2col_conv"):
        monkeypatch.delitem(sys.modules, name, raising=False)
    import output_size as composed_output_size

    def is_student(module):
        return str(getattr(module, "__file__", "") or "").startswith(str(tmp_path))

    isolated = standins.import_isolated("im2col_conv", ("output_size",), is_student)
    assert isolated.sizes() == ((4, 4), "own helper")
    assert sys.modules["output_size"] is composed_output_size and "im2col_conv" not in sys.modules
    import im2col_conv

    assert im2col_conv.sizes() == ("student", "own helper") and im2col_conv is not isolated
    for name in ("output_size", "im2col_conv"):
        sys.modules.pop(name, None)


def test_a_bug_is_charged_once_by_default_and_in_every_exercise_with_cascade(tmp_path):
    """The bundled rounding-up calculate_out, graded in im2col_conv: by default only the
    composition test fails; with --cascade (the course's composition) the others fail too."""
    from grader.authoring.examples import EXAMPLE_LIST
    from grader.grading.submission import grade_submission

    example = next(e for e in EXAMPLE_LIST if e.name == "ceil_output_size")
    for name, text in example.build().items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    failed = {}
    for cascade in (False, True):
        result = grade_submission(tmp_path, "eve", seed=0, exercises=("im2col_conv",), cascade=cascade)
        failed[cascade] = {t["name"] for t in result["exercises"]["im2col_conv"]["tests"] if t["status"] != "passed"}
    assert failed[False] == {"composition"}
    assert failed[True] >= {"composition", "im2col_random", "conv2d_unfold_random"}


def test_cascade_is_an_option_and_part_of_the_cache_key(tmp_path):
    import argparse

    from grader.commands.options import add_grading_options, settings_from
    from grader.grading.cache import Settings, result_key

    parser = argparse.ArgumentParser()
    add_grading_options(parser)
    assert settings_from(parser.parse_args(["--cascade", "--seed", "0"])).cascade is True
    assert settings_from(parser.parse_args(["--seed", "0"])).cascade is False
    (tmp_path / "output_size.py").write_text("x = 1\n")
    assert result_key(tmp_path, Settings(), "v") != result_key(tmp_path, Settings(cascade=True), "v")
