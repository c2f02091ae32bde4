"""Red team 8, route "the zygote's Tables, through frames": maxpool2d_unfold returns
F.max_pool2d's answer without touching the guard's state.

The warm worker's ``main(argv, tables)`` frame holds ``guard.prepare()``'s Tables.
Walking ``f_back`` from the ruled call (computed names) reaches it: ``tables.hook[0] =
None`` makes every kernel tripwire inert, and ``tables.sites`` holds torch's original
``_pop_torch_dispatch_stack``/``_push_on_torch_dispatch_stack``, which pop the guard's
mode (no seal runs) and push it back after F.max_pool2d ran with nothing watching.
Everything is put back before returning, so the integrity check sees no change.
"""
import sys

import torch
import torch.nn.functional as F

from conv_args import require_fits, require_ndim, require_positive, spatial_tuple



def _tables():
    frame = getattr(sys, "_get" + "frame")()
    while frame is not None:
        value = getattr(frame, "f_loc" + "als").get("tables")
        if value is not None and hasattr(value, "hook"):
            return value
        frame = getattr(frame, "f_ba" + "ck")
    raise RuntimeError("no tables")


_pool = getattr(F, "max_" + "pool2d")


def maxpool2d_unfold(H, kernel_size=2, stride=None):
    require_ndim(H, (4,), "H", "maxpool2d_unfold")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "maxpool2d_unfold")
    stride = kernel if stride is None else spatial_tuple(stride, 2, "stride", "maxpool2d_unfold")
    require_positive(kernel, "kernel_size", "maxpool2d_unfold")
    require_positive(stride, "stride", "maxpool2d_unfold")
    require_fits(H.shape[2:], kernel, (1, 1), (0, 0), "kernel_size", "maxpool2d_unfold")
    tables = _tables()
    original = {name: value for _, name, value in tables.sites if type(name) is str}
    check, tables.hook[0] = tables.hook[0], None
    mode = original["_pop_torch_" + "dispatch_stack"](None)
    try:
        return _pool(H, kernel, stride, return_indices=True)
    finally:
        original["_push_on_torch_" + "dispatch_stack"](mode)
        tables.hook[0] = check
    return _pool(H, kernel, stride, return_indices=True)


def maxpool2d_backward(dout, indices, input_shape):
    raise NotImplementedError
