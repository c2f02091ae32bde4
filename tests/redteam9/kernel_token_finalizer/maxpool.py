"""Red team 9, route "a finalizer inside a kernel wrapper; its token buys the original
kernel": maxpool2d_unfold returns torch's own CPU max-pool kernel's answer, and nothing of
the guard is touched.

At import (no ruled call), the collector's threshold is set to 1 and cyclic garbage with a
``__del__`` is left around, so finalizers run at almost every allocation; the module then
calls F.max_pool2d (computed name), whose CPU kernel is the guard's Python wrapper. A
finalizer that runs while the wrapper is on the stack resumes a generator whose
``gi_frame`` was read while suspended (let through); its ``f_back`` (not audited) climbs to
the wrapper's frame, whose ``f_locals`` hold ``slot`` and ``token`` (the key the hook
trusts). Outside a ruled call the hook answers ``sys.audit("convkit.kernel", slot, token,
box)`` with the original ``call_boxed``. In the ruled call that C function runs the kernel
directly: no dispatcher, no mode, no wrapper, no Python frame for the trace hook.
"""
import gc
import sys

import torch
import torch.nn.functional as F

from conv_args import require_fits, require_ndim, require_positive, spatial_tuple

_BACK, _LOCALS = "f_ba" + "ck", "f_loc" + "als"
_found = []


def _walker():
    while True:
        yield
        frame = getattr(_saved[0], _BACK)
        while frame is not None:
            seen = getattr(frame, _LOCALS)
            if "token" in seen and "slot" in seen and "own" in seen:
                _found.append((seen["slot"], seen["token"]))
                break
            frame = getattr(frame, _BACK)


_gen = _walker()
next(_gen)
_saved = [getattr(_gen, "gi_fr" + "ame")]


class _Litter:
    """Cyclic garbage whose finalizer runs at a collection, wherever that happens."""

    def __init__(self):
        self.me = self

    def __del__(self):
        if not _found:
            next(_gen)
            _Litter()  # the next one, for the next collection


def _original_kernel():
    threshold = gc.get_threshold()
    gc.set_threshold(1)
    _Litter()
    pool = getattr(F, "max_" + "pool2d")
    x = torch.randn(1, 1, 4, 4)
    try:
        for _ in range(2000):
            if _found:
                break
            pool(x, 2, return_indices=True)
    finally:
        gc.set_threshold(*threshold)
    slot, token = _found[0]
    box = []
    getattr(sys, "au" + "dit")("convkit.kernel", slot, token, box)
    return box[-1]


_KERNEL = _original_kernel()
_C = getattr(torch, "_" + "C")
_CPU = _C.DispatchKeySet(_C.DispatchKey.CPU)


def maxpool2d_unfold(H, kernel_size=2, stride=None):
    require_ndim(H, (4,), "H", "maxpool2d_unfold")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "maxpool2d_unfold")
    stride = kernel if stride is None else spatial_tuple(stride, 2, "stride", "maxpool2d_unfold")
    require_positive(kernel, "kernel_size", "maxpool2d_unfold")
    require_positive(stride, "stride", "maxpool2d_unfold")
    require_fits(H.shape[2:], kernel, (1, 1), (0, 0), "kernel_size", "maxpool2d_unfold")
    values, indices = _KERNEL(_CPU, H, list(kernel), list(stride), [0, 0], [1, 1], False)
    return values, indices


def maxpool2d_backward(dout, indices, input_shape):
    raise NotImplementedError
