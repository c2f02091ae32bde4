"""Red team 8, route "trace hook's closure": maxpool2d_unfold returns F.max_pool2d's answer.

While a ruled call runs, the guard's trace hook (``watch``) is installed, so
``sys.gettrace()`` hands it to the submission. Its closure cells (read with
``getattr(f, "__clo" + "sure__")``) hold the guard's ``state`` dict. Setting
``state["active"] = False`` turns the dispatch mode into a pass-through and makes the
kernel tripwires' check return at once, so ``F.max_pool2d`` (a computed name) runs
unseen. ``state`` is a dict the integrity check never looks inside.
"""
import sys

import torch
import torch.nn.functional as F

from conv_args import require_fits, require_ndim, require_positive, spatial_tuple



def _state_in(function):
    for cell in getattr(function, "__clo" + "sure__") or ():
        value = cell.cell_contents
        if type(value) is dict and "active" in value:
            return value
    raise RuntimeError("no guard state")


_pool = getattr(F, "max_" + "pool2d")


def maxpool2d_unfold(H, kernel_size=2, stride=None):
    require_ndim(H, (4,), "H", "maxpool2d_unfold")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "maxpool2d_unfold")
    stride = kernel if stride is None else spatial_tuple(stride, 2, "stride", "maxpool2d_unfold")
    require_positive(kernel, "kernel_size", "maxpool2d_unfold")
    require_positive(stride, "stride", "maxpool2d_unfold")
    require_fits(H.shape[2:], kernel, (1, 1), (0, 0), "kernel_size", "maxpool2d_unfold")
    _state_in(sys.gettrace())["active"] = False
    return _pool(H, kernel, stride, return_indices=True)


def maxpool2d_backward(dout, indices, input_shape):
    raise NotImplementedError
