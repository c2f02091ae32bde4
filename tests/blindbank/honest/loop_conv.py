"""Convolution with explicit loops, and Linear-based Conv1D / Conv2D layers."""
import torch
import torch.nn as nn


def _pair(value, name, func):
    if isinstance(value, bool):
        raise ValueError(f"{func}: {name} must be an int or a pair, got {value!r}")
    if isinstance(value, int):
        return value, value
    vals = tuple(value)
    if len(vals) == 1:
        vals = vals * 2
    if len(vals) != 2 or any(isinstance(v, bool) or not isinstance(v, int) for v in vals):
        raise ValueError(f"{func}: {name} must be an int or a pair, got {value!r}")
    return vals


def _check_conv(func, X, weight, bias, stride, padding, dilation):
    if not isinstance(X, torch.Tensor) or X.dim() != 4:
        raise ValueError(f"{func}: X must be a 4-D tensor (N, C, H, W)")
    if not isinstance(weight, torch.Tensor) or weight.dim() != 4:
        raise ValueError(f"{func}: weight must be a 4-D tensor (C_out, C_in, kH, kW)")
    if X.shape[1] != weight.shape[1]:
        raise ValueError(f"{func}: X has {X.shape[1]} channels, weight expects {weight.shape[1]}")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(f"{func}: bias must have shape ({weight.shape[0]},), got {tuple(bias.shape)}")
    s = _pair(stride, "stride", func)
    p = _pair(padding, "padding", func)
    d = _pair(dilation, "dilation", func)
    if min(s) < 1 or min(d) < 1 or min(p) < 0:
        raise ValueError(f"{func}: bad stride {s}, dilation {d} or padding {p}")
    for a in range(2):
        if d[a] * (weight.shape[2 + a] - 1) + 1 > X.shape[2 + a] + 2 * p[a]:
            raise ValueError(f"{func}: kernel larger than the padded input")
    return s, p, d


def _zero_pad(X, pH, pW):
    """batch x channel x H x W -> batch x channel x (H + 2pH) x (W + 2pW), zeros around."""
    N, C, H, W = X.shape
    out = X.new_zeros(N, C, H + 2 * pH, W + 2 * pW)
    out[:, :, pH:pH + H, pW:pW + W] = X
    return out


def conv2d_loop(X, weight, bias=None, stride=1, padding=0, dilation=1):
    """F.conv2d with four Python loops: batch x C_out x H_out x W_out."""
    (sH, sW), (pH, pW), (dH, dW) = _check_conv("conv2d_loop", X, weight, bias, stride, padding, dilation)
    N, C, H, W = X.shape
    C_out, _, kH, kW = weight.shape
    H_out = (H + 2 * pH - dH * (kH - 1) - 1) // sH + 1
    W_out = (W + 2 * pW - dW * (kW - 1) - 1) // sW + 1
    Xp = _zero_pad(X, pH, pW)
    rows = []
    for n in range(N):
        chans = []
        for co in range(C_out):
            grid = []
            for i in range(H_out):
                line = []
                for j in range(W_out):
                    top, left = i * sH, j * sW
                    patch = Xp[n, :, top:top + dH * (kH - 1) + 1:dH, left:left + dW * (kW - 1) + 1:dW]
                    value = (patch * weight[co]).sum()
                    if bias is not None:
                        value = value + bias[co]
                    line.append(value)
                grid.append(torch.stack(line))
            chans.append(torch.stack(grid))
        rows.append(torch.stack(chans))
    return torch.stack(rows)


def _layer_args(func, in_channels, out_channels, stride, kernel_size, padding):
    for name, v in (("in_channels", in_channels), ("out_channels", out_channels),
                    ("stride", stride), ("kernel_size", kernel_size)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValueError(f"{func}: {name} must be a positive int, got {v!r}")
    if not isinstance(padding, int) or isinstance(padding, bool) or padding < 0:
        raise ValueError(f"{func}: padding must be a non-negative int, got {padding!r}")


class Conv1D(nn.Module):
    """One nn.Linear applied to every window of a batch x C x L input."""

    def __init__(self, in_channels, out_channels, stride, kernel_size, padding):
        super().__init__()
        _layer_args("Conv1D", in_channels, out_channels, stride, kernel_size, padding)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.stride, self.kernel_size, self.padding = stride, kernel_size, padding
        self.kernel = nn.Linear(kernel_size * in_channels, out_channels)

    def forward(self, x):
        if not isinstance(x, torch.Tensor) or x.dim() != 3 or x.shape[1] != self.in_channels:
            raise ValueError(f"Conv1D: x must be (N, {self.in_channels}, L)")
        N, C, L = x.shape
        k, s, p = self.kernel_size, self.stride, self.padding
        if L + 2 * p < k:
            raise ValueError("Conv1D: kernel larger than the padded input")
        pad = x.new_zeros(N, C, p)
        xp = torch.cat([pad, x, pad], dim=2)
        L_out = (L + 2 * p - k) // s + 1
        outs = [self.kernel(xp[:, :, t * s:t * s + k].reshape(N, C * k)) for t in range(L_out)]
        return torch.stack(outs, dim=2)


class Conv2D(nn.Module):
    """One nn.Linear applied to every (C x k x k) window of a batch x C x H x W input."""

    def __init__(self, in_channels, out_channels, stride, kernel_size, padding):
        super().__init__()
        _layer_args("Conv2D", in_channels, out_channels, stride, kernel_size, padding)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.stride, self.kernel_size, self.padding = stride, kernel_size, padding
        self.kernel = nn.Linear(in_channels * kernel_size ** 2, out_channels)

    def forward(self, x):
        if not isinstance(x, torch.Tensor) or x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"Conv2D: x must be (N, {self.in_channels}, H, W)")
        N, C, H, W = x.shape
        k, s, p = self.kernel_size, self.stride, self.padding
        if H + 2 * p < k or W + 2 * p < k:
            raise ValueError("Conv2D: kernel larger than the padded input")
        xp = _zero_pad(x, p, p)
        H_out = (H + 2 * p - k) // s + 1
        W_out = (W + 2 * p - k) // s + 1
        windows = []
        for i in range(H_out):
            for j in range(W_out):
                windows.append(xp[:, :, i * s:i * s + k, j * s:j * s + k].reshape(N, C * k * k))
        gathered = torch.stack(windows, dim=1)          # N x L x C*k*k
        out = self.kernel(gathered)                      # N x L x out
        return out.transpose(1, 2).reshape(N, self.out_channels, H_out, W_out)


class MaxPool1D(nn.Module):
    """Non-overlapping max-pool: batch x C x L -> batch x C x (L // pooling)."""

    def __init__(self, pooling):
        super().__init__()
        if not isinstance(pooling, int) or isinstance(pooling, bool) or pooling < 1:
            raise ValueError(f"MaxPool1D: pooling must be a positive int, got {pooling!r}")
        self.pooling = pooling

    def forward(self, x):
        if not isinstance(x, torch.Tensor) or x.dim() != 3:
            raise ValueError("MaxPool1D: x must be (N, C, L)")
        N, C, L = x.shape
        blocks = L // self.pooling
        if blocks < 1:
            raise ValueError(f"MaxPool1D: length {L} shorter than pooling {self.pooling}")
        trimmed = x[:, :, :blocks * self.pooling]
        return trimmed.reshape(N, C, blocks, self.pooling).amax(dim=3)
