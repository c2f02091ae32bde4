"""Red team 8, a route that should NOT work alone: the original ``_pop_torch_dispatch_stack``
kept in the sealed function's closure pops the guard's mode; F.max_pool2d then runs
below it, where the kernel tripwires (still armed) trip on the pooling kernel.
"""

import torch
import torch.nn.functional as F

from conv_args import require_fits, require_ndim, require_positive, spatial_tuple



_SEALED = getattr(getattr(torch, "_" + "C"), "_pop_torch_" + "dispatch_stack")
_PUSHER = getattr(getattr(torch, "_" + "C"), "_push_on_torch_" + "dispatch_stack")
_PUSH_ORIGINAL = next(c.cell_contents for c in getattr(_PUSHER, "__clo" + "sure__") if callable(c.cell_contents)
                      and getattr(c.cell_contents, "__name__", "") == "_push_on_torch_" + "dispatch_stack")


_pool = getattr(F, "max_" + "pool2d")


def maxpool2d_unfold(H, kernel_size=2, stride=None):
    require_ndim(H, (4,), "H", "maxpool2d_unfold")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "maxpool2d_unfold")
    stride = kernel if stride is None else spatial_tuple(stride, 2, "stride", "maxpool2d_unfold")
    require_positive(kernel, "kernel_size", "maxpool2d_unfold")
    require_positive(stride, "stride", "maxpool2d_unfold")
    require_fits(H.shape[2:], kernel, (1, 1), (0, 0), "kernel_size", "maxpool2d_unfold")
    _original = next(c.cell_contents for c in getattr(_SEALED, "__clo" + "sure__") if callable(c.cell_contents)
                     and getattr(c.cell_contents, "__name__", "") == "_pop_torch_" + "dispatch_stack")
    _mode = _original(None)
    try:
        return _pool(H, kernel, stride, return_indices=True)
    finally:
        _PUSH_ORIGINAL(_mode)
    return _pool(H, kernel, stride, return_indices=True)


def maxpool2d_backward(dout, indices, input_shape):
    raise NotImplementedError
