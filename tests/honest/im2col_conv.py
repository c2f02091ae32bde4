"""im2col with as_strided, convolution with einsum (honest submission, issue 9)."""
import torch
import torch.nn.functional as F

from output_size import calculate_out


def _two(v):
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def im2col(X, kernel_size, stride=1, padding=0, dilation=1):
    kh, kw = _two(kernel_size)
    sh, sw = _two(stride)
    ph, pw = _two(padding)
    dh, dw = _two(dilation)
    if min(ph, pw) < 0:
        raise ValueError("padding must not be negative")
    ho, wo = calculate_out(X, (kh, kw), (sh, sw), (dh, dw), (ph, pw))
    padded = F.pad(X, (pw, pw, ph, ph)).contiguous()
    n, c = padded.shape[:2]
    st = padded.stride()
    view = padded.as_strided((n, c, kh, kw, ho, wo),
                             (st[0], st[1], dh * st[2], dw * st[3], sh * st[2], sw * st[3]))
    return view.reshape(n, c * kh * kw, ho * wo)


def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1):
    if X.dim() != 4 or weight.dim() != 4 or X.shape[1] != weight.shape[1]:
        raise ValueError(f"X {tuple(X.shape)} and weight {tuple(weight.shape)} do not match")
    c_out, _, kh, kw = weight.shape
    ho, wo = calculate_out(X, (kh, kw), stride, dilation, padding)
    cols = im2col(X, (kh, kw), stride, padding, dilation)
    out = torch.einsum("ok,nkl->nol", weight.reshape(c_out, -1), cols)
    if bias is not None:
        out = out + bias.view(1, c_out, 1)
    return out.reshape(X.shape[0], c_out, ho, wo)
