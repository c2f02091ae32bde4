"""im2col with as_strided, and a convolution as one einsum."""
import torch


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
    if min(k) < 1 or min(s) < 1 or min(d) < 1 or min(p) < 0:
        raise ValueError(f"{func}: bad kernel {k}, stride {s}, dilation {d} or padding {p}")
    out = []
    for a in range(2):
        room = size[a] + 2 * p[a] - d[a] * (k[a] - 1) - 1
        if room < 0:
            raise ValueError(f"{func}: kernel {k} (dilation {d}) larger than the padded input {tuple(size)}")
        out.append(room // s[a] + 1)
    return k, s, p, d, tuple(out)


def im2col(X, kernel_size, stride=1, padding=0, dilation=1):
    """batch x C x H x W -> batch x (C*kH*kW) x (H_out*W_out), like F.unfold."""
    if not isinstance(X, torch.Tensor) or X.dim() != 4:
        raise ValueError("im2col: X must be a 4-D tensor (N, C, H, W)")
    N, C, H, W = X.shape
    (kH, kW), (sH, sW), (pH, pW), (dH, dW), (H_out, W_out) = _geometry(
        "im2col", (H, W), kernel_size, stride, padding, dilation)
    Xp = X.new_zeros(N, C, H + 2 * pH, W + 2 * pW)
    Xp[:, :, pH:pH + H, pW:pW + W] = X
    tN, tC, tH, tW = Xp.stride()
    windows = Xp.as_strided(
        (N, C, kH, kW, H_out, W_out),
        (tN, tC, dH * tH, dW * tW, sH * tH, sW * tW),
    )
    return windows.reshape(N, C * kH * kW, H_out * W_out)


def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1):
    """F.conv2d as W_row @ X_col + b: batch x C_out x H_out x W_out."""
    if not isinstance(X, torch.Tensor) or X.dim() != 4:
        raise ValueError("conv2d_unfold: X must be a 4-D tensor (N, C, H, W)")
    if not isinstance(weight, torch.Tensor) or weight.dim() != 4:
        raise ValueError("conv2d_unfold: weight must be a 4-D tensor (C_out, C_in, kH, kW)")
    if X.shape[1] != weight.shape[1]:
        raise ValueError(f"conv2d_unfold: X has {X.shape[1]} channels, weight expects {weight.shape[1]}")
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(f"conv2d_unfold: bias must have shape ({weight.shape[0]},)")
    N = X.shape[0]
    C_out, _, kH, kW = weight.shape
    _, _, _, _, (H_out, W_out) = _geometry("conv2d_unfold", X.shape[2:], (kH, kW), stride, padding, dilation)
    cols = im2col(X, (kH, kW), stride, padding, dilation)
    out = torch.einsum("ok,nkl->nol", weight.reshape(C_out, -1), cols)
    if bias is not None:
        out = out + bias.reshape(1, C_out, 1)
    return out.reshape(N, C_out, H_out, W_out)
