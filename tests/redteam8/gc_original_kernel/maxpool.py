"""Red team 8, route "the original kernel kept by a tripwire's closure": maxpool2d_unfold
returns the CPU max-pooling kernel's answer, and nothing of the guard is changed.

``guard.prepare()`` wraps every pooling/convolution CPU kernel in a Python ``kernel``
closure that keeps the ``original`` kernel. ``gc.get_objects()`` (computed name) finds
the wrapper whose ``name`` cell is ``max_pool2d_with_indices``; calling
``original.call_boxed`` runs the C++ kernel directly: the dispatcher, the dispatch mode
and the tripwire are all skipped. ``state`` is never touched.
"""
import gc
import types

import torch
import torch.nn.functional as F

from conv_args import require_fits, require_ndim, require_positive, spatial_tuple



def _find_kernel():
    for o in getattr(gc, "get_" + "objects")():
        if type(o) is types.FunctionType and o.__name__ == "kernel" and getattr(o, "__clo" + "sure__"):
            cells = dict(zip(getattr(o, "__co" + "de__").co_freevars,
                             (c.cell_contents for c in getattr(o, "__clo" + "sure__"))))
            if cells.get("name") == "max_pool2d_with_indices" and hasattr(cells.get("original"), "call_boxed"):
                return cells["original"]
    raise RuntimeError("no kernel")


_KERNEL = _find_kernel()
_CPU = getattr(torch, "_" + "C").DispatchKeySet(getattr(torch, "_" + "C").DispatchKey.CPU)


_pool = getattr(F, "max_" + "pool2d")


def maxpool2d_unfold(H, kernel_size=2, stride=None):
    require_ndim(H, (4,), "H", "maxpool2d_unfold")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "maxpool2d_unfold")
    stride = kernel if stride is None else spatial_tuple(stride, 2, "stride", "maxpool2d_unfold")
    require_positive(kernel, "kernel_size", "maxpool2d_unfold")
    require_positive(stride, "stride", "maxpool2d_unfold")
    require_fits(H.shape[2:], kernel, (1, 1), (0, 0), "kernel_size", "maxpool2d_unfold")
    values, indices = _KERNEL.call_boxed(_CPU, H, list(kernel), list(stride), [0, 0], [1, 1], False)
    return values, indices
    return _pool(H, kernel, stride, return_indices=True)


def maxpool2d_backward(dout, indices, input_shape):
    raise NotImplementedError
