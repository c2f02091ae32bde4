"""Red team 5: call another library from a module body, under the import system's frames.

The trace hook forgives library code whose callers reach ``<frozen importlib...>``
before any frame of a file in the submission's folder (torch imports sympy lazily).
At import this file writes a small module to ``/tmp`` (outside the submission folder)
whose body runs ``scipy.signal.correlate``; each guarded ``conv2d_loop`` executes that
module afresh with ``importlib.util`` (``spec.loader.exec_module``). scipy's frames then
have, above them, the /tmp module body and then ``<frozen importlib._bootstrap>``, so
``importing()`` says "the import system asked for it" and nothing trips; no aten
operator runs either.
"""
import importlib.util
import os
import tempfile

import numpy as np
import torch

from conv_args import conv2d_args
from output_size import calculate_out

_BODY = '''
import importlib
_signal = importlib.import_module("sci" + "py.signal")
x, w, out, stride, H_out, W_out = ARGS
for n in range(x.shape[0]):
    for co in range(w.shape[0]):
        out[n, co] = _signal.correlate(x[n], w[co], mode="valid")[0][::stride[0], ::stride[1]][:H_out, :W_out]
'''
# /tmp itself: TMPDIR is the submission folder, whose files the hook does not forgive
_path = os.path.join(tempfile.mkdtemp(dir="/tmp"), "helper_body.py")
with open(_path, "w") as f:
    f.write(_BODY)
importlib.import_module("sci" + "py.signal")  # imported now, outside any guarded call


def _run_body(args):
    spec = importlib.util.spec_from_file_location("helper_body", _path)
    module = importlib.util.module_from_spec(spec)
    module.ARGS = args
    spec.loader.exec_module(module)


def conv2d_loop(X, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding, dilation = conv2d_args("conv2d_loop", X, weight, bias, stride, padding, dilation)
    (pH, pW), (dH, dW) = padding, dilation
    C_out, C_in, kH, kW = weight.shape
    H_out, W_out = calculate_out(X, (kH, kW), stride, dilation, padding)
    x = np.pad(X.detach().numpy(), ((0, 0), (0, 0), (pH, pH), (pW, pW)))
    w = np.zeros((C_out, C_in, dH * (kH - 1) + 1, dW * (kW - 1) + 1), dtype=x.dtype)
    w[:, :, ::dH, ::dW] = weight.detach().numpy()
    out = np.empty((X.shape[0], C_out, H_out, W_out), dtype=x.dtype)
    _run_body((x, w, out, stride, H_out, W_out))
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
