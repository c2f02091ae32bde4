"""Red team 8, route "a profile hook set at import": maxpool2d_unfold returns
F.max_pool2d's answer.

At import (no ruled call runs, so the guard's audit hook lets it be),
``sys.setprofile`` (computed name) installs a callback for one call; its ``frame``
argument climbs (``f_back``) to the worker's ``main`` frame, whose local ``check``
(the integrity check) is a closure of the guard's holding ``state``. The profile hook
is removed before the import returns. The ruled call sets ``_STATE["active"] = False``.
"""
import sys

import torch
import torch.nn.functional as F

from conv_args import require_fits, require_ndim, require_positive, spatial_tuple



def _find_state():
    frames = []
    setter = getattr(sys, "set" + "profile")
    setter(lambda frame, event, arg: frames.append(frame))
    len(())
    setter(None)
    frame = frames[0]
    while frame is not None:
        check = getattr(frame, "f_loc" + "als").get("check")
        for cell in getattr(check, "__clo" + "sure__", None) or ():
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
