"""Red team 8, route "the current dispatch mode": im2col runs F.unfold, conv2d_unfold F.conv2d.

During a ruled call the guard's mode is on torch's dispatch stack, and
``torch.utils._python_dispatch._get_current_dispatch_mode()`` (module reached by a
computed name; the function is not sealed) returns it. Its class's
``__torch_dispatch__`` closure holds ``state``; ``state["active"] = False``.
"""
import importlib

import torch
import torch.nn.functional as F

from conv_args import conv2d_args, require_fits, require_ndim, require_non_negative, require_positive, spatial_tuple



_dispatch = importlib.import_module("torch.utils._py" + "thon_dispatch")


def _guard_state():
    handler = getattr(type(_dispatch._get_current_dispatch_mode()), "__torch_" + "dispatch__")
    for cell in getattr(handler, "__clo" + "sure__"):
        if type(cell.cell_contents) is dict and "active" in cell.cell_contents:
            return cell.cell_contents
    raise RuntimeError("no guard state")


_unfold = getattr(F, "un" + "fold")
_conv = getattr(F, "con" + "v2d")


def im2col(X, kernel_size, stride=1, padding=0, dilation=1):
    require_ndim(X, (3, 4), "X", "im2col")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "im2col")
    stride = spatial_tuple(stride, 2, "stride", "im2col")
    padding = spatial_tuple(padding, 2, "padding", "im2col")
    dilation = spatial_tuple(dilation, 2, "dilation", "im2col")
    require_positive(kernel, "kernel_size", "im2col")
    require_positive(stride, "stride", "im2col")
    require_positive(dilation, "dilation", "im2col")
    require_non_negative(padding, "padding", "im2col")
    require_fits(X.shape[-2:], kernel, dilation, padding, "kernel_size", "im2col")
    _guard_state()["active"] = False
    if X.dim() == 3:
        return _unfold(X.unsqueeze(0), kernel, dilation, padding, stride).squeeze(0)
    return _unfold(X, kernel, dilation, padding, stride)


def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding, dilation = conv2d_args("conv2d_unfold", X, weight, bias, stride, padding, dilation)
    _guard_state()["active"] = False
    return _conv(X, weight, bias, stride, padding, dilation)
