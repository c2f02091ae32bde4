"""col2im window by window; conv2d backward with tensordot; autograd Function."""
from __future__ import annotations

import torch

from conv_args import conv2d_args, require_fits, require_ndim, require_non_negative, require_positive, spatial_tuple
from im2col_conv import conv2d_unfold, im2col
from output_size import calculate_out


def col2im(cols, output_size, kernel_size, stride=1, padding=0, dilation=1):
    """batch x (C*kH*kW) x L (or unbatched) -> batch x C x H x W, overlaps summed, as F.fold."""
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
    h_out, w_out = calculate_out((1, 1) + size, kernel, stride, dilation, padding)
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    if cols.shape[1] % (kh * kw) or cols.shape[2] != h_out * w_out:
        raise ValueError(f"col2im: cols of shape {tuple(cols.shape)} do not match kernel {kernel} and "
                         f"output_size {size}: expected (N, C*{kh * kw}, {h_out * w_out})")
    n = cols.shape[0]
    c = cols.shape[1] // (kh * kw)
    patches = cols.reshape(n, c, kh, kw, h_out * w_out)
    image = cols.new_zeros(n, c, size[0] + 2 * ph, size[1] + 2 * pw)
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    for i in range(h_out):
        for j in range(w_out):
            image[:, :, i * sh:i * sh + span_h:dh, j * sw:j * sw + span_w:dw] += patches[..., i * w_out + j]
    return image[:, :, ph:ph + size[0], pw:pw + size[1]]


def conv2d_backward(dout, X, weight, stride=1, padding=0, dilation=1):
    """(dX, dW, db) for out = conv2d(X, weight, bias), given dout = dL/dout."""
    stride, padding, dilation = conv2d_args("conv2d_backward", X, weight, None, stride, padding, dilation)
    require_ndim(dout, (4,), "dout", "conv2d_backward")
    kernel = tuple(weight.shape[2:])
    expected = (X.shape[0], weight.shape[0]) + calculate_out(X, kernel, stride, dilation, padding)
    if tuple(dout.shape) != expected:
        raise ValueError(f"conv2d_backward: dout must have shape {expected}, got {tuple(dout.shape)}")
    c_out = weight.shape[0]
    x_col = im2col(X, kernel, stride, padding, dilation)               # N x K x L
    d_h = dout.reshape(X.shape[0], c_out, -1)                           # N x C_out x L
    w_row = weight.reshape(c_out, -1)                                   # C_out x K
    d_w = torch.tensordot(d_h, x_col, dims=([0, 2], [0, 2])).reshape(weight.shape)
    d_b = torch.einsum("nol->o", d_h)
    d_xcol = torch.einsum("ok,nol->nkl", w_row, d_h)
    d_x = col2im(d_xcol, tuple(X.shape[2:]), kernel, stride, padding, dilation)
    return d_x, d_w, d_b


class Conv2dFunction(torch.autograd.Function):
    """conv2d_unfold forward; backward through conv2d_backward, only the gradients asked for."""

    @staticmethod
    def forward(ctx, X, weight, bias, stride=1, padding=0, dilation=1):
        ctx.save_for_backward(X, weight)
        ctx.stride, ctx.padding, ctx.dilation = stride, padding, dilation
        ctx.has_bias = bias is not None
        return conv2d_unfold(X, weight, bias, stride, padding, dilation)

    @staticmethod
    def backward(ctx, dout):
        X, weight = ctx.saved_tensors
        d_x, d_w, d_b = conv2d_backward(dout, X, weight, ctx.stride, ctx.padding, ctx.dilation)
        need = ctx.needs_input_grad
        return (d_x if need[0] else None, d_w if need[1] else None,
                d_b if ctx.has_bias and need[2] else None, None, None, None)
