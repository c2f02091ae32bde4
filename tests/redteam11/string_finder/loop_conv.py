"""Red team, stop 26 (flagged by a helper): guard.importing() trusted any code whose file
name starts with "<" between the import system and a library's code. This submission
compiles a meta-path finder and the convolution under "<string>"; inside conv2d_loop it
starts an import, and the finder runs scipy's correlate during it."""
from __future__ import annotations

import importlib
import sys

import torch

_SOURCE = '''
import numpy as np

class Finder:
    job = []

    def find_spec(self, name, path=None, target=None):
        if name == "convkit_nowhere" and self.job:
            self.job.append(work(*self.job.pop()))
        return None

def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)

def work(X, weight, bias, stride, padding, dilation):
    (sH, sW), (pH, pW), (dH, dW) = pair(stride), pair(padding), pair(dilation)
    x = np.pad(X.detach().numpy(), ((0, 0), (0, 0), (pH, pH), (pW, pW)))
    w = weight.detach().numpy()
    C_out, C_in, kH, kW = w.shape
    k = np.zeros((C_out, C_in, (kH - 1) * dH + 1, (kW - 1) * dW + 1), dtype=w.dtype)
    k[:, :, ::dH, ::dW] = w
    rows = []
    for n in range(x.shape[0]):
        maps = []
        for co in range(C_out):
            full = sum(SIGNAL.correlate(x[n, ci], k[co, ci], mode="valid") for ci in range(C_in))
            maps.append(full[::sH, ::sW] + (0 if bias is None else float(bias[co])))
        rows.append(np.stack(maps))
    return torch.tensor(np.stack(rows), dtype=X.dtype)
'''
_space = {"torch": torch, "SIGNAL": importlib.import_module("sci" + "py.signal")}
exec(compile(_SOURCE, "<string>", "exec"), _space)
_finder = _space["Finder"]()
getattr(sys, "meta" + "_path").insert(0, _finder)


def conv2d_loop(X, weight, bias=None, stride=1, padding=0, dilation=1):
    _finder.job[:] = [(X, weight, bias, stride, padding, dilation)]
    try:
        importlib.import_module("convkit_nowhere")
    except ImportError:
        pass
    return _finder.job.pop()


# unattacked: Conv1D Conv2D MaxPool1D
