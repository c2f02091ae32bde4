"""The student stubs: in sync with the solutions, importable, and failing with a hint.

The stubs are imported in a separate interpreter whose path starts at assignments/cnn:
their module names (backward, mnist, ...) are the reference's, which this process
may already have imported.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from grader.authoring import docstrings
from grader.authoring import stubs as stubgen
from grader.course import messages
from grader.course.assignment import EXERCISES, GIVEN, LANGUAGES, STUBS, solution_path


def test_committed_stubs_are_what_the_generator_writes():
    expected = stubgen.render_stubs("en")
    on_disk = {path.name for path in STUBS.glob("*.py")}
    assert on_disk == set(expected), "assignments/cnn has extra or missing files: run ./kit stubs"
    for name, text in expected.items():
        assert (STUBS / name).read_text(encoding="utf-8") == text, f"assignments/cnn/{name} is stale: run ./kit stubs"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_stubs_render_in_every_language(lang):
    files = stubgen.render_stubs(lang)
    label = messages.text("stub_not_implemented", lang, owner="", hint="").strip(" :")
    for module in EXERCISES:
        text = files[f"{module}.py"]
        assert stubgen.BEGIN not in text and stubgen.END not in text
        assert text.count(label) == len(stubgen.regions(solution_path(module).read_text(encoding="utf-8")))
        compile(text, f"{module}.py", "exec")
    for module in GIVEN:
        assert files[f"{module}.py"] == solution_path(module).read_text(encoding="utf-8")
    # every docstring of an exercise stub is in the stub's language: the reference's, or the catalog's translation
    for module in EXERCISES:
        reference = docstrings.find(solution_path(module).read_text(encoding="utf-8"), module)
        shown = docstrings.find(files[f"{module}.py"], module)
        expected = [doc.text if lang == messages.DOCSTRING_LANGUAGE else messages.docstring(doc.key, lang)
                    for doc in reference]
        assert [doc.text for doc in shown] == expected, f"{module}.py ({lang}): docstrings not in {lang}"


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="xx"):
        stubgen.render_stubs("xx")


def test_every_solution_region_has_a_hint_in_every_language():
    for module in EXERCISES:
        found = stubgen.regions(solution_path(module).read_text(encoding="utf-8"), module)
        assert found, f"{module} has no solution region"
        for _, _, owner, hints in found:
            assert all(hints.get(lang, "").strip() for lang in LANGUAGES), f"{module}.{owner}: {hints}"


# Runs inside assignments/cnn: imports every stub and calls every solution region's owner.
CALL_EVERY_STUB = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
import torch, importlib
modules = {name: importlib.import_module(name) for name in json.loads(sys.argv[2])}
for module in modules.values():
    assert module.__file__.startswith(sys.argv[1]), module.__file__
globals().update(modules)
X, W, D = torch.randn(2, 3, 6, 6), torch.randn(4, 3, 3, 3), torch.randn(2, 4, 4, 4)
course = worked_example.course_data()
loader = [(torch.randn(2, 1, 28, 28), torch.tensor([0, 1]))]
model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 10))
calls = {
    "output_size.calculate_out": lambda: output_size.calculate_out(X),
    "loop_conv.conv2d_loop": lambda: loop_conv.conv2d_loop(X, W),
    "loop_conv.Conv1D.forward": lambda: loop_conv.Conv1D(3, 2, 1, 3, 0)(X[:, :, 0]),
    "loop_conv.Conv2D.forward": lambda: loop_conv.Conv2D(3, 2, 1, 3, 0)(X),
    "loop_conv.MaxPool1D.forward": lambda: loop_conv.MaxPool1D(2)(X[:, :, 0]),
    "im2col_conv.im2col": lambda: im2col_conv.im2col(X, 3),
    "im2col_conv.conv2d_unfold": lambda: im2col_conv.conv2d_unfold(X, W),
    "maxpool.maxpool2d_unfold": lambda: maxpool.maxpool2d_unfold(X),
    "maxpool.maxpool2d_backward": lambda: maxpool.maxpool2d_backward(D, torch.zeros(D.shape, dtype=torch.long), (2, 4, 6, 6)),
    "backward.col2im": lambda: backward.col2im(torch.randn(2, 27, 16), (6, 6), 3),
    "backward.conv2d_backward": lambda: backward.conv2d_backward(D, X, W),
    "backward.Conv2dFunction.forward": lambda: backward.Conv2dFunction.apply(X, W, None),
    "backward.Conv2dFunction.backward": lambda: backward.Conv2dFunction.backward(None, D),
    "worked_example.tiny_forward": lambda: worked_example.tiny_forward(*course),
    "worked_example.tiny_backward": lambda: worked_example.tiny_backward(*course),
    "mnist.build_cnn": lambda: mnist.build_cnn(),
    "mnist.build_cnn2d": lambda: mnist.build_cnn2d(),
    "mnist.build_cnn1d": lambda: mnist.build_cnn1d(),
    "mnist.train_epoch": lambda: mnist.train_epoch(model, loader, torch.optim.SGD(model.parameters(), 0.1), torch.nn.CrossEntropyLoss()),
    "mnist.evaluate": lambda: mnist.evaluate(model, loader),
}
outcomes = {}
for name, call in calls.items():
    try:
        call()
        outcomes[name] = ["returned", ""]
    except BaseException as error:
        outcomes[name] = [type(error).__name__, str(error)]
print(json.dumps(outcomes))
"""


# Stubs whose given checks call a student function first, so that one's hint shows.
GIVEN_CODE_CALLS = {"backward.col2im": "output_size.calculate_out", "backward.conv2d_backward": "output_size.calculate_out"}


def test_every_stub_imports_and_raises_not_implemented_with_its_hint():
    modules = list(GIVEN + EXERCISES)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    env.pop("PYTHONPATH", None)
    done = subprocess.run(
        [sys.executable, "-c", CALL_EVERY_STUB, str(STUBS), json.dumps(modules)],
        cwd=STUBS, env=env, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    outcomes = json.loads(done.stdout.strip().splitlines()[-1])
    hints = {
        f"{module}.{owner}": hints["en"]
        for module in EXERCISES
        for _, _, owner, hints in stubgen.regions(solution_path(module).read_text(encoding="utf-8"))
    }
    assert set(outcomes) == set(hints), "the call table must cover every solution region exactly"
    for name, (kind, message) in outcomes.items():
        assert kind == "NotImplementedError", f"{name}: {kind}: {message}"
        shown = GIVEN_CODE_CALLS.get(name, name)
        assert message.startswith(shown.split(".", 1)[1] + ":") and hints[shown] in message, f"{name}: {message!r}"


SOURCE = '''def f(x):
    """Doc stays."""
    y = x  # given code stays
    ### BEGIN SOLUTION
    # HINT en: add one
    # HINT es: suma uno
    return y + 1
    ### END SOLUTION


class Layer:
    def forward(self, x):
        ### BEGIN SOLUTION
        # HINT en: say "hi" \\o/
        # HINT es: saluda
        return x
        ### END SOLUTION
'''


def test_strip_solutions_keeps_given_code_and_raises_with_owner_and_hint():
    stub = stubgen.strip_solutions(SOURCE, "en")
    assert '"""Doc stays."""' in stub and "y = x  # given code stays" in stub and "y + 1" not in stub
    namespace = {}
    exec(compile(stub, "<stub>", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="^f: .*Hint: add one$"):
        namespace["f"](1)
    with pytest.raises(NotImplementedError) as error:
        namespace["Layer"]().forward(1)
    assert str(error.value).startswith("Layer.forward:") and str(error.value).endswith('say "hi" \\o/')
    assert "Pista: suma uno" in stubgen.strip_solutions(SOURCE, "es")


@pytest.mark.parametrize("source, problem", [
    ("    ### BEGIN SOLUTION\n    # HINT en: a\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n", "nested"),
    ("def f():\n    ### BEGIN SOLUTION\n    # HINT en: a\n    return 1\n", "without"),
    ("def f():\n    return 1\n    ### END SOLUTION\n", "without"),
], ids=["nested BEGIN", "missing END", "END without BEGIN"])
def test_unpaired_markers_are_refused_with_the_line(source, problem):
    with pytest.raises(stubgen.MarkerError, match=rf"^demo\.py:\d+: .*{problem}"):
        stubgen.strip_solutions(source, "en", "demo.py")


def test_a_region_without_a_hint_in_the_language_is_refused():
    source = "def f():\n    ### BEGIN SOLUTION\n    # HINT en: a\n    return 1\n    ### END SOLUTION\n"
    assert "Hint: a" in stubgen.strip_solutions(source, "en")
    with pytest.raises(stubgen.MarkerError, match="HINT es"):
        stubgen.strip_solutions(source, "es", "demo.py")
