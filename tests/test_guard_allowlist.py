"""The forbidden-routine allowlists (grader/course/rules.py) admit honest code and nothing
of the routines they rule out.

Every aten operator the reference solutions and the honest variants in
tests/guard_variants/ reach (recorded with a dispatch mode, as the worker's guard sees
them) must be on the function's allowlist; every forbidden routine, and its private
aliases, must reach an operator that is not.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Callable

import pytest
import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

from grader.course import rules
from grader.grading.reference import load

VARIANTS = Path(__file__).resolve().parent / "guard_variants" / "honest_variants.py"


def variants() -> Any:
    spec = importlib.util.spec_from_file_location("honest_variants", VARIANTS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Recorder(TorchDispatchMode):
    def __init__(self) -> None:
        super().__init__()
        self.ops: set[str] = set()
        self.in_backward = False

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        self.ops.add(func._schema.name.split("::")[-1])
        self.in_backward |= torch._C._current_autograd_node() is not None
        return func(*args, **(kwargs or {}))


def record(fn: Callable, *args: Any) -> Recorder:
    with Recorder() as recorder:
        out = fn(*args)
        for value in out.values() if isinstance(out, dict) else out if isinstance(out, tuple) else (out,):
            if value is not None:
                value.tolist()  # materialised under the mode, as the worker does
    return recorder


CONFIGS = [(1, 0, 1), (2, 1, 1), ((1, 2), (0, 1), (2, 1)), (3, 2, (1, 2))]


def calls() -> dict[str, list[tuple[Callable, tuple]]]:
    """Ruled function -> (implementation, args) for the reference and every honest variant."""
    v = variants()
    gen = torch.Generator().manual_seed(0)
    X, W, b = torch.randn(2, 3, 9, 8, generator=gen), torch.randn(4, 3, 3, 2, generator=gen), torch.randn(4, generator=gen)
    ref_conv, ref_pool, ref_back, ref_worked = load("im2col_conv"), load("maxpool"), load("backward"), load("worked_example")
    found: dict[str, list] = {name: [] for name in ("conv2d_loop", "im2col", "conv2d_unfold", "maxpool2d_unfold",
                                                      "col2im", "conv2d_backward", "tiny_forward", "tiny_backward",
                                                      "Conv2dFunction")}

    def conv_function(X, W, bias, *conv):
        """The reference Conv2dFunction forward and backward, as the worker's op runs them."""
        leaves = [None if t is None else t.clone().requires_grad_(True) for t in (X, W, bias)]
        (ref_back.Conv2dFunction.apply(*leaves, *conv) * 1.5).sum().backward()
        return tuple(t.grad for t in leaves if t is not None)

    for stride, padding, dilation in CONFIGS:
        conv = (stride, padding, dilation)
        for bias in (b, None):
            for fn in (load("loop_conv").conv2d_loop, v.conv_loop_plain, v.conv_loop_einsum):
                found["conv2d_loop"].append((fn, (X, W, bias, *conv)))
            for fn in (ref_conv.conv2d_unfold, v.conv_loop_einsum, v.conv_unfold_matmul):
                found["conv2d_unfold"].append((fn, (X, W, bias, *conv)))
            found["Conv2dFunction"].append((conv_function, (X, W, bias, *conv)))
        for fn in (ref_conv.im2col, v.im2col_loops, v.im2col_strided, v.im2col_gather):
            found["im2col"].append((fn, (X, (3, 2), *conv)))
        cols = F.unfold(X, (3, 2), dilation, padding, stride)
        for fn in (ref_back.col2im, v.col2im_loops, v.col2im_index_add):
            found["col2im"].append((fn, (cols, (9, 8), (3, 2), *conv)))
        dout = torch.randn(F.conv2d(X, W, None, stride, padding, dilation).shape, generator=gen)
        for fn in (ref_back.conv2d_backward, v.conv_backward_matmul):
            found["conv2d_backward"].append((fn, (dout, X, W, *conv)))
    for kernel, stride in ((2, None), ((2, 3), (1, 2)), (3, 1)):
        for fn in (ref_pool.maxpool2d_unfold, v.maxpool_views):
            found["maxpool2d_unfold"].append((fn, (X, kernel, stride)))
    found["tiny_forward"].append((ref_worked.tiny_forward, ref_worked.course_data()))
    found["tiny_backward"].append((ref_worked.tiny_backward, ref_worked.course_data()))
    return found


RULED = {function: rule for (_, function), rule in rules.RULES.items()}


@pytest.mark.parametrize("function", sorted(RULED))
def test_honest_code_reaches_only_allowed_operators(function: str) -> None:
    rule = RULED[function]
    for fn, args in calls()[function]:
        recorder = record(fn, *args)
        assert recorder.ops <= rule.allowed, (function, fn.__name__, sorted(recorder.ops - rule.allowed))
        assert rule.autograd or not recorder.in_backward, (function, fn.__name__)


FORBIDDEN_PATHS = {
    "im2col": [lambda X: F.unfold(X, 3), lambda X: torch._C._nn.im2col(X, (3, 3), (1, 1), (0, 0), (1, 1)),
               lambda X: torch.nn.Unfold(2)(X)],
    "conv2d_loop": [lambda X: F.conv2d(X, torch.ones(1, 3, 2, 2)), lambda X: F.unfold(X, 2),
                    lambda X: torch.ops.aten._slow_conv2d_forward(X, torch.ones(1, 3, 2, 2), (2, 2), None, (1, 1), (0, 0)),
                    lambda X: F.conv3d(X[:, :, None], torch.ones(1, 3, 1, 2, 2))],
    "conv2d_unfold": [lambda X: F.conv2d(X, torch.ones(1, 3, 2, 2)), lambda X: F.conv_transpose2d(X, torch.ones(3, 1, 2, 2)),
                      lambda X: torch.fft.rfft2(X)],
    "maxpool2d_unfold": [lambda X: F.max_pool2d(X, 2), lambda X: F.max_pool3d(X[:, :, None], (1, 2, 2)),
                         lambda X: F.adaptive_max_pool2d(X, 2), lambda X: torch.nn.MaxPool2d(2)(X),
                         lambda X: F.max_pool1d(X.flatten(2), 2)],
    "col2im": [lambda X: F.fold(F.unfold(X, 2), X.shape[2:], 2)],
    "Conv2dFunction": [lambda X: torch.nn.grad.conv2d_weight(X, (1, 3, 2, 2), torch.ones(2, 1, 8, 7)),
                       lambda X: torch.nn.grad.conv2d_input(X.shape, torch.ones(1, 3, 2, 2), torch.ones(2, 1, 8, 7))],
    "conv2d_backward": [lambda X: torch.ops.aten.convolution_backward(
        torch.ones(2, 1, 8, 7), X, torch.ones(1, 3, 2, 2), None, (1, 1), (0, 0), (1, 1), False, (0, 0), 1,
        (True, True, False))],
}


@pytest.mark.parametrize("function", sorted(FORBIDDEN_PATHS))
def test_every_path_to_a_forbidden_routine_reaches_a_disallowed_operator(function: str) -> None:
    X = torch.randn(2, 3, 9, 8)
    for index, path in enumerate(FORBIDDEN_PATHS[function]):
        assert record(path, X).ops - RULED[function].allowed, (function, index)


def test_an_autograd_run_is_seen_however_the_engine_is_reached() -> None:
    X = torch.randn(3, requires_grad=True)
    engine = torch.autograd.variable.Variable._execution_engine

    def direct(_: Any) -> torch.Tensor:
        y = (X * 2).sum()
        engine.run_backward((y,), (torch.ones(()),), False, False, (X,), False, False)
        return torch.zeros(1)

    for path in (lambda _: torch.autograd.grad((X * 3).sum(), X)[0], direct):
        assert record(path, None).in_backward
