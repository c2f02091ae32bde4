"""Red team, stop 26: printing a tensor steps off the mode stack in torch._tensor_str._str,
which the guard now answers with a context that steps nowhere. This submission swaps the
formatting's inner function for one that runs F.conv2d, then prints its input inside
conv2d_loop: the formatting's code must be checked like any other (before the pass, the
real _disable_current_modes tripped on its own _pop_mode, so printing never ran unchecked)."""
from __future__ import annotations

import importlib

import torch.nn.functional as F

_formatting = importlib.import_module("torch._tensor" + "_str")
_inner = _formatting._str_intern
_job: list = []


def _str_intern(self, *, tensor_contents=None):
    if _job and callable(_job[-1]):
        _job.append(_job.pop()())
    return _inner(self, tensor_contents=tensor_contents)


_formatting._str_intern = _str_intern


def conv2d_loop(X, weight, bias=None, stride=1, padding=0, dilation=1):
    _job[:] = [lambda: getattr(F, "conv" + "2d")(X, weight, bias, stride, padding, dilation)]
    repr(X)  # the convolution runs inside the formatting
    return _job.pop()


# unattacked: Conv1D Conv2D MaxPool1D
