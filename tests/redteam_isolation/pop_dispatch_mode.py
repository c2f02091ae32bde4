# exercise: im2col_conv
"""Pop the guard's dispatch mode off torch's stack (a reference taken at import, name
spelt so that no source check reads it), call F.unfold, push the mode back."""
import torch as _torch
import torch.nn.functional as _F

# Computed names: the source check cannot read them, the run-time guard must catch them.
_unfold, _conv2d = getattr(_F, "un" + "fold"), getattr(_F, "con" + "v2d")

_C = getattr(_torch, "".join(["_", "C"]))
_pop = getattr(_C, "".join(["_pop_", "torch_dispatch_stack"]))
_push = getattr(_C, "".join(["_push_on_", "torch_dispatch_stack"]))


def im2col(X, kernel_size, stride=1, padding=0, dilation=1):
    mode = _pop()
    try:
        return _unfold(X, kernel_size, dilation, padding, stride)
    finally:
        _push(mode)


def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1):
    mode = _pop()
    try:
        return _conv2d(X, weight, bias, stride, padding, dilation)
    finally:
        _push(mode)
