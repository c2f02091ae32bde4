"""col2im by index_add_ on flat positions; conv2d backward through it; an autograd Function."""
import torch

from im2col_conv import conv2d_unfold, im2col


def _two(value, name, func):
    """int or 1-/2-sequence of ints -> (a, b)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if isinstance(value, (tuple, list, torch.Size)) and len(value) in (1, 2) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        return (value[0], value[-1])
    raise ValueError(f"{func}: {name} must be an int or a pair of ints, got {value!r}")


def _geometry(func, size, kernel_size, stride, padding, dilation):
    """(k, s, p, d, out) pairs for an input of spatial `size`; ValueError as torch would."""
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
            raise ValueError(f"{func}: kernel extent {extent} > padded size {padded} on axis {ax}")
        out.append((padded - extent) // s[ax] + 1)
    return k, s, p, d, tuple(out)


def _positions(k, s, d, out, padded_width):
    """(kH*kW*H_out*W_out,) flat positions in the padded plane, in im2col's (tap, window) order."""
    r = torch.arange(k[0]).view(k[0], 1, 1, 1) * d[0] + torch.arange(out[0]).view(1, 1, out[0], 1) * s[0]
    c = torch.arange(k[1]).view(1, k[1], 1, 1) * d[1] + torch.arange(out[1]).view(1, 1, 1, out[1]) * s[1]
    return (r * padded_width + c).reshape(-1)


def col2im(cols, output_size, kernel_size, stride=1, padding=0, dilation=1):
    """batch x (C*kH*kW) x L -> batch x C x H x W, overlapping windows summed (F.fold)."""
    if not isinstance(cols, torch.Tensor) or cols.dim() != 3:
        raise ValueError("col2im: cols must be a 3-dim tensor (N, C*kH*kW, L)")
    H, W = _two(output_size, "output_size", "col2im")
    if H < 1 or W < 1:
        raise ValueError(f"col2im: output_size must be positive, got {(H, W)}")
    k, s, p, d, out = _geometry("col2im", (H, W), kernel_size, stride, padding, dilation)
    N, rows, L = cols.shape
    taps = k[0] * k[1]
    if rows % taps != 0 or L != out[0] * out[1]:
        raise ValueError(f"col2im: cols {tuple(cols.shape)} do not fit kernel {k} and output_size {(H, W)}: "
                         f"expected (N, C*{taps}, {out[0] * out[1]})")
    C = rows // taps
    Hp, Wp = H + 2 * p[0], W + 2 * p[1]
    image = torch.zeros(N, C, Hp * Wp, dtype=cols.dtype)
    image.index_add_(2, _positions(k, s, d, out, Wp), cols.reshape(N, C, taps * L))
    return image.view(N, C, Hp, Wp)[:, :, p[0]:p[0] + H, p[1]:p[1] + W].contiguous()


def conv2d_backward(dout, X, weight, stride=1, padding=0, dilation=1):
    """(dX, dW, db) for out = conv2d(X, weight, bias), dout = dL/dout (batch x C_out x H_out x W_out)."""
    for name, t in (("dout", dout), ("X", X), ("weight", weight)):
        if not isinstance(t, torch.Tensor) or t.dim() != 4:
            raise ValueError(f"conv2d_backward: {name} must be a 4-dim tensor")
    if weight.shape[1] != X.shape[1]:
        raise ValueError(f"conv2d_backward: weight wants {weight.shape[1]} channels, X has {X.shape[1]}")
    N, C, H, W = X.shape
    C_out = weight.shape[0]
    kernel = tuple(weight.shape[2:])
    _, _, _, _, out = _geometry("conv2d_backward", (H, W), kernel, stride, padding, dilation)
    if tuple(dout.shape) != (N, C_out) + out:
        raise ValueError(f"conv2d_backward: dout must have shape {(N, C_out) + out}, got {tuple(dout.shape)}")
    X_col = im2col(X, kernel, stride, padding, dilation)             # N x CKK x L
    dH = dout.reshape(N, C_out, -1)                                   # N x C_out x L
    W_row = weight.reshape(C_out, -1)
    dW = torch.matmul(dH, X_col.transpose(1, 2)).sum(dim=0).reshape(weight.shape)
    db = dH.sum(dim=2).sum(dim=0)
    dX_col = torch.matmul(W_row.t(), dH)                              # N x CKK x L
    dX = col2im(dX_col, (H, W), kernel, stride, padding, dilation)
    return dX, dW, db


class Conv2dFunction(torch.autograd.Function):
    """Unfold-based forward, col2im-based backward."""

    @staticmethod
    def forward(ctx, X, weight, bias, stride=1, padding=0, dilation=1):
        ctx.save_for_backward(X, weight)
        ctx.settings = (stride, padding, dilation)
        ctx.bias_given = bias is not None
        return conv2d_unfold(X, weight, bias, stride, padding, dilation)

    @staticmethod
    def backward(ctx, dout):
        X, weight = ctx.saved_tensors
        stride, padding, dilation = ctx.settings
        dX, dW, db = conv2d_backward(dout.contiguous(), X, weight, stride, padding, dilation)
        return dX, dW, db if ctx.bias_given else None, None, None, None
