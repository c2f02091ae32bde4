"""Exercise 3 - convolution as one matrix product (im2col).

im2col copies every kernel-sized window of the input into one column of a matrix.
The convolution is then a single matrix product between the flattened kernels
``W_row`` (C_out x C_in*kH*kW) and the columns ``X_col``: ``H_col = W_row @ X_col + b``.

>>> X = torch.arange(16.).view(1, 1, 4, 4)
>>> im2col(X, kernel_size=3).shape
torch.Size([1, 9, 4])
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F

from conv_args import IntOrTuple, conv2d_args


def im2col(
    X: torch.Tensor,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> torch.Tensor:
    """Unfold every sliding window of ``X`` into a column, like ``F.unfold``.

    Args:
        X: batch x channel x height x width (or channel x height x width).
        kernel_size, stride, padding, dilation: an int or a pair (height, width).

    Returns:
        batch x (channel * kH * kW) x L, where L = H_out * W_out windows in row-major
        order and row ``c*kH*kW + i*kW + j`` holds kernel element (c, i, j).

    >>> im2col(torch.arange(9.).view(1, 1, 3, 3), kernel_size=2)
    tensor([[[0., 1., 3., 4.],
             [1., 2., 4., 5.],
             [3., 4., 6., 7.],
             [4., 5., 7., 8.]]])
    """
    raise NotImplementedError



# ---------------------------------------------------------------- red team 6: signal_inside
# A signal handler runs at the next "eval breaker" check of whatever Python frame is running.
# The long F.unfold (allowed here) runs in the guard's kernel wrapper while the mode has set
# state["inside"] = "im2col", a wrapped operator: the handler then runs right after the C++
# kernel returns to that wrapper, still "inside". It is C only (functools.partial, zip, a
# class whose __iter__ is a partial: no Python frame, so the trace hook sees nothing), and
# torch.conv2d, a C function, reaches the convolution kernels, whose tripwires let anything
# through under a wrapped operator.
import functools as _ft
import signal as _sig

_conv = getattr(torch, "con" + "v2d")  # a C builtin
_box = []


class _Trigger:
    pass


_handler = _ft.partial(zip, _Trigger())  # zip(trigger, signum, frame) calls iter(trigger) first
_BIG = torch.randn(1, 8, 256, 256)  # F.unfold of it: ~90 ms of CPU in the C++ kernel


def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding, dilation = conv2d_args("conv2d_unfold", X, weight, bias, stride, padding, dilation)
    _box.clear()
    _Trigger.__iter__ = _ft.partial(_box.extend, map(_conv, [X], [weight], [bias], [stride], [padding], [dilation]))
    previous = _sig.signal(_sig.SIGPROF, _handler)
    try:
        _sig.setitimer(_sig.ITIMER_PROF, 0.03)
        try:
            F.unfold(_BIG, 5)
        except Exception:  # the handler's TypeError ("iter() returned non-iterator") surfaces here
            pass
    finally:
        _sig.setitimer(_sig.ITIMER_PROF, 0)
        _sig.signal(_sig.SIGPROF, previous)
    return _box.pop()
