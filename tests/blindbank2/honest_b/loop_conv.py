"""Loop convolution on a padded copy; Conv1D / Conv2D as the course's per-window Linear loop."""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from conv_args import conv2d_args, layer_args, require_channels, require_fits, require_ndim, require_positive
from output_size import calculate_out


def conv2d_loop(X, weight, bias=None, stride=1, padding=0, dilation=1):
    """F.conv2d as four loops over (n, c_out, i, j) of (patch * weight[co]).sum() + bias[co]."""
    stride, padding, dilation = conv2d_args("conv2d_loop", X, weight, bias, stride, padding, dilation)
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    n_batch, _, _, _ = X.shape
    c_out, _, kh, kw = weight.shape
    h_out, w_out = calculate_out(X, (kh, kw), stride, dilation, padding)
    Xp = F.pad(X, [pw, pw, ph, ph])
    span_h, span_w = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    result = X.new_zeros(n_batch, c_out, h_out, w_out)
    for n in range(n_batch):
        for co in range(c_out):
            w_flat = weight[co].reshape(-1)
            for i in range(h_out):
                for j in range(w_out):
                    patch = Xp[n, :, i * sh:i * sh + span_h:dh, j * sw:j * sw + span_w:dw]
                    result[n, co, i, j] = torch.dot(patch.reshape(-1), w_flat)
            if bias is not None:
                result[n, co] += bias[co]
    return result


class Conv1D(nn.Module):
    """The course's 1-D convolution: one nn.Linear applied window by window."""

    def __init__(self, in_channels, out_channels, stride, kernel_size, padding):
        super().__init__()
        layer_args("Conv1D", in_channels, out_channels, stride, kernel_size, padding)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.stride = stride
        self.kernel_size = kernel_size
        self.padding = padding
        self.kernel = nn.Linear(kernel_size * in_channels, out_channels)

    def forward(self, x):
        """batch x in_channels x L -> batch x out_channels x L_out."""
        require_ndim(x, (3,), "x", "Conv1D")
        require_channels(x, self.in_channels, "x", "Conv1D")
        require_fits(x.shape[2:], (self.kernel_size,), (1,), (self.padding,), "kernel_size", "Conv1D")
        x = F.pad(x, (self.padding, self.padding))
        outs = []
        for i in range(self.kernel_size, x.shape[2] + 1, self.stride):
            chunk = x[:, :, i - self.kernel_size:i].reshape(x.shape[0], -1)
            outs.append(self.kernel(chunk))
        return torch.stack(outs, dim=2)


class Conv2D(nn.Module):
    """2-D version: one nn.Linear applied window by window, output size from calculate_out."""

    def __init__(self, in_channels, out_channels, stride, kernel_size, padding):
        super().__init__()
        layer_args("Conv2D", in_channels, out_channels, stride, kernel_size, padding)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.stride = stride
        self.kernel_size = kernel_size
        self.padding = padding
        self.kernel = nn.Linear(in_channels * kernel_size ** 2, out_channels)

    def forward(self, x):
        """batch x in_channels x H x W -> batch x out_channels x H_out x W_out."""
        require_ndim(x, (4,), "x", "Conv2D")
        require_channels(x, self.in_channels, "x", "Conv2D")
        k, s, p = self.kernel_size, self.stride, self.padding
        require_fits(x.shape[2:], (k, k), (1, 1), (p, p), "kernel_size", "Conv2D")
        h_out, w_out = calculate_out(x, (k, k), s, 1, p)
        xp = F.pad(x, (p, p, p, p))
        outs = []
        for i in range(h_out):
            for j in range(w_out):
                window = xp[:, :, i * s:i * s + k, j * s:j * s + k]
                outs.append(self.kernel(window.reshape(x.shape[0], -1)))
        return torch.stack(outs, dim=2).reshape(x.shape[0], self.out_channels, h_out, w_out)


class MaxPool1D(nn.Module):
    """Non-overlapping 1-D max-pool, (N, C, L) -> (N, C, L // pooling)."""

    def __init__(self, pooling):
        super().__init__()
        require_positive((pooling,), "pooling", "MaxPool1D")
        self.pooling = pooling

    def forward(self, x):
        """batch x channel x L -> batch x channel x (L // pooling)."""
        require_ndim(x, (3,), "x", "MaxPool1D")
        if x.shape[2] < self.pooling:
            raise ValueError(f"MaxPool1D: length {x.shape[2]} shorter than pooling {self.pooling}")
        return x.unfold(2, self.pooling, self.pooling).max(dim=3).values
