"""im2col with Tensor.unfold on a padded copy; convolution as (X_col^T @ W_row^T)^T."""
from __future__ import annotations

import torch
import torch.nn.functional as F

from conv_args import conv2d_args, require_fits, require_ndim, require_non_negative, require_positive, spatial_tuple
from output_size import calculate_out


def im2col(X, kernel_size, stride=1, padding=0, dilation=1):
    """batch x C x H x W (or C x H x W) -> batch x (C*kH*kW) x L, as F.unfold."""
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
    if X.dim() == 3:
        return im2col(X.unsqueeze(0), kernel, stride, padding, dilation)[0]
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = kernel, stride, padding, dilation
    n, c = X.shape[:2]
    padded = F.pad(X, (pw, pw, ph, ph))
    # windows: n x c x h_out x w_out x span_h x span_w, then keep every d-th tap
    windows = padded.unfold(2, dh * (kh - 1) + 1, sh).unfold(3, dw * (kw - 1) + 1, sw)
    taps = windows[..., ::dh, ::dw]
    h_out, w_out = taps.shape[2], taps.shape[3]
    return taps.permute(0, 1, 4, 5, 2, 3).reshape(n, c * kh * kw, h_out * w_out)


def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1):
    """F.conv2d as W_row @ X_col + b; returns a batch x C_out x H_out x W_out view of the product
    laid out window-major (channels-last memory)."""
    stride, padding, dilation = conv2d_args("conv2d_unfold", X, weight, bias, stride, padding, dilation)
    c_out = weight.shape[0]
    h_out, w_out = calculate_out(X, tuple(weight.shape[2:]), stride, dilation, padding)
    cols = im2col(X, tuple(weight.shape[2:]), stride, padding, dilation)          # n x K x L
    prod = cols.transpose(1, 2) @ weight.reshape(c_out, -1).t()                    # n x L x c_out
    if bias is not None:
        prod = prod + bias
    return prod.reshape(X.shape[0], h_out, w_out, c_out).permute(0, 3, 1, 2)
