# exercise: loop_conv
"""conv2d_loop handed to scipy's N-d correlation on numpy copies of the tensors.

The contract forbids "any convolution routine"; scipy.signal.correlate is one, but it
runs no aten operator (``.numpy()`` and ``torch.from_numpy`` are not dispatched), so a
guard that watches only torch's dispatcher never sees it. The module is imported by a
name in a string, which the static check does not read, and disguised (a module's
__name__ and __file__ are the student's to change): only the run-time guard, which reads
a function's library from its code's file name, can catch it. The other classes are the
stub's, so every point is the attack's.
"""
import importlib as _importlib

import numpy as _np

_signal = _importlib.import_module("scipy.signal")
# Disguised: the module says it is torch's, the package that it lives in the submission.
_importlib.import_module("scipy.signal._signaltools").__name__ = "torch.signal"
_importlib.import_module("scipy").__file__ = __file__


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def conv2d_loop(X, weight, bias=None, stride=1, padding=0, dilation=1):
    (sh, sw), (ph, pw), (dh, dw) = _pair(stride), _pair(padding), _pair(dilation)
    x = _np.pad(X.numpy(), ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    w = weight.numpy()
    c_out, c_in, kh, kw = w.shape
    kernel = _np.zeros((c_out, c_in, dh * (kh - 1) + 1, dw * (kw - 1) + 1), dtype=w.dtype)
    kernel[:, :, ::dh, ::dw] = w
    out = _np.stack([_np.stack([_signal.correlate(x[n], kernel[o], mode="valid", method="direct")[0]
                                for o in range(c_out)]) for n in range(x.shape[0])])
    out = out[:, :, ::sh, ::sw]
    if bias is not None:
        out = out + bias.numpy()[None, :, None, None]
    return torch.from_numpy(_np.ascontiguousarray(out))


class Conv1D:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError


Conv2D = MaxPool1D = Conv1D
