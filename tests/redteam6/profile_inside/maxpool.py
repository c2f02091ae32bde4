"""Red team 6: maxpool2d_unfold pools with F.max_pool2d from a PROFILE callback.

A profile function runs with tracing suspended (CPython increments tstate->tracing around
every trace/profile callback), so the guard's trace hook never sees its frames. Its c_call
event for the entry point the dispatch mode calls for the allowed, wrapped operator
``unfold`` fires after the mode set state["inside"] = "unfold" and while the mode is popped
off the stack: the pooling kernel's tripwire then lets it through (inside is a wrapped op).
"""
import sys

import torch
import torch.nn.functional as F

from conv_args import require_fits, require_ndim, require_positive, spatial_tuple

_set_profile = getattr(sys, "set" + "profile")
_pool = getattr(F, "max_" + "pool2d")
_UNFOLD_ENTRY = getattr(torch, "o" + "ps").aten.unfold.default._op  # what the guard's mode calls
_job, _out = [], []


def _on_event(frame, event, arg):
    if event == "c_call" and arg is _UNFOLD_ENTRY and _job:
        H, kernel, stride = _job.pop()
        _out.append(_pool(H, kernel, stride, return_indices=True))


def maxpool2d_unfold(H, kernel_size=2, stride=None):
    require_ndim(H, (4,), "H", "maxpool2d_unfold")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "maxpool2d_unfold")
    stride = kernel if stride is None else spatial_tuple(stride, 2, "stride", "maxpool2d_unfold")
    require_positive(kernel, "kernel_size", "maxpool2d_unfold")
    require_positive(stride, "stride", "maxpool2d_unfold")
    require_fits(H.shape[2:], kernel, (1, 1), (0, 0), "kernel_size", "maxpool2d_unfold")
    _job[:] = [(H, kernel, stride)]
    _out.clear()
    _set_profile(_on_event)
    try:
        torch.zeros(2).unfold(0, 1, 1)  # the mode lets unfold through; its c_call pools
    finally:
        _set_profile(None)
    values, indices = _out.pop()
    return values, indices


def maxpool2d_backward(dout, indices, input_shape):
    raise NotImplementedError
