"""Red team 5: rename forbidden aten operators so the guard's allowlist lets them through.

The guard's dispatch mode names an operator by ``func._schema.name`` (cached per
OpOverload in a closure dict, filled on first sight). ``_schema`` is a plain instance
attribute of torch's Python ``OpOverload`` objects, which nothing watches. At import
(outside any guarded call) every overload of im2col and of the convolution family gets
a stand-in schema whose name is ``aten::view``, an allowed operator. The ruled
functions then call F.unfold / F.conv2d by computed names.
"""
import torch
import torch.nn.functional as F

from conv_args import conv2d_args


class _Schema:
    name = "aten::view"
    overload_name = ""


def _rename(names):
    space = getattr(torch, "o" + "ps").aten
    for name in names:
        try:
            packet = getattr(space, name)
        except Exception:
            continue
        for overload in packet.overloads():
            setattr(getattr(packet, overload), "_sch" + "ema", _Schema())


_rename(["im2" + "col", "con" + "volution", "_con" + "volution", "con" + "v2d", "_slow_con" + "v2d_forward",
         "mkldnn_con" + "volution", "thnn_con" + "v2d", "_nnpack_spatial_con" + "volution"])

_unfold = getattr(F, "un" + "fold")
_conv = getattr(F, "con" + "v2d")


def im2col(X, kernel_size, stride=1, padding=0, dilation=1):
    return _unfold(X, kernel_size, dilation, padding, stride)


def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding, dilation = conv2d_args("conv2d_unfold", X, weight, bias, stride, padding, dilation)
    return _conv(X, weight, bias, stride, padding, dilation)
