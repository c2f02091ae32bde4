"""Correct stand-ins of the earlier exercises, so a bug is charged once.

By default each exercise is graded with these in place of the student's earlier
exercises it imports: ``im2col_conv`` sees this ``calculate_out``, ``worked_example``
this ``conv2d_unfold`` and ``maxpool2d_unfold``... (``import_isolated``). They are
written here with torch (the published output-size formula, ``F.unfold``, ``F.conv2d``,
``F.max_pool2d``, ``F.fold``): no reference source or bytecode enters the worker.
``convkit grade --cascade`` and the suites' ``composition`` tests import the student's
own modules instead (see docs/grading.md, "--cascade and stand-ins").

The forbidden-routine tripwire (grader/runtime/worker.py) stays on while a stand-in runs
inside a ruled student function, so calling a stand-in is never a way around a rule:
each stand-in uses only routines that no later exercise forbids its functions
(tests/test_standins.py checks this against grader/course/rules.py). A name a stand-in
module does not define (a student's own helper) comes from the student's real module.

Runs inside the worker: imports only the standard library and torch.
"""
from __future__ import annotations

import importlib
import sys
import types
from typing import Any, Callable, Optional, Sequence, Union

import torch
import torch.nn.functional as F

IntOrTuple = Union[int, Sequence[int]]


# ---------------------------------------------------------------- output_size
def _spatial(value: IntOrTuple, dims: int, name: str) -> tuple[int, ...]:
    values = (value,) * dims if isinstance(value, int) else tuple(int(v) for v in value)
    if len(values) != dims:
        raise ValueError(f"calculate_out: {name} needs {dims} values, got {value!r}")
    return values


def calculate_out(X: Any, k_size: IntOrTuple = (3, 3), stride: IntOrTuple = 1, dilation: IntOrTuple = 1,
                  padding: IntOrTuple = 0) -> tuple[int, ...]:
    """Spatial output sizes of a convolution/pooling of X (N x C x spatial...): the
    published formula ``floor((in + 2p - d(k-1) - 1) / s + 1)``."""
    shape = tuple(X.shape) if isinstance(X, torch.Tensor) else tuple(X)
    dims = len(shape) - 2
    if dims not in (1, 2, 3):
        raise ValueError(f"calculate_out: X needs 3, 4 or 5 dims, got {len(shape)}")
    k, s, d, p = (_spatial(v, dims, n) for v, n in ((k_size, "k_size"), (stride, "stride"),
                                                      (dilation, "dilation"), (padding, "padding")))
    if min(k + s + d) < 1 or min(p) < 0:
        raise ValueError("calculate_out: kernel, stride and dilation must be positive, padding >= 0")
    out = tuple((n + 2 * p_ - d_ * (k_ - 1) - 1) // s_ + 1 for n, k_, s_, d_, p_ in zip(shape[2:], k, s, d, p))
    if min(out) < 1:
        raise ValueError(f"calculate_out: the kernel does not fit the input (output {out})")
    return out


# ---------------------------------------------------------------- im2col_conv
def im2col(X: torch.Tensor, kernel_size: IntOrTuple, stride: IntOrTuple = 1, padding: IntOrTuple = 0,
           dilation: IntOrTuple = 1) -> torch.Tensor:
    """batch x (C*kH*kW) x L columns, as ``F.unfold``."""
    return F.unfold(X, kernel_size, dilation=dilation, padding=padding, stride=stride)


def conv2d_unfold(X: torch.Tensor, weight: torch.Tensor, bias: Optional[torch.Tensor] = None,
                  stride: IntOrTuple = 1, padding: IntOrTuple = 0, dilation: IntOrTuple = 1) -> torch.Tensor:
    """batch x C_out x H_out x W_out, as ``F.conv2d``."""
    if X.dim() != 4 or weight.dim() != 4 or X.shape[1] != weight.shape[1]:
        raise ValueError("conv2d_unfold: X and weight need 4 dims and the same channel count")
    return F.conv2d(X, weight, bias, stride, padding, dilation)


# ---------------------------------------------------------------- maxpool
def maxpool2d_unfold(H: torch.Tensor, kernel_size: IntOrTuple = 2,
                     stride: Optional[IntOrTuple] = None) -> tuple[torch.Tensor, torch.Tensor]:
    """(values, flat indices in each H x W plane), as ``F.max_pool2d(..., return_indices=True)``."""
    return F.max_pool2d(H, kernel_size, stride, return_indices=True)


def maxpool2d_backward(dout: torch.Tensor, indices: torch.Tensor, input_shape: Sequence[int]) -> torch.Tensor:
    """Gradient w.r.t. the pooling input (input_shape): each window's to its argmax, summed."""
    N, C = dout.shape[:2]
    grad = torch.zeros(N, C, int(input_shape[-2]) * int(input_shape[-1]), dtype=dout.dtype)
    grad.scatter_add_(2, indices.reshape(N, C, -1), dout.reshape(N, C, -1))
    return grad.view(tuple(int(n) for n in input_shape))


# ---------------------------------------------------------------- backward
def col2im(cols: torch.Tensor, output_size: IntOrTuple, kernel_size: IntOrTuple, stride: IntOrTuple = 1,
           padding: IntOrTuple = 0, dilation: IntOrTuple = 1) -> torch.Tensor:
    """batch x C x H x W image, overlapping columns summed, as ``F.fold``."""
    return F.fold(cols, output_size, kernel_size, dilation=dilation, padding=padding, stride=stride)


def conv2d_backward(dout: torch.Tensor, X: torch.Tensor, weight: torch.Tensor, stride: IntOrTuple = 1,
                    padding: IntOrTuple = 0, dilation: IntOrTuple = 1) -> tuple[torch.Tensor, ...]:
    """(dX, dW, db) of ``conv2d(X, weight, bias)`` for the output gradient ``dout``, by unfold/fold."""
    kernel = tuple(weight.shape[2:])
    # The contract's check, so a student's wrong dout is named, not a torch error from inside the stand-in.
    expected = (X.shape[0], weight.shape[0]) + calculate_out(X, kernel, stride, dilation, padding)
    if tuple(dout.shape) != expected:
        raise ValueError(f"conv2d_backward: dout must have shape {expected}, got {tuple(dout.shape)}")
    N, C_out = dout.shape[:2]
    cols = F.unfold(X, kernel, dilation=dilation, padding=padding, stride=stride)  # N x C*kH*kW x L
    dout_cols = dout.reshape(N, C_out, -1)  # N x C_out x L
    dW = (dout_cols @ cols.transpose(1, 2)).sum(0).view_as(weight)
    dX_cols = weight.reshape(C_out, -1).t() @ dout_cols
    dX = F.fold(dX_cols, tuple(X.shape[2:]), kernel, dilation=dilation, padding=padding, stride=stride)
    return dX, dW, dout.sum((0, 2, 3))


class Conv2dFunction(torch.autograd.Function):
    """``F.conv2d`` as an autograd Function whose backward is ``conv2d_backward``."""

    @staticmethod
    def forward(ctx: Any, X: torch.Tensor, weight: torch.Tensor, bias: Optional[torch.Tensor] = None,
                stride: IntOrTuple = 1, padding: IntOrTuple = 0, dilation: IntOrTuple = 1) -> torch.Tensor:
        ctx.save_for_backward(X, weight)
        ctx.settings, ctx.has_bias = (stride, padding, dilation), bias is not None
        return F.conv2d(X, weight, bias, stride, padding, dilation)

    @staticmethod
    def backward(ctx: Any, dout: torch.Tensor) -> tuple:
        X, weight = ctx.saved_tensors
        dX, dW, db = conv2d_backward(dout, X, weight, *ctx.settings)
        return dX, dW, db if ctx.has_bias else None, None, None, None


# Each exercise that later exercises import: the names its stand-in module defines.
MODULES: dict[str, dict[str, Any]] = {
    "output_size": {"calculate_out": calculate_out},
    "im2col_conv": {"im2col": im2col, "conv2d_unfold": conv2d_unfold},
    "maxpool": {"maxpool2d_unfold": maxpool2d_unfold, "maxpool2d_backward": maxpool2d_backward},
    "backward": {"col2im": col2im, "conv2d_backward": conv2d_backward, "Conv2dFunction": Conv2dFunction},
}


def standin_module(exercise: str, real: Callable[[str], types.ModuleType]) -> types.ModuleType:
    """A module named ``exercise`` holding its stand-ins; any other public name is looked up
    in the student's real module (``real(exercise)``), so a student's own helper still imports."""
    module = types.ModuleType(exercise, f"convkit's correct stand-in of {exercise}")
    module.__dict__.update(MODULES[exercise])

    def __getattr__(name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        try:
            return getattr(real(exercise), name)
        except Exception as exc:  # noqa: BLE001 - the student's module may fail in any way
            raise AttributeError(f"module {exercise!r} has no attribute {name!r} ({type(exc).__name__})") from None

    module.__getattr__ = __getattr__
    return module


def import_isolated(name: str, standins: Sequence[str], is_student: Callable[[Any], bool]) -> types.ModuleType:
    """Import the student's module ``name`` as it is seen with ``standins`` in place of those
    exercises; ``sys.modules`` is left as it was (the composed modules stay as they are).

    Every student module (``is_student``) is set aside while importing, so whatever
    ``name`` imports is imported afresh under the stand-ins; the copies are dropped after.
    """
    def swapped(key: str, module: Any) -> bool:
        return key == name or key in standins or is_student(module)

    stash = {key: module for key, module in list(sys.modules.items()) if swapped(key, module)}
    for key in stash:
        del sys.modules[key]
    reals: dict[str, types.ModuleType] = {}
    importing = [True]

    def real(exercise: str) -> types.ModuleType:
        if not importing[0]:  # looked up at call time: the student's module as composed
            return importlib.import_module(exercise)
        if exercise not in reals:
            standin = sys.modules.pop(exercise, None)
            try:
                reals[exercise] = importlib.import_module(exercise)
            finally:
                if standin is not None:
                    sys.modules[exercise] = standin
        return reals[exercise]

    try:
        for exercise in standins:
            sys.modules[exercise] = standin_module(exercise, real)
        return importlib.import_module(name)
    finally:
        importing[0] = False
        for key in [key for key, module in list(sys.modules.items()) if swapped(key, module)]:
            del sys.modules[key]
        sys.modules.update(stash)
