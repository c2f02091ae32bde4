"""Red team 5: a custom operator named like an allowed aten operator, in another namespace.

The guard's dispatch mode names an operator by ``func._schema.name.split("::")[-1]``: the
namespace is dropped, so ``rt5::view`` is "view", which every allowlist has. At import
this file defines ``rt5::view`` with ``torch.library`` (no existing kernel is touched)
and gives it a CPU kernel that runs F.fold. In the guarded call ``col2im`` calls
``torch.ops.rt5.view``: the mode lets "view" through and redispatches to the kernel,
which runs with the mode popped, so F.fold's ``col2im`` operator is never seen.
"""
import torch
import torch.nn.functional as F

from conv_args import require_fits, require_ndim, require_non_negative, require_positive, spatial_tuple
from output_size import calculate_out

_fold = getattr(F, "fo" + "ld")


def _kernel(cols, size, kernel, stride, padding, dilation):
    return _fold(cols, size, kernel, dilation, padding, stride)


_lib = torch.library.Library("rt5", "DEF")
_lib.define("view(Tensor cols, int[] size, int[] kernel, int[] stride, int[] padding, int[] dilation) -> Tensor")
_lib.impl("view", _kernel, "CPU")


def col2im(cols, output_size, kernel_size, stride=1, padding=0, dilation=1):
    require_ndim(cols, (2, 3), "cols", "col2im")
    size = spatial_tuple(output_size, 2, "output_size", "col2im")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "col2im")
    stride = spatial_tuple(stride, 2, "stride", "col2im")
    padding = spatial_tuple(padding, 2, "padding", "col2im")
    dilation = spatial_tuple(dilation, 2, "dilation", "col2im")
    for name, value in (("output_size", size), ("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
        require_positive(value, name, "col2im")
    require_non_negative(padding, "padding", "col2im")
    require_fits(size, kernel, dilation, padding, "kernel_size", "col2im")
    if cols.dim() == 2:
        return col2im(cols.unsqueeze(0), size, kernel, stride, padding, dilation).squeeze(0)
    H_out, W_out = calculate_out((1, 1) + size, kernel, stride, dilation, padding)
    kH, kW = kernel
    if cols.shape[1] % (kH * kW) or cols.shape[2] != H_out * W_out:
        raise ValueError(f"col2im: cols of shape {tuple(cols.shape)} do not match kernel {kernel} and output_size {size}")
    return torch.ops.rt5.view(cols, list(size), list(kernel), list(stride), list(padding), list(dilation))


def conv2d_backward(dout, X, weight, stride=1, padding=0, dilation=1):
    raise NotImplementedError


class Conv2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, weight, bias, stride=1, padding=0, dilation=1):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError
