"""Red team 11, route "the one-shot `setting` flag left set, then a C profiler's timer
reads a kernel wrapper's box": maxpool2d_unfold returns torch's own CPU max-pool kernel.

At import (no ruled call). ``sys.settrace()`` with NO argument goes to the sealed
function: the hook sees no argument that is not None, so it takes the call for "clearing
a hook", sets the one-shot ``state["setting"]`` and answers with the original
``sys.settrace``; that one raises TypeError on its argument count BEFORE CPython raises
the ``sys.settrace`` audit event, so the flag stays set. The next trace/profile change
goes through: ``cProfile.Profile(timer).enable()`` (C, ``_PyEval_SetProfile``, not the
sealed Python function). The profiler calls its Python ``timer`` at every C call, also at
the kernel wrapper's ``box.pop()``, i.e. after the hook has put ``(False, original
call_boxed)`` in the wrapper's local ``box``: the timer reads it through
``sys._getframe(1).f_locals`` (a wrapper's frame is not hidden since round 9). The
profiler is then taken off by the sealed ``sys.setprofile(None)`` (a legitimate clear), and
the flag is consumed. In the ruled call the original ``call_boxed`` runs the CPU
max-pool kernel directly (no dispatcher entry, no mode, no wrapper, no Python frame).
All names the static check knows are computed.
"""
import sys

import torch
import torch.nn.functional as F

from conv_args import require_fits, require_ndim, require_positive, spatial_tuple

_GET = getattr(sys, "_get" + "frame")
_LOC = "f_loc" + "als"
_found = []


def _timer():
    if not _found:
        frame = _GET(1)
        if frame.f_code.co_name == "kernel":
            box = getattr(frame, _LOC).get("box")
            if type(box) is list and box and type(box[-1]) is tuple and box[-1][0] is False:
                _found.append((getattr(frame, _LOC)["keyset"], box[-1][1]))
    return 0.0


def _steal():
    try:
        getattr(sys, "set" + "trace")()  # flag set, original raises TypeError before its audit event
    except TypeError:
        pass
    prof = __import__("c" + "Profile").Profile(_timer)
    prof.enable()  # C-level setprofile: consumes the flag
    try:
        getattr(F, "max_" + "pool2d")(torch.randn(1, 1, 4, 4), 2, return_indices=True)
    finally:
        getattr(sys, "set" + "profile")(None)  # a clear outside a ruled call: allowed
    _keep.append(prof)  # never deallocated while enabled-flagged (dealloc would clear the hook again)
    return _found[0]


_keep = []
_KEYSET, _KERNEL = _steal()


def maxpool2d_unfold(H, kernel_size=2, stride=None):
    require_ndim(H, (4,), "H", "maxpool2d_unfold")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "maxpool2d_unfold")
    stride = kernel if stride is None else spatial_tuple(stride, 2, "stride", "maxpool2d_unfold")
    require_positive(kernel, "kernel_size", "maxpool2d_unfold")
    require_positive(stride, "stride", "maxpool2d_unfold")
    require_fits(H.shape[2:], kernel, (1, 1), (0, 0), "kernel_size", "maxpool2d_unfold")
    values, indices = _KERNEL(_KEYSET, H, list(kernel), list(stride), [0, 0], [1, 1], False)
    return values, indices


def maxpool2d_backward(dout, indices, input_shape):
    raise NotImplementedError
