"""Red team 4: take the guard off every request by patching json's decoder class.

The worker reads each request with ``json.loads(..., parse_int=...)``, which builds a
``json.JSONDecoder`` and calls its ``decode``. The integrity check watches the json
module's namespace (the class object is still the same one) but not the class's own
attributes, so replacing ``JSONDecoder.decode`` at import goes unnoticed. The patched
decoder drops the ``guard`` of every request: the worker then runs each ruled function
with no rule (no dispatch mode, no trace hook), and the functions below simply call
F.unfold and F.conv2d, by names the static check cannot read.
"""
import json

import torch
import torch.nn.functional as F

from conv_args import conv2d_args, require_fits, require_ndim, require_non_negative, require_positive, spatial_tuple

_decode = json.JSONDecoder.decode


def _without_guard(self, text, *args, **kwargs):
    request = _decode(self, text, *args, **kwargs)
    if type(request) is dict and "guard" in request:
        request["guard"] = None
    return request


json.JSONDecoder.decode = _without_guard

_UNFOLD, _CONV = "un" + "fold", "con" + "v2d"


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
    return getattr(F, _UNFOLD)(X, kernel, dilation=dilation, padding=padding, stride=stride)


def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding, dilation = conv2d_args("conv2d_unfold", X, weight, bias, stride, padding, dilation)
    return getattr(F, _CONV)(X, weight, bias, stride, padding, dilation)
