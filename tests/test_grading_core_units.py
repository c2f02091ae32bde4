"""Unit tests of the grading core's pieces that need no worker: wire, forbidden, compare."""
from __future__ import annotations

import base64
import json
import os
import re
import socket
import struct
import sys
import threading
import time
import types
from pathlib import Path

import pytest
import torch

from grader.course import rules
from grader.course.assignment import SOLUTIONS
from grader.grading import forbidden
from grader.grading.compare import Checker, Mismatch
from grader.grading.results import all_languages
from grader.runtime import guard, wire

torch.set_num_threads(1)


# ---------------------------------------------------------------- wire
def test_wire_round_trips_plain_values_and_tensors(gen):
    value = {"t": torch.randn(2, 3, generator=gen).t(), "i": torch.arange(6).view(2, 3)[:, ::2],
             "b": torch.tensor([True, False]), "pair": (1, (2.5, None)), "list": [1, "x"],
             "size": torch.Size([4, 5]), "nan": float("nan"), "empty": torch.zeros(0, 3, dtype=torch.float64)}
    sent, received = socket.socketpair()
    with sent, received:
        wire.send(sent, value)
        got = wire.receive(received, time.monotonic() + 5)
    for key in ("t", "i", "b", "empty"):
        assert type(got[key]) is torch.Tensor and got[key].dtype == value[key].dtype
        assert torch.equal(got[key], value[key])
    assert got["pair"] == (1, (2.5, None)) and got["list"] == [1, "x"] and got["size"] == (4, 5)
    assert got["nan"] != got["nan"]
    # A transposed tensor arrives transposed (a test's non-contiguous input stays one); a
    # slice, which has gaps, arrives row-major.
    assert got["t"].stride() == value["t"].stride() and not got["t"].is_contiguous()
    assert got["i"].is_contiguous()
    planes = torch.randn(2, 3, 4, 5, generator=gen).transpose(-1, -2).contiguous().transpose(-1, -2)
    assert wire.decode(wire.encode(planes)).stride() == planes.stride()


def test_the_wire_runs_only_on_what_the_guard_watches(gen):
    """A frame written and read back runs Python code of the wire and guard.WIRE_MODULES
    only, and calls no module-level C function but theirs or one the wire bound at import:
    all of them are in the worker's integrity fingerprint. Student code shares the worker's
    interpreter, so a dependency of the wire left unwatched (json's decoder and encoder
    classes were) could be replaced to drop a request's rule or rewrite a reply."""
    value = {"id": 3, "guard": {"allowed": ["add"], "autograd": False}, "module": "maxpool",
             "result": (torch.randn(2, 3, generator=gen), torch.zeros(0, dtype=torch.int64)),
             "floats": [1.5, float("inf"), -0.0], "text": "é\ud800", "none": None, "big": 1 << 70}
    allowed = {wire.__name__, *guard.WIRE_MODULES}
    bound = {id(value) for value in vars(wire).values()}
    strangers: set[str] = set()

    def profile(frame, event, arg):
        if event == "call" and frame.f_globals.get("__name__") not in allowed:
            strangers.add(f"{frame.f_globals.get('__name__')}.{frame.f_code.co_qualname}")
        owner = getattr(arg, "__self__", None)
        if event == "c_call" and isinstance(owner, types.ModuleType) and owner.__name__ not in allowed \
                and id(arg) not in bound and arg is not sys.setprofile:
            strangers.add(f"{owner.__name__}.{arg.__name__}")

    sent, received = socket.socketpair()
    with sent, received:
        sys.setprofile(profile)
        try:
            wire.send(sent, value)
            got = wire.receive(received)  # as the worker reads: no deadline
        finally:
            sys.setprofile(None)
    assert torch.equal(got["result"][0], value["result"][0]) and got["guard"] == value["guard"]
    assert not strangers, f"the wire runs code the guard does not watch: {sorted(strangers)}"


@pytest.fixture(scope="module")
def guard_check():
    """One guard's integrity check for this module's tests: a process builds one guard
    (guard.prepare() refuses to run after a build has sealed torch)."""
    return guard.build([], [], report=lambda what: None)[1]  # pytest's process goes on: the check reports


def test_the_integrity_check_sees_a_wire_dependency_replaced_but_not_a_builtin_added(guard_check):
    """Replacing a method of json's encoder, a binascii function or a builtin is tampering;
    adding a name to builtins (honest code may, and it shadows nothing) is not."""
    import binascii
    import builtins
    import json.encoder

    check = guard_check
    assert check() is None
    builtins.convkit_added = True
    try:
        assert check() is None
    finally:
        del builtins.convkit_added
    for owner, name in ((json.encoder.JSONEncoder, "encode"), (binascii, "b2a_base64"), (builtins, "len")):
        original = getattr(owner, name)
        setattr(owner, name, lambda *args, **kwargs: None)
        try:
            assert check() is not None and check().startswith("tampering:"), (owner, name)
        finally:
            setattr(owner, name, original)
        assert check() is None


def test_a_sealed_function_holds_nothing_and_cannot_be_given_other_arguments(guard_check):
    """A sealed dispatch-stack function has no closure and no globals of the guard's (the
    hook gives its original to its code only); rebinding its arguments is tampering."""
    import torch

    check = guard_check
    sealed = torch._C._pop_torch_dispatch_stack
    assert sealed.__closure__ is None and set(sealed.__globals__) == {"__builtins__"}
    bound = sealed.__kwdefaults__
    sealed.__kwdefaults__ = {**bound, "_index": 0}
    try:
        assert check() == "tampering:the grader's functions"
    finally:
        sealed.__kwdefaults__ = bound


def test_wire_strips_tensor_subclasses_and_marks_objects_opaque():
    class Liar(torch.Tensor):
        def __eq__(self, other):
            return True

    class Fake:
        __class__ = property(lambda self: torch.Tensor)

    got = wire.decode(wire.encode((torch.zeros(2).as_subclass(Liar), Fake())))
    assert type(got[0]) is torch.Tensor and torch.equal(got[0], torch.zeros(2))
    assert isinstance(got[1], wire.Opaque) and got[1].type == "Fake"


@pytest.mark.parametrize("data, problem", [
    ({"$t": "tensor", "dtype": "complex64", "shape": [1], "data": ""}, "not allowed"),
    ({"$t": "tensor", "dtype": "float32", "shape": [2], "data": base64.b64encode(b"\0" * 4).decode()}, "needs 8"),
    ({"$t": "tensor", "dtype": "float32", "shape": [-1], "data": ""}, "bad tensor shape"),
    ({"$t": "tensor", "dtype": "float32", "shape": [1 << 30], "data": ""}, "too large"),
    ({"$t": "pickle", "data": "gASVAAAAAAAAAACMBXBvc2l4"}, "unknown tagged value"),
    ({"$t": "tensor", "dtype": "float32", "shape": [1, 1], "data": base64.b64encode(b"\0" * 4).decode(),
      "order": [0, 0]}, "memory order"),
    ({"$t": "tensor", "dtype": "float32", "shape": [1], "data": base64.b64encode(b"\0" * 4).decode(),
      "order": "0"}, "memory order"),
    ({"$t": "tensor", "dtype": "float32", "shape": [1, 1], "data": base64.b64encode(b"\0" * 4).decode(),
      "order": [0, "1"]}, "memory order"),
])
def test_wire_refuses_malformed_values(data, problem):
    with pytest.raises(wire.WireError, match=problem):
        wire.decode(data)


def test_wire_refuses_oversized_and_non_json_frames():
    sent, received = socket.socketpair()
    with sent, received:
        sent.sendall(struct.pack(">I", wire.MAX_FRAME_BYTES + 1))
        with pytest.raises(wire.WireError, match="too large"):
            wire.receive(received, time.monotonic() + 5)
    sent, received = socket.socketpair()
    with sent, received:
        sent.sendall(struct.pack(">I", 3) + b"NaN")
        with pytest.raises(wire.WireError):
            wire.receive(received, time.monotonic() + 5)
    sent, received = socket.socketpair()
    with sent, received:
        sent.sendall(struct.pack(">I", 10) + b"{}")  # a frame that never completes
        with pytest.raises(TimeoutError):
            wire.receive(received, time.monotonic() + 0.2)
    body = b"[" * 200_000 + b"]" * 200_000  # deeper than json.loads can recurse
    sent, received = socket.socketpair()
    with sent, received:
        threading.Thread(target=sent.sendall, args=(struct.pack(">I", len(body)) + body,), daemon=True).start()
        with pytest.raises(wire.WireError, match="nested too deeply"):
            wire.receive(received, time.monotonic() + 5)


# ---------------------------------------------------------------- forbidden (static)
def finding(tmp_path: Path, source: str, function: str, routines) -> forbidden.Finding | None:
    path = tmp_path / "student.py"
    path.write_text(source)
    return forbidden.static_check(path, function, routines)


@pytest.mark.parametrize("source", [
    "import torch.nn.functional as F\ndef im2col(X, k):\n    return F.unfold(X, k)\n",
    "from torch.nn.functional import unfold as u\ndef im2col(X, k):\n    return u(X, k)\n",
    "import torch\ndef im2col(X, k):\n    return torch._C._nn.im2col(X, k, 1, 0, 1)\n",
    "import torch\ndef im2col(X, k):\n    return torch.nn.Unfold(k)(X)\n",
    "import torch.nn.functional as F\ncheat = F.unfold\ndef im2col(X, k):\n    return cheat(X, k)\n",
    "import torch.nn.functional as F\ndef helper(X, k):\n    return getattr(F, 'unfold')(X, k)\ndef im2col(X, k):\n    return helper(X, k)\n",
    "from torch.nn.functional import *\ndef im2col(X, k):\n    return unfold(X, k)\n",
    "import torch as t\ndef im2col(X, k):\n    return t.ops.aten.im2col(X, k, 1, 0, 1)\n",
])
def test_static_check_sees_through_aliases(tmp_path, source):
    found = finding(tmp_path, source, "im2col", rules.rules_for("im2col_conv", "im2col"))
    assert found is not None and found.routine.name == "F.unfold" and found.line >= 2


def test_static_check_allows_tensor_unfold_and_other_functions(tmp_path):
    source = ("import torch.nn.functional as F\n"
              "def im2col(X, k):\n    return X.unfold(2, k, 1).unfold(3, k, 1)\n"
              "def unused(X, k):\n    return F.unfold(X, k)\n")
    assert finding(tmp_path, source, "im2col", rules.rules_for("im2col_conv", "im2col")) is None


def test_static_check_finds_autograd(tmp_path):
    source = "import torch\ndef conv2d_backward(dout, X, w):\n    out = X * w\n    out.backward(dout)\n"
    found = finding(tmp_path, source, "conv2d_backward", rules.rules_for("backward", "conv2d_backward"))
    assert found is not None and found.routine.autograd and found.line == 4


def test_reference_solutions_use_no_forbidden_routine():
    for (module, function), routines in rules.RULES.items():
        assert forbidden.static_check(SOLUTIONS / f"{module}.py", function, routines) is None, function


def test_static_check_reads_notebook_cells(tmp_path):
    cells = [{"cell_type": "code", "metadata": {}, "source": ["%matplotlib inline\n", "import torch\n"]},
             {"cell_type": "code", "metadata": {}, "source": "def broken(:\n"},
             {"cell_type": "code", "metadata": {},
              "source": "def maxpool2d_unfold(H, k=2, stride=None):\n    return torch.max_pool2d(H, k)\n"}]
    path = tmp_path / "maxpool.ipynb"
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    found = forbidden.static_check(path, "maxpool2d_unfold", rules.rules_for("maxpool", "maxpool2d_unfold"))
    assert found is not None and found.routine.name == "F.max_pool2d"


def test_static_check_parses_changed_code_again(tmp_path):
    """Parsed trees are kept per content: the same file rewritten (same path, even the same
    size) is checked as it is now, in both directions."""
    rule = rules.rules_for("im2col_conv", "im2col")
    honest = "import torch.nn.functional as F\ndef im2col(X, k):\n    return X.unfold(2, k, 1)\n"
    cheat = "import torch.nn.functional as F\ndef im2col(X, k):\n    return F.unfold(X,    k)\n"
    assert len(honest) == len(cheat)
    assert finding(tmp_path, honest, "im2col", rule) is None
    assert finding(tmp_path, cheat, "im2col", rule) is not None
    assert finding(tmp_path, honest, "im2col", rule) is None
    assert forbidden.tampering(tmp_path / "student.py") is None
    (tmp_path / "student.py").write_text(honest + "import sys\nsys.modules\n")
    assert forbidden.tampering(tmp_path / "student.py") is not None


# ---------------------------------------------------------------- compare
def test_value_mismatch_names_index_window_values_and_stage():
    check = Checker("en")
    expected = torch.arange(24.).view(1, 2, 3, 4)
    actual = expected.clone()
    actual[0, 1, 2, 1] = -5.0
    with pytest.raises(Mismatch) as error:
        check.tensor(actual, expected, "conv2d_loop", "output", call="conv2d_loop(...)",
                     window=check.conv_window((3, 3), (2, 1), (1, 0), (1, 2)))
    message = str(error.value)
    assert message.startswith("conv2d_loop: output: first wrong element at index (0, 1, 2, 1)")
    assert "reads input rows 3..5 and columns 1, 3" in message and "counting the zero padding" in message
    assert "expected 21, got -5 (1 of 24 elements differ)" in message and "call: conv2d_loop(...)" in message


def test_values_equal_to_six_digits_are_shown_with_the_digits_that_differ_in_every_language():
    # E.g. a float64 result computed through float32 somewhere: wrong at 3e-7, equal to 6 digits.
    expected = torch.tensor([0.5, 0.21801812345678], dtype=torch.float64)
    actual = expected * (1 + 3e-7)
    actual[0] = 0.5
    assert f"{expected[1].item():.6g}" == f"{actual[1].item():.6g}"
    with pytest.raises(Mismatch) as error:
        Checker("en").tensor(actual, expected, "conv2d_loop", "output")
    number = r"(-?[0-9.]+(?:e[-+][0-9]+)?)"
    shown = re.compile(rf"(?:expected|se esperaba|attendu) {number}.*?(?:got|se obtuvo|obtenu) {number}")
    for lang, text in all_languages(error.value.text).items():
        expected_text, actual_text = shown.search(text).groups()
        assert expected_text != actual_text, (lang, text)
        assert float(expected_text) == pytest.approx(expected[1].item(), rel=1e-6), (lang, text)
        assert float(actual_text) == pytest.approx(actual[1].item(), rel=1e-6), (lang, text)
        assert len(expected_text) < 12, (lang, text)  # only the digits it takes, not all 17


def test_shape_dtype_and_type_mismatches_in_spanish():
    check = Checker("es")
    expected = torch.zeros(2, 3)
    with pytest.raises(Mismatch, match=r"maxpool2d_unfold: índices: se esperaba la forma \(2, 3\), se obtuvo la forma \(3, 2\)"):
        check.tensor(torch.zeros(3, 2), expected, "maxpool2d_unfold", "indices")
    with pytest.raises(Mismatch, match="se esperaba el dtype torch.float32, se obtuvo torch.float64"):
        check.tensor(torch.zeros(2, 3, dtype=torch.float64), expected, "im2col", "columns")
    with pytest.raises(Mismatch, match="se esperaba un tensor, se obtuvo Liar object"):
        check.tensor(wire.Opaque("Liar", ""), expected, "col2im", "image")
    check.tensor(expected + 1e-6, expected, "col2im", "image")  # within float32 tolerance


def test_worker_folders_of_dead_grading_processes_are_removed(tmp_path):
    import subprocess

    from grader.isolation.launch import FOLDER_PREFIX, remove_orphaned_folders

    dead = subprocess.Popen(["true"])
    dead.wait()
    orphan = tmp_path / f"{FOLDER_PREFIX}{dead.pid}-abc"
    (orphan / "work").mkdir(parents=True)
    (orphan / "work" / "answer.py").write_text("x = 1")
    (orphan / "work").chmod(0o500)  # a student may leave read-only folders behind
    mine = tmp_path / f"{FOLDER_PREFIX}{os.getpid()}-def"
    mine.mkdir()
    assert remove_orphaned_folders(tmp_path) == [orphan]
    assert not orphan.exists() and mine.exists()


@pytest.mark.parametrize("raw", [
    {"kind": "cell_failed", "file": "a.ipynb", "cell": 3},  # fields missing: the message would not format
    {"kind": "grader_error", "type": "X"},  # another message smuggled in
    {"kind": "cell_failed", "file": "a.ipynb", "cell": "3", "type": "E", "message": "m"},
    {"kind": "cell_failed", "file": "a.ipynb", "cell": 3, "type": "E", "message": "m", "extra": 1},
    ["cell_failed"],
])
def test_forged_worker_notes_are_dropped(raw):
    from grader.grading.session import cell_failed_note

    assert cell_failed_note(raw) is None


def test_a_cell_note_is_rebuilt_and_trimmed():
    from grader.grading.session import cell_failed_note

    note = cell_failed_note({"kind": "cell_failed", "file": "m.ipynb", "cell": 2, "type": "NameError", "message": "x" * 900})
    assert note == {"kind": "cell_failed", "file": "m.ipynb", "cell": 2, "type": "NameError", "message": "x" * 499 + "…"}


def test_a_grader_error_is_logged_cleaned_and_charged_to_the_grader(caplog):
    # The suites run without pytest's log capture, so this record reaches the grading
    # process's stderr: an error quoting a student's value must not drive the terminal.
    from grader.grading.results import Status
    from grader.grading.submission import GradingPlugin

    plugin = GradingPlugin(context=None)
    try:
        raise ValueError("got \x1b[2J\x1b]0;pwned\x07 from the student")
    except ValueError as exc:
        status, texts = plugin._outcome(exc, "test_maxpool.py::test_\x1b[31mx")
    assert status is Status.ERROR and "ValueError" in texts["en"]
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "Traceback" in logged and "ValueError: got" in logged and "test_maxpool.py::test_" in logged
    assert "\x1b" not in logged and "\x07" not in logged
    assert plugin.problems and "\x1b" not in plugin.problems[0]
