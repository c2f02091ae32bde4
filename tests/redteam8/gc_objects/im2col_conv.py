"""Red team 8, route "gc.get_objects": im2col runs F.unfold, conv2d_unfold F.conv2d.

At import, ``gc.get_objects()`` (computed name) lists every tracked object; the guard's
``state`` is the dict with keys active/hits/inside/allowed. In the ruled call,
``state["active"] = False`` switches the guard off.
"""
import gc

import torch
import torch.nn.functional as F

from conv_args import conv2d_args, require_fits, require_ndim, require_non_negative, require_positive, spatial_tuple



_STATE = next(o for o in getattr(gc, "get_" + "objects")()
              if type(o) is dict and {"active", "hits", "inside", "allowed"} <= o.keys())


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
    _STATE["active"] = False
    if X.dim() == 3:
        return _unfold(X.unsqueeze(0), kernel, dilation, padding, stride).squeeze(0)
    return _unfold(X, kernel, dilation, padding, stride)


def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding, dilation = conv2d_args("conv2d_unfold", X, weight, bias, stride, padding, dilation)
    _STATE["active"] = False
    return _conv(X, weight, bias, stride, padding, dilation)
