"""Honest ways to write the ruled functions, other than the reference's: plain loops,
einsum, as_strided, index gathering, cat/stack. tests/test_guard_allowlist.py runs them
(and the references) under a recording dispatch mode: every aten operator they reach
must be on the function's allowlist (grader/course/rules.py)."""
import torch
import torch.nn.functional as F


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def im2col_loops(X, kernel_size, stride=1, padding=0, dilation=1):
    (kH, kW), (sH, sW), (pH, pW), (dH, dW) = map(_pair, (kernel_size, stride, padding, dilation))
    N, C, H, W = X.shape
    Xp = torch.zeros(N, C, H + 2 * pH, W + 2 * pW, dtype=X.dtype)
    Xp[:, :, pH:pH + H, pW:pW + W] = X
    H_out = (H + 2 * pH - dH * (kH - 1) - 1) // sH + 1
    W_out = (W + 2 * pW - dW * (kW - 1) - 1) // sW + 1
    columns = []
    for i in range(H_out):
        for j in range(W_out):
            patch = Xp[:, :, i * sH:i * sH + dH * (kH - 1) + 1:dH, j * sW:j * sW + dW * (kW - 1) + 1:dW]
            columns.append(patch.reshape(N, -1))
    return torch.stack(columns, dim=2)


def im2col_strided(X, kernel_size, stride=1, padding=0, dilation=1):
    (kH, kW), (sH, sW), (pH, pW), (dH, dW) = map(_pair, (kernel_size, stride, padding, dilation))
    Xp = F.pad(X, (pW, pW, pH, pH)).contiguous()
    N, C, H, W = Xp.shape
    H_out = (H - dH * (kH - 1) - 1) // sH + 1
    W_out = (W - dW * (kW - 1) - 1) // sW + 1
    n, c, h, w = Xp.stride()
    windows = Xp.as_strided((N, C, kH, kW, H_out, W_out), (n, c, h * dH, w * dW, h * sH, w * sW))
    return windows.reshape(N, C * kH * kW, H_out * W_out)


def im2col_gather(X, kernel_size, stride=1, padding=0, dilation=1):
    (kH, kW), (sH, sW), (pH, pW), (dH, dW) = map(_pair, (kernel_size, stride, padding, dilation))
    Xp = torch.nn.functional.pad(X, (pW, pW, pH, pH), mode="constant", value=0.0)
    N, C, H, W = Xp.shape
    H_out = (H - dH * (kH - 1) - 1) // sH + 1
    W_out = (W - dW * (kW - 1) - 1) // sW + 1
    rows = (torch.arange(kH) * dH).view(-1, 1) + (torch.arange(H_out) * sH).view(1, -1)
    cols = (torch.arange(kW) * dW).view(-1, 1) + (torch.arange(W_out) * sW).view(1, -1)
    index = (rows[:, None, :, None] * W + cols[None, :, None, :]).reshape(-1)
    flat = Xp.flatten(2).index_select(2, index)
    return flat.view(N, C, kH, kW, H_out * W_out).reshape(N, C * kH * kW, -1)


def conv_loop_einsum(X, weight, bias=None, stride=1, padding=0, dilation=1):
    kH, kW = weight.shape[2:]
    cols = im2col_strided(X, (kH, kW), stride, padding, dilation)
    (sH, sW), (pH, pW), (dH, dW) = map(_pair, (stride, padding, dilation))
    H_out = (X.shape[2] + 2 * pH - dH * (kH - 1) - 1) // sH + 1
    out = torch.einsum("ok,nkl->nol", weight.reshape(weight.shape[0], -1), cols)
    if bias is not None:
        out = out + bias.view(1, -1, 1)
    return out.view(X.shape[0], weight.shape[0], H_out, -1)


def conv_loop_plain(X, weight, bias=None, stride=1, padding=0, dilation=1):
    (sH, sW), (pH, pW), (dH, dW) = map(_pair, (stride, padding, dilation))
    N, C, H, W = X.shape
    C_out, _, kH, kW = weight.shape
    Xp = torch.zeros((N, C, H + 2 * pH, W + 2 * pW), dtype=X.dtype)
    Xp[:, :, pH:pH + H, pW:pW + W] = X.clone()
    H_out = (H + 2 * pH - dH * (kH - 1) - 1) // sH + 1
    W_out = (W + 2 * pW - dW * (kW - 1) - 1) // sW + 1
    out = torch.empty(N, C_out, H_out, W_out, dtype=X.dtype)
    for n in range(N):
        for co in range(C_out):
            for i in range(H_out):
                for j in range(W_out):
                    patch = Xp[n, :, i * sH:i * sH + dH * (kH - 1) + 1:dH, j * sW:j * sW + dW * (kW - 1) + 1:dW]
                    value = torch.sum(patch * weight[co])
                    out[n, co, i, j] = value + (bias[co] if bias is not None else 0.0)
    return out


def conv_unfold_matmul(X, weight, bias=None, stride=1, padding=0, dilation=1):
    out = conv_loop_einsum(X, weight, None, stride, padding, dilation)
    cols = F.unfold(X, weight.shape[2:], dilation, padding, stride)
    out = (weight.view(weight.shape[0], -1) @ cols).view_as(out)
    return out if bias is None else out + bias[None, :, None, None]


def maxpool_views(H, kernel_size=2, stride=None):
    (kH, kW) = _pair(kernel_size)
    (sH, sW) = _pair(stride if stride is not None else kernel_size)
    N, C, H_in, W_in = H.shape
    windows = H.unfold(2, kH, sH).unfold(3, kW, sW)
    H_out, W_out = windows.shape[2:4]
    flat = windows.reshape(N, C, H_out, W_out, kH * kW)
    values, within = torch.max(flat, dim=-1)
    r, c = torch.div(within, kW, rounding_mode="floor"), within % kW
    rows = torch.arange(H_out).view(-1, 1) * sH + r
    cols = torch.arange(W_out).view(1, -1) * sW + c
    alt = flat.argmax(-1)
    assert torch.equal(alt, within)
    return values, (rows * W_in + cols).long()


def col2im_loops(cols, output_size, kernel_size, stride=1, padding=0, dilation=1):
    (H, W), (kH, kW), (sH, sW), (pH, pW), (dH, dW) = map(_pair, (output_size, kernel_size, stride, padding, dilation))
    N = cols.shape[0]
    C = cols.shape[1] // (kH * kW)
    H_out = (H + 2 * pH - dH * (kH - 1) - 1) // sH + 1
    W_out = (W + 2 * pW - dW * (kW - 1) - 1) // sW + 1
    image = torch.zeros(N, C, H + 2 * pH, W + 2 * pW, dtype=cols.dtype)
    blocks = cols.view(N, C, kH, kW, H_out, W_out)
    for i in range(H_out):
        for j in range(W_out):
            image[:, :, i * sH:i * sH + dH * (kH - 1) + 1:dH, j * sW:j * sW + dW * (kW - 1) + 1:dW] += blocks[..., i, j]
    return image[:, :, pH:pH + H, pW:pW + W].contiguous()


def col2im_index_add(cols, output_size, kernel_size, stride=1, padding=0, dilation=1):
    (H, W), (kH, kW), (sH, sW), (pH, pW), (dH, dW) = map(_pair, (output_size, kernel_size, stride, padding, dilation))
    N = cols.shape[0]
    C = cols.shape[1] // (kH * kW)
    Hp, Wp = H + 2 * pH, W + 2 * pW
    H_out = (Hp - dH * (kH - 1) - 1) // sH + 1
    W_out = (Wp - dW * (kW - 1) - 1) // sW + 1
    rows = (torch.arange(kH) * dH).view(-1, 1) + (torch.arange(H_out) * sH).view(1, -1)
    cs = (torch.arange(kW) * dW).view(-1, 1) + (torch.arange(W_out) * sW).view(1, -1)
    index = (rows[:, None, :, None] * Wp + cs[None, :, None, :]).reshape(-1)
    flat = torch.zeros(N, C, Hp * Wp, dtype=cols.dtype)
    flat.index_add_(2, index, cols.reshape(N, C, -1))
    image = flat.view(N, C, Hp, Wp)
    return image.narrow(2, pH, H).narrow(3, pW, W)


def conv_backward_matmul(dout, X, weight, stride=1, padding=0, dilation=1):
    N, C_out = dout.shape[:2]
    kernel = tuple(weight.shape[2:])
    X_col = im2col_strided(X, kernel, stride, padding, dilation)
    dH = dout.reshape(N, C_out, -1)
    dW = torch.matmul(dH, X_col.transpose(1, 2)).sum(0).view_as(weight)
    db = dout.sum(dim=(0, 2, 3))
    dX_col = torch.einsum("ok,nol->nkl", weight.reshape(C_out, -1), dH)
    dX = col2im_index_add(dX_col, tuple(X.shape[2:]), kernel, stride, padding, dilation)
    return dX, dW, db
