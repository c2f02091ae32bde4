"""Red team 8, route "a signal handler's frame, at import": maxpool2d_unfold returns
F.max_pool2d's answer.

At import (no ruled call runs, so ``signal.signal`` is not sealed and no check looks),
a SIGUSR1 handler is set (computed name), the signal raised and the default restored:
the handler's ``frame`` argument is the module's frame, and ``f_back`` climbs to the
worker's ``handle`` frame, whose local ``run_guarded`` is the guard's closure; its
cells hold ``state``, kept in a module global. The ruled call only sets
``_STATE["active"] = False``; no handler is left set.
"""
import signal

import torch
import torch.nn.functional as F

from conv_args import require_fits, require_ndim, require_positive, spatial_tuple



def _find_state():
    frames = []
    setter = getattr(signal, "sig" + "nal")
    previous = setter(signal.SIGUSR1, lambda number, frame: frames.append(frame))
    signal.raise_signal(signal.SIGUSR1)
    setter(signal.SIGUSR1, previous)
    frame = frames[0]
    while frame is not None:
        guarded = getattr(frame, "f_loc" + "als").get("run_guarded")
        for cell in getattr(guarded, "__clo" + "sure__", None) or ():
            value = cell.cell_contents
            if type(value) is dict and "active" in value:
                return value
        frame = getattr(frame, "f_ba" + "ck")
    raise RuntimeError("no guard state")


_STATE = _find_state()


_pool = getattr(F, "max_" + "pool2d")


def maxpool2d_unfold(H, kernel_size=2, stride=None):
    require_ndim(H, (4,), "H", "maxpool2d_unfold")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "maxpool2d_unfold")
    stride = kernel if stride is None else spatial_tuple(stride, 2, "stride", "maxpool2d_unfold")
    require_positive(kernel, "kernel_size", "maxpool2d_unfold")
    require_positive(stride, "stride", "maxpool2d_unfold")
    require_fits(H.shape[2:], kernel, (1, 1), (0, 0), "kernel_size", "maxpool2d_unfold")
    _STATE["active"] = False
    return _pool(H, kernel, stride, return_indices=True)


def maxpool2d_backward(dout, indices, input_shape):
    raise NotImplementedError
