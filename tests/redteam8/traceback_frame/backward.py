"""Red team 8, route "an exception's traceback": conv2d_backward runs torch.autograd.grad
(forbidden there), col2im runs F.fold (forbidden there).

A raised and caught exception's ``__traceback__.tb_frame`` (computed name) is the
current frame; ``f_back`` leads to ``run_guarded``, whose locals hold ``state``. This one
sets ``state["autograd"] = True`` in conv2d_backward (the mode goes on checking
operators, just not the autograd engine) and ``state["active"] = False`` in col2im.
"""

import torch
import torch.nn.functional as F

from conv_args import conv2d_args, require_fits, require_ndim, require_non_negative, require_positive, spatial_tuple
from output_size import calculate_out


_BACK, _LOCALS = "f_ba" + "ck", "f_loc" + "als"


def _guard_state():
    try:
        raise LookupError
    except LookupError as exc:
        frame = getattr(exc.__traceback__, "tb_fr" + "ame")
    while frame is not None:
        value = getattr(frame, _LOCALS).get("state")
        if type(value) is dict and "active" in value:
            return value
        frame = getattr(frame, _BACK)
    raise RuntimeError("no guard state")


_grad = getattr(torch.autograd, "gr" + "ad")
_conv = getattr(F, "con" + "v2d")
_fold = getattr(F, "fo" + "ld")
_unfold = getattr(F, "un" + "fold")


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
    H_out, W_out = calculate_out((1, 1) + size, kernel, stride, dilation, padding)
    if cols.shape[-2] % (kernel[0] * kernel[1]) or cols.shape[-1] != H_out * W_out:
        raise ValueError(f"col2im: cols of shape {tuple(cols.shape)} do not match kernel and output_size")
    _guard_state()["active"] = False  # F.fold, forbidden here
    return _fold(cols, size, kernel, dilation, padding, stride)


def conv2d_backward(dout, X, weight, stride=1, padding=0, dilation=1):
    stride, padding, dilation = conv2d_args("conv2d_backward", X, weight, None, stride, padding, dilation)
    require_ndim(dout, (4,), "dout", "conv2d_backward")
    kernel = tuple(weight.shape[2:])
    expected = (X.shape[0], weight.shape[0]) + calculate_out(X, kernel, stride, dilation, padding)
    if tuple(dout.shape) != expected:
        raise ValueError(f"conv2d_backward: dout must have shape {expected}, got {tuple(dout.shape)}")
    _guard_state()["autograd"] = True
    N, C_out = dout.shape[:2]
    with torch.enable_grad():  # autograd, forbidden here: dX_col and dW by torch.autograd.grad
        X_col = _unfold(X.detach(), kernel, dilation, padding, stride).requires_grad_()
        W_row = weight.detach().reshape(C_out, -1).requires_grad_()
        dX_col, dW_row = _grad(W_row @ X_col, (X_col, W_row), dout.reshape(N, C_out, -1))
    dX = col2im(dX_col, tuple(X.shape[2:]), kernel, stride, padding, dilation)
    return dX, dW_row.view_as(weight), dout.sum((0, 2, 3))


class Conv2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, weight, bias=None, stride=1, padding=0, dilation=1):
        ctx.save_for_backward(X, weight)
        ctx.conv_args, ctx.has_bias = (stride, padding, dilation), bias is not None
        return _conv(X, weight, bias, stride, padding, dilation)

    @staticmethod
    def backward(ctx, dout):
        X, weight = ctx.saved_tensors
        dX, dW, db = conv2d_backward(dout, X, weight, *ctx.conv_args)
        return dX, dW, db if ctx.has_bias else None, None, None, None
