"""Red team 8, a route that should NOT work: ``gc.set_debug(gc.DEBUG_SAVEALL)`` and a
collection at import put every unreachable object in ``gc.garbage``; the guard's state
is reachable (closures held by the worker's frames), so it is not among them.
"""
import gc

import torch
import torch.nn.functional as F

from conv_args import require_fits, require_ndim, require_positive, spatial_tuple



gc.set_debug(gc.DEBUG_SAVEALL)
gc.collect()
_STATE = next((o for o in gc.garbage if type(o) is dict and "active" in o and "hits" in o), None)
gc.set_debug(0)
if _STATE is None:
    raise RuntimeError(f"not in gc.garbage ({len(gc.garbage)} objects)")


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
