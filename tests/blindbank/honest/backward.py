"""col2im by strided adds, the convolution's backward, and an autograd Function."""
import torch

from im2col_conv import conv2d_unfold, im2col


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


def _geometry(func, size, kernel, stride, padding, dilation):
    k = _pair(kernel, "kernel_size", func)
    s = _pair(stride, "stride", func)
    p = _pair(padding, "padding", func)
    d = _pair(dilation, "dilation", func)
    if min(k) < 1 or min(s) < 1 or min(d) < 1 or min(p) < 0 or min(size) < 1:
        raise ValueError(f"{func}: bad size {size}, kernel {k}, stride {s}, dilation {d} or padding {p}")
    out = []
    for a in range(2):
        room = size[a] + 2 * p[a] - d[a] * (k[a] - 1) - 1
        if room < 0:
            raise ValueError(f"{func}: kernel {k} (dilation {d}) larger than the padded size {tuple(size)}")
        out.append(room // s[a] + 1)
    return k, s, p, d, tuple(out)


def col2im(cols, output_size, kernel_size, stride=1, padding=0, dilation=1):
    """batch x (C*kH*kW) x L -> batch x C x H x W, summing overlaps, like F.fold."""
    if not isinstance(cols, torch.Tensor) or cols.dim() != 3:
        raise ValueError("col2im: cols must be a 3-D tensor (N, C*kH*kW, L)")
    H, W = _pair(output_size, "output_size", "col2im")
    (kH, kW), (sH, sW), (pH, pW), (dH, dW), (H_out, W_out) = _geometry(
        "col2im", (H, W), kernel_size, stride, padding, dilation)
    N, rows, L = cols.shape
    if rows % (kH * kW) or L != H_out * W_out:
        raise ValueError(f"col2im: cols {tuple(cols.shape)} do not match kernel {(kH, kW)} and size {(H, W)}")
    C = rows // (kH * kW)
    blocks = cols.reshape(N, C, kH, kW, H_out, W_out)
    img = cols.new_zeros(N, C, H + 2 * pH, W + 2 * pW)
    for a in range(kH):
        for b in range(kW):
            top, left = a * dH, b * dW
            img[:, :, top:top + sH * (H_out - 1) + 1:sH, left:left + sW * (W_out - 1) + 1:sW] += blocks[:, :, a, b]
    return img[:, :, pH:pH + H, pW:pW + W].contiguous()


def conv2d_backward(dout, X, weight, stride=1, padding=0, dilation=1):
    """(dX, dW, db) of out = conv2d(X, weight, bias) given dout (batch x C_out x H_out x W_out)."""
    if not isinstance(X, torch.Tensor) or X.dim() != 4 or not isinstance(weight, torch.Tensor) or weight.dim() != 4:
        raise ValueError("conv2d_backward: X and weight must be 4-D tensors")
    if X.shape[1] != weight.shape[1]:
        raise ValueError("conv2d_backward: X and weight disagree on the input channels")
    N, C, H, W = X.shape
    C_out, _, kH, kW = weight.shape
    _, _, _, _, (H_out, W_out) = _geometry("conv2d_backward", (H, W), (kH, kW), stride, padding, dilation)
    if not isinstance(dout, torch.Tensor) or tuple(dout.shape) != (N, C_out, H_out, W_out):
        raise ValueError(f"conv2d_backward: dout must have shape {(N, C_out, H_out, W_out)}")
    cols = im2col(X, (kH, kW), stride, padding, dilation)          # N x CKK x L
    g = dout.reshape(N, C_out, H_out * W_out)                        # N x C_out x L
    w_row = weight.reshape(C_out, C * kH * kW)
    dW = torch.einsum("nol,nkl->ok", g, cols).reshape(weight.shape)
    db = dout.sum(dim=(0, 2, 3))
    dcols = torch.einsum("ok,nol->nkl", w_row, g)
    dX = col2im(dcols, (H, W), (kH, kW), stride, padding, dilation)
    return dX, dW, db


class Conv2dFunction(torch.autograd.Function):
    """conv2d_unfold forward, conv2d_backward backward."""

    @staticmethod
    def forward(ctx, X, weight, bias, stride=1, padding=0, dilation=1):
        ctx.save_for_backward(X, weight)
        ctx.conf = (stride, padding, dilation)
        ctx.has_bias = bias is not None
        return conv2d_unfold(X, weight, bias, stride, padding, dilation)

    @staticmethod
    def backward(ctx, dout):
        X, weight = ctx.saved_tensors
        stride, padding, dilation = ctx.conf
        dX, dW, db = conv2d_backward(dout, X, weight, stride, padding, dilation)
        return dX, dW, (db if ctx.has_bias else None), None, None, None
