"""Convolution by explicit loops with index arithmetic (no padded copy), and Linear layers."""
import torch
import torch.nn as nn
import torch.nn.functional as F


def _two(value, name, func):
    """int or 1-/2-sequence of ints -> (a, b)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if isinstance(value, (tuple, list, torch.Size)) and len(value) in (1, 2) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        return (value[0], value[-1])
    raise ValueError(f"{func}: {name} must be an int or a pair of ints, got {value!r}")


def _settings(func, X, weight, bias, stride, padding, dilation):
    """Validate a conv2d call as F.conv2d does; returns (stride, padding, dilation) pairs."""
    for name, t in (("X", X), ("weight", weight)):
        if not isinstance(t, torch.Tensor) or t.dim() != 4:
            raise ValueError(f"{func}: {name} must be a 4-dim tensor, got {getattr(t, 'shape', type(t))}")
    if weight.shape[1] != X.shape[1]:
        raise ValueError(f"{func}: weight wants {weight.shape[1]} input channels, X has {X.shape[1]}")
    if bias is not None and (not isinstance(bias, torch.Tensor) or bias.shape != (weight.shape[0],)):
        raise ValueError(f"{func}: bias must be a tensor of shape ({weight.shape[0]},)")
    s = _two(stride, "stride", func)
    p = _two(padding, "padding", func)
    d = _two(dilation, "dilation", func)
    if s[0] < 1 or s[1] < 1:
        raise ValueError(f"{func}: stride must be positive, got {s}")
    if d[0] < 1 or d[1] < 1:
        raise ValueError(f"{func}: dilation must be positive, got {d}")
    if p[0] < 0 or p[1] < 0:
        raise ValueError(f"{func}: padding must be >= 0, got {p}")
    for ax in (0, 1):
        if (weight.shape[2 + ax] - 1) * d[ax] + 1 > X.shape[2 + ax] + 2 * p[ax]:
            raise ValueError(f"{func}: the dilated kernel does not fit in the padded input on axis {ax}")
    return s, p, d


def _taps(n_out, k, s, p, d, size):
    """For every output position o and kernel tap t: input coordinate o*s - p + t*d, clamped,
    and whether it lies inside the input (False = a padding zero). Both n_out x k."""
    coord = torch.arange(n_out).unsqueeze(1) * s - p + torch.arange(k).unsqueeze(0) * d
    inside = (coord >= 0) & (coord < size)
    return coord.clamp(0, size - 1), inside


def conv2d_loop(X, weight, bias=None, stride=1, padding=0, dilation=1):
    """F.conv2d with loops over (n, c_out, i, j): batch x C_out x H_out x W_out."""
    (sH, sW), (pH, pW), (dH, dW) = _settings("conv2d_loop", X, weight, bias, stride, padding, dilation)
    N, C, H, W = X.shape
    C_out, _, kH, kW = weight.shape
    H_out = (H + 2 * pH - (kH - 1) * dH - 1) // sH + 1
    W_out = (W + 2 * pW - (kW - 1) * dW - 1) // sW + 1
    rows, row_in = _taps(H_out, kH, sH, pH, dH, H)
    cols, col_in = _taps(W_out, kW, sW, pW, dW, W)
    out = torch.empty(N, C_out, H_out, W_out, dtype=X.dtype)
    zero = torch.zeros((), dtype=X.dtype)
    for n in range(N):
        for co in range(C_out):
            for i in range(H_out):
                for j in range(W_out):
                    patch = X[n].index_select(1, rows[i]).index_select(2, cols[j])
                    keep = row_in[i].unsqueeze(1) & col_in[j].unsqueeze(0)
                    patch = torch.where(keep, patch, zero)
                    total = (patch * weight[co]).sum()
                    if bias is not None:
                        total = total + bias[co]
                    out[n, co, i, j] = total
    return out


def _layer_check(func, in_channels, out_channels, stride, kernel_size, padding):
    for name, v, low in (("in_channels", in_channels, 1), ("out_channels", out_channels, 1),
                         ("stride", stride, 1), ("kernel_size", kernel_size, 1), ("padding", padding, 0)):
        if isinstance(v, bool) or not isinstance(v, int) or v < low:
            raise ValueError(f"{func}: {name} must be an int >= {low}, got {v!r}")


class Conv1D(nn.Module):
    """Conv1d as one nn.Linear applied to every window (all windows in one call)."""

    def __init__(self, in_channels, out_channels, stride, kernel_size, padding):
        super().__init__()
        _layer_check("Conv1D", in_channels, out_channels, stride, kernel_size, padding)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.stride, self.kernel_size, self.padding = stride, kernel_size, padding
        self.kernel = nn.Linear(kernel_size * in_channels, out_channels)

    def forward(self, x):
        """batch x in_channels x L -> batch x out_channels x L_out."""
        if not isinstance(x, torch.Tensor) or x.dim() != 3 or x.shape[1] != self.in_channels:
            raise ValueError(f"Conv1D: x must be (N, {self.in_channels}, L), got {getattr(x, 'shape', None)}")
        k, s, p = self.kernel_size, self.stride, self.padding
        L = x.shape[2]
        if k > L + 2 * p:
            raise ValueError(f"Conv1D: kernel {k} longer than the padded input {L + 2 * p}")
        L_out = (L + 2 * p - k) // s + 1
        xp = F.pad(x, (p, p))
        starts = torch.arange(L_out) * s
        idx = starts.unsqueeze(1) + torch.arange(k).unsqueeze(0)          # L_out x k
        windows = xp[:, :, idx]                                           # N x C x L_out x k
        flat = windows.permute(0, 2, 1, 3).reshape(x.shape[0], L_out, -1)  # N x L_out x (C*k)
        return self.kernel(flat).transpose(1, 2)


class Conv2D(nn.Module):
    """Conv2d as one nn.Linear applied to every window (all windows in one call)."""

    def __init__(self, in_channels, out_channels, stride, kernel_size, padding):
        super().__init__()
        _layer_check("Conv2D", in_channels, out_channels, stride, kernel_size, padding)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.stride, self.kernel_size, self.padding = stride, kernel_size, padding
        self.kernel = nn.Linear(in_channels * kernel_size ** 2, out_channels)

    def forward(self, x):
        """batch x in_channels x H x W -> batch x out_channels x H_out x W_out."""
        if not isinstance(x, torch.Tensor) or x.dim() != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"Conv2D: x must be (N, {self.in_channels}, H, W), got {getattr(x, 'shape', None)}")
        k, s, p = self.kernel_size, self.stride, self.padding
        N, _, H, W = x.shape
        if k > H + 2 * p or k > W + 2 * p:
            raise ValueError(f"Conv2D: kernel {k} larger than the padded input {(H + 2 * p, W + 2 * p)}")
        H_out = (H + 2 * p - k) // s + 1
        W_out = (W + 2 * p - k) // s + 1
        xp = F.pad(x, (p, p, p, p))
        r = (torch.arange(H_out) * s).view(H_out, 1, 1, 1) + torch.arange(k).view(1, 1, k, 1)
        c = (torch.arange(W_out) * s).view(1, W_out, 1, 1) + torch.arange(k).view(1, 1, 1, k)
        windows = xp[:, :, r, c]                                           # N x C x H_out x W_out x k x k
        flat = windows.permute(0, 2, 3, 1, 4, 5).reshape(N, H_out * W_out, -1)
        y = self.kernel(flat)                                              # N x L x out
        return y.transpose(1, 2).reshape(N, self.out_channels, H_out, W_out)


class MaxPool1D(nn.Module):
    """Non-overlapping 1-D max-pool; a trailing partial block is dropped."""

    def __init__(self, pooling):
        super().__init__()
        if isinstance(pooling, bool) or not isinstance(pooling, int) or pooling < 1:
            raise ValueError(f"MaxPool1D: pooling must be a positive int, got {pooling!r}")
        self.pooling = pooling

    def forward(self, x):
        """batch x channel x L -> batch x channel x (L // pooling)."""
        if not isinstance(x, torch.Tensor) or x.dim() != 3:
            raise ValueError("MaxPool1D: x must be (N, C, L)")
        q = self.pooling
        blocks = x.shape[2] // q
        if blocks < 1:
            raise ValueError(f"MaxPool1D: input length {x.shape[2]} is shorter than the pooling {q}")
        end = blocks * q
        best = x[:, :, 0:end:q]
        for offset in range(1, q):
            best = torch.maximum(best, x[:, :, offset:end:q])
        return best
