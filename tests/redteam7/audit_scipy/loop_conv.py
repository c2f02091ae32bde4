"""Red team 7: conv2d_loop is scipy.signal.correlate, run from the submission's OWN audit hook.

CPython runs audit hooks with tracing suspended (unless the hook has __cantrace__), so the
guard's trace hook never sees scipy's frames; numpy runs no aten operator. The hook is
added at import (sys.addaudithook is on no list) and fired with sys.audit in the ruled call.
"""
import importlib
import sys

import numpy as np
import torch

from conv_args import conv2d_args
from output_size import calculate_out

_signal = importlib.import_module("sci" + "py.signal")
_job, _out = [], []


def _hook(event, args):
    if event == "rt7.work" and _job:
        _out.append(_correlate(*_job.pop()))


sys.addaudithook(_hook)


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
    sys.audit("rt7.work")  # the hook runs scipy, untraced
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
