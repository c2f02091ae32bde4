"""im2col by flat index arithmetic and torch.gather; convolution as W_row @ X_col."""
import torch
import torch.nn.functional as F


def _two(value, name, func):
    """int or 1-/2-sequence of ints -> (a, b)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if isinstance(value, (tuple, list, torch.Size)) and len(value) in (1, 2) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        return (value[0], value[-1])
    raise ValueError(f"{func}: {name} must be an int or a pair of ints, got {value!r}")


def window_geometry(func, size, kernel_size, stride, padding, dilation):
    """Check the settings against an input of spatial `size`; returns
    (k, s, p, d, out) pairs, out = number of windows per axis."""
    k = _two(kernel_size, "kernel_size", func)
    s = _two(stride, "stride", func)
    p = _two(padding, "padding", func)
    d = _two(dilation, "dilation", func)
    for name, pair, low in (("kernel_size", k, 1), ("stride", s, 1), ("dilation", d, 1), ("padding", p, 0)):
        if min(pair) < low:
            raise ValueError(f"{func}: {name} must be >= {low}, got {pair}")
    out = []
    for ax in (0, 1):
        extent = (k[ax] - 1) * d[ax] + 1
        padded = size[ax] + 2 * p[ax]
        if extent > padded:
            raise ValueError(f"{func}: kernel extent {extent} > padded input {padded} on axis {ax}")
        out.append((padded - extent) // s[ax] + 1)
    return k, s, p, d, tuple(out)


def flat_window_index(k, s, d, out, padded_width):
    """(kH*kW) x (H_out*W_out) flat positions in a padded plane: row a*kW+b, column i*W_out+j
    holds (i*sH + a*dH) * padded_width + (j*sW + b*dW)."""
    r = torch.arange(k[0]).view(k[0], 1, 1, 1) * d[0] + torch.arange(out[0]).view(1, 1, out[0], 1) * s[0]
    c = torch.arange(k[1]).view(1, k[1], 1, 1) * d[1] + torch.arange(out[1]).view(1, 1, 1, out[1]) * s[1]
    return (r * padded_width + c).reshape(k[0] * k[1], out[0] * out[1])


def im2col(X, kernel_size, stride=1, padding=0, dilation=1):
    """batch x C x H x W -> batch x (C*kH*kW) x (H_out*W_out), as F.unfold."""
    if not isinstance(X, torch.Tensor) or X.dim() != 4:
        raise ValueError(f"im2col: X must be a 4-dim tensor (N, C, H, W), got {getattr(X, 'shape', type(X))}")
    N, C, H, W = X.shape
    k, s, p, d, out = window_geometry("im2col", (H, W), kernel_size, stride, padding, dilation)
    Xp = F.pad(X, (p[1], p[1], p[0], p[0]))
    Hp, Wp = H + 2 * p[0], W + 2 * p[1]
    idx = flat_window_index(k, s, d, out, Wp).reshape(1, 1, -1).expand(N, C, -1)
    cols = torch.gather(Xp.reshape(N, C, Hp * Wp), 2, idx)          # N x C x (kH*kW*L)
    return cols.reshape(N, C * k[0] * k[1], out[0] * out[1])


def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1):
    """F.conv2d as W_row @ X_col + b, reshaped to batch x C_out x H_out x W_out."""
    for name, t in (("X", X), ("weight", weight)):
        if not isinstance(t, torch.Tensor) or t.dim() != 4:
            raise ValueError(f"conv2d_unfold: {name} must be a 4-dim tensor")
    if weight.shape[1] != X.shape[1]:
        raise ValueError(f"conv2d_unfold: weight wants {weight.shape[1]} input channels, X has {X.shape[1]}")
    if bias is not None and (not isinstance(bias, torch.Tensor) or bias.shape != (weight.shape[0],)):
        raise ValueError(f"conv2d_unfold: bias must be a tensor of shape ({weight.shape[0]},)")
    N = X.shape[0]
    C_out = weight.shape[0]
    _, _, _, _, (H_out, W_out) = window_geometry(
        "conv2d_unfold", X.shape[2:], tuple(weight.shape[2:]), stride, padding, dilation)
    X_col = im2col(X, tuple(weight.shape[2:]), stride, padding, dilation)
    W_row = weight.reshape(C_out, -1)
    H_col = torch.matmul(W_row, X_col)                                # N x C_out x L
    if bias is not None:
        H_col = H_col + bias.unsqueeze(-1)
    return H_col.view(N, C_out, H_out, W_out)
