# exercise: im2col_conv
"""Fork at call time with a reference to os.fork taken at import; the child computes
F.unfold and sends the bytes back through a pipe."""
import os as _os
import pickle as _pickle

import torch.nn.functional as _F

# Computed names: the source check cannot read them, the run-time guard must catch them.
_unfold, _conv2d = getattr(_F, "un" + "fold"), getattr(_F, "con" + "v2d")

_fork, _pipe, _read, _write, _exit = _os.fork, _os.pipe, _os.read, _os.write, _os._exit


def _elsewhere(fn, *args):
    r, w = _pipe()
    if _fork() == 0:
        _write(w, _pickle.dumps(fn(*args)))
        _exit(0)
    _os.close(w)
    data = b""
    while chunk := _read(r, 1 << 20):
        data += chunk
    return _pickle.loads(data)


def im2col(X, kernel_size, stride=1, padding=0, dilation=1):
    return _elsewhere(_unfold, X, kernel_size, dilation, padding, stride)


def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1):
    return _elsewhere(_conv2d, X, weight, bias, stride, padding, dilation)
