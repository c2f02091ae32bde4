"""Red team 6: conv2d_loop is scipy.signal.correlate, run from a cProfile TIMER.

cProfile's C profiler (installed with PyEval_SetProfile) calls a Python timer on every
event, and CPython suspends tracing while a profile callback runs: the guard's trace hook
(sys.settrace), which is how it spots another library's Python code, never sees scipy's
frames. No aten operator runs (numpy only), so neither the dispatch mode nor the kernel
tripwires see anything either. No name the static check reads: cProfile is the standard
library; scipy is imported by a computed name.
"""
import cProfile
import importlib

import numpy as np
import torch

from conv_args import conv2d_args
from output_size import calculate_out

_signal = importlib.import_module("sci" + "py.signal")
_clock = __import__("time").perf_counter
_job, _out = [], []


def _timer():
    if _job:
        _out.append(_correlate(*_job.pop()))
    return _clock()


def _correlate(x, w, N, C_out, H_out, W_out, sH, sW):
    out = np.empty((N, C_out, H_out, W_out), dtype=x.dtype)
    for n in range(N):
        for co in range(C_out):
            full = _signal.correlate(x[n], w[co], mode="valid")[0]
            out[n, co] = full[::sH, ::sW][:H_out, :W_out]
    return out


def conv2d_loop(X, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding, dilation = conv2d_args("conv2d_loop", X, weight, bias, stride, padding, dilation)
    (sH, sW), (pH, pW), (dH, dW) = stride, padding, dilation
    C_out, C_in, kH, kW = weight.shape
    H_out, W_out = calculate_out(X, (kH, kW), stride, dilation, padding)
    x = np.pad(X.detach().numpy(), ((0, 0), (0, 0), (pH, pH), (pW, pW)))
    w = np.zeros((C_out, C_in, dH * (kH - 1) + 1, dW * (kW - 1) + 1), dtype=x.dtype)
    w[:, :, ::dH, ::dW] = weight.detach().numpy()
    _job[:] = [(x, w, X.shape[0], C_out, H_out, W_out, sH, sW)]
    _out.clear()
    profiler = cProfile.Profile(_timer)
    profiler.enable()
    try:
        len(())  # any event: the timer runs, untraced
    finally:
        profiler.disable()
    result = torch.from_numpy(_out.pop())
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
