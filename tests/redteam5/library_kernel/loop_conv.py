"""Red team 5: re-register the CPU kernel of an ALLOWED aten operator (torch.library).

At import (outside any guarded call) ``torch.library.Library("aten", "IMPL")`` replaces
the CPU kernel of ``aten::fmin`` with a function of this file. This is state of
torch's C++ dispatcher, which the integrity check does not fingerprint. In the guarded
call, ``conv2d_loop`` stashes its arguments and calls ``torch.fmin`` on two tiny
tensors: the dispatch mode sees ``fmin`` (allowed) and redispatches below the Python
key to the new kernel, where the mode is popped and the Python key excluded, so
``F.conv2d`` there reaches no mode; the trace hook sees only the submission's code and
torch.
"""
import torch
import torch.nn.functional as F

from conv_args import conv2d_args

_conv = getattr(F, "con" + "v2d")
_box = []


def _fmin_kernel(a, b):
    if _box and _box[-1] is None:
        X, weight, bias, stride, padding, dilation = _box[0]
        _box[-1] = _conv(X, weight, bias, stride, padding, dilation)
    return torch.where(a <= b, a, b)


_lib = torch.library.Library("aten", "IMPL")
_lib.impl("fmin", _fmin_kernel, "CPU")


def conv2d_loop(X, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding, dilation = conv2d_args("conv2d_loop", X, weight, bias, stride, padding, dilation)
    _box[:] = [(X, weight, bias, stride, padding, dilation), None]
    torch.fmin(torch.zeros(1), torch.zeros(1))  # allowed operator; its new kernel convolves
    out = _box[-1]
    _box.clear()
    return out


class Conv1D(torch.nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class Conv2D(torch.nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class MaxPool1D(torch.nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError
