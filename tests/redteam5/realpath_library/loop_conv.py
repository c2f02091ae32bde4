"""Red team 5: hide another library from the guard's trace hook through ``os.path``.

The trace hook decides a function's library from its code's file name, which student
code cannot rewrite, but it resolves that name with ``os.path.realpath`` and
``os.path.splitext``, looked up in the unwatched ``posixpath`` module at call time.
At import ``os.path.realpath`` is replaced by one that moves every site-packages path
under ``/elsewhere``, so no code is ever found in site-packages and every library is
"the standard library". ``conv2d_loop`` is then ``scipy.signal.correlate`` on numpy
copies (no aten operator runs; scipy imported by a computed name).
"""
import importlib
import os

import numpy as np
import torch

from conv_args import conv2d_args
from output_size import calculate_out

_signal = importlib.import_module("sci" + "py.signal")
_realpath = os.path.realpath


def _elsewhere(path, *args, **kwargs):
    resolved = _realpath(path, *args, **kwargs)
    return "/elsewhere" + resolved if "site-packages" in resolved else resolved


os.path.realpath = _elsewhere


def conv2d_loop(X, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding, dilation = conv2d_args("conv2d_loop", X, weight, bias, stride, padding, dilation)
    (sH, sW), (pH, pW), (dH, dW) = stride, padding, dilation
    C_out, C_in, kH, kW = weight.shape
    H_out, W_out = calculate_out(X, (kH, kW), stride, dilation, padding)
    x = np.pad(X.detach().numpy(), ((0, 0), (0, 0), (pH, pH), (pW, pW)))
    w = np.zeros((C_out, C_in, dH * (kH - 1) + 1, dW * (kW - 1) + 1), dtype=x.dtype)
    w[:, :, ::dH, ::dW] = weight.detach().numpy()
    out = np.empty((X.shape[0], C_out, H_out, W_out), dtype=x.dtype)
    for n in range(X.shape[0]):
        for co in range(C_out):
            full = _signal.correlate(x[n], w[co], mode="valid")[0]
            out[n, co] = full[::sH, ::sW][:H_out, :W_out]
    result = torch.from_numpy(out)
    if bias is not None:
        result = result + bias.view(1, -1, 1, 1)
    return result


class Conv1D(torch.nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class Conv2D(torch.nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


class MaxPool1D(torch.nn.Module):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError
