"""Build ``precomputed_answers/answers.pt``: what an attacker with the grader's source does offline.

Grades a copy of the reference under the attacker's student id and the default run seed,
recording every call the hidden suite makes to ``im2col``/``conv2d_unfold``, then stores
torch's answer to each (F.unfold, F.conv2d) under the key the submission computes.

    PYTHONPATH=. python tests/redteam4/_precompute.py FOLDER   # FOLDER's name is the student id
"""
from __future__ import annotations

import importlib.util
import inspect
import shutil
import sys
import tempfile
from pathlib import Path

import torch
import torch.nn.functional as F

from grader.course.assignment import SOLUTIONS
from grader.grading import session as session_module
from grader.grading.submission import grade_submission

HERE = Path(__file__).resolve().parent


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _signature_of(function: str) -> inspect.Signature:
    def im2col(X, kernel_size, stride=1, padding=0, dilation=1): ...
    def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1): ...
    return inspect.signature({"im2col": im2col, "conv2d_unfold": conv2d_unfold}[function])


def recorded_calls(student: str, seed: int) -> list[tuple[str, tuple, dict]]:
    """Every (function, args, kwargs) the im2col_conv suite sends to ``student``'s code."""
    calls = []
    original = session_module.StudentSession._call

    def recording(self, module, function, args, kwargs, return_inputs):
        calls.append((function, args, dict(kwargs)))
        return original(self, module, function, args, kwargs, return_inputs)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / student
        folder.mkdir()
        for name in ("output_size", "im2col_conv"):
            shutil.copy(SOLUTIONS / f"{name}.py", folder)
        session_module.StudentSession._call = recording
        try:
            grade_submission(folder, student, seed=seed, exercises=("im2col_conv",))
        finally:
            session_module.StudentSession._call = original
    return calls


def build(folder: Path, seed: int = 0) -> int:
    """Write ``folder/answers.pt`` for the student id ``folder.name``; the number of answers."""
    key = _load(HERE / "precomputed_answers" / "_key.py", "rt4_key").key
    spatial = _load(SOLUTIONS / "conv_args.py", "rt4_conv_args").spatial_tuple
    table = {}
    for function, args, kwargs in recorded_calls(folder.name, seed):
        if function not in ("im2col", "conv2d_unfold"):
            continue
        bound = _signature_of(function).bind(*args, **kwargs)
        bound.apply_defaults()
        a = bound.arguments
        try:
            settings = tuple(spatial(a[k], 2, k, function) for k in ("stride", "padding", "dilation"))
            if function == "im2col":
                kernel = spatial(a["kernel_size"], 2, "kernel_size", function)
                answer = F.unfold(a["X"], kernel, dilation=settings[2], padding=settings[1], stride=settings[0])
                table[key(function, [a["X"]], (kernel, *settings))] = answer
            else:
                answer = F.conv2d(a["X"], a["weight"], a["bias"], *settings)
                table[key(function, [a["X"], a["weight"], a["bias"]], settings)] = answer
        except (ValueError, RuntimeError, TypeError):
            continue  # a bad-input call: the submission raises ValueError itself
    torch.save(table, folder / "answers.pt")
    return len(table)


if __name__ == "__main__":
    print(build(Path(sys.argv[1]).resolve()), "answers")
