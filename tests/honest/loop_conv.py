"""Convolution with plain loops, and loop-of-Linear layers (honest submission, issue 9)."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from output_size import calculate_out


def _two(v):
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def conv2d_loop(X, weight, bias=None, stride=1, padding=0, dilation=1):
    if X.dim() != 4 or weight.dim() != 4:
        raise ValueError("conv2d_loop expects X (N, C, H, W) and weight (C_out, C, kH, kW)")
    if X.shape[1] != weight.shape[1]:
        raise ValueError(f"X has {X.shape[1]} channels but weight expects {weight.shape[1]}")
    sh, sw = _two(stride)
    ph, pw = _two(padding)
    dh, dw = _two(dilation)
    kh, kw = weight.shape[2], weight.shape[3]
    ho, wo = calculate_out(X, (kh, kw), (sh, sw), (dh, dw), (ph, pw))
    padded = F.pad(X, (pw, pw, ph, ph))
    n_batch, c_out = X.shape[0], weight.shape[0]
    out = torch.zeros(n_batch, c_out, ho, wo, dtype=X.dtype)
    for n in range(n_batch):
        for co in range(c_out):
            for i in range(ho):
                for j in range(wo):
                    top, left = i * sh, j * sw
                    patch = padded[n, :, top:top + dh * (kh - 1) + 1:dh, left:left + dw * (kw - 1) + 1:dw]
                    value = (patch * weight[co]).sum()
                    if bias is not None:
                        value = value + bias[co]
                    out[n, co, i, j] = value
    return out


class Conv1D(nn.Module):
    def __init__(self, in_channels, out_channels, stride, kernel_size, padding):
        super().__init__()
        self.stride, self.kernel_size, self.padding = stride, kernel_size, padding
        self.kernel = nn.Linear(kernel_size * in_channels, out_channels)

    def forward(self, x):
        x = F.pad(x, (self.padding, self.padding))
        windows = x.unfold(2, self.kernel_size, self.stride)  # N, C, L_out, k
        n, c, length, k = windows.shape
        flat = windows.permute(0, 2, 1, 3).reshape(n, length, c * k)
        return self.kernel(flat).transpose(1, 2)


class Conv2D(nn.Module):
    def __init__(self, in_channels, out_channels, stride, kernel_size, padding):
        super().__init__()
        self.stride, self.kernel_size, self.padding = stride, kernel_size, padding
        self.kernel = nn.Linear(in_channels * kernel_size ** 2, out_channels)

    def forward(self, x):
        k, s, p = self.kernel_size, self.stride, self.padding
        ho, wo = calculate_out(x, k, s, 1, p)
        x = F.pad(x, (p, p, p, p))
        rows = []
        for i in range(ho):
            cols = []
            for j in range(wo):
                patch = x[:, :, i * s:i * s + k, j * s:j * s + k].reshape(x.shape[0], -1)
                cols.append(self.kernel(patch))
            rows.append(torch.stack(cols, dim=-1))
        return torch.stack(rows, dim=-2)


class MaxPool1D(nn.Module):
    def __init__(self, pooling):
        super().__init__()
        self.pooling = pooling

    def forward(self, x):
        return x.unfold(2, self.pooling, self.pooling).amax(dim=-1)
