"""Max-pool with Tensor.unfold windows and argmax; backward with index_put_(accumulate=True)."""
from __future__ import annotations

import torch

from conv_args import require_fits, require_ndim, require_positive, spatial_tuple


def maxpool2d_unfold(H, kernel_size=2, stride=None):
    """(values, indices) equal to F.max_pool2d(H, kernel_size, stride, return_indices=True)."""
    require_ndim(H, (4,), "H", "maxpool2d_unfold")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "maxpool2d_unfold")
    stride = kernel if stride is None else spatial_tuple(stride, 2, "stride", "maxpool2d_unfold")
    require_positive(kernel, "kernel_size", "maxpool2d_unfold")
    require_positive(stride, "stride", "maxpool2d_unfold")
    require_fits(H.shape[2:], kernel, (1, 1), (0, 0), "kernel_size", "maxpool2d_unfold")
    (kh, kw), (sh, sw) = kernel, stride
    width = H.shape[3]
    windows = H.unfold(2, kh, sh).unfold(3, kw, sw)              # N x C x Ho x Wo x kh x kw
    ho, wo = windows.shape[2], windows.shape[3]
    flat = windows.reshape(*windows.shape[:4], kh * kw)
    local = torch.argmax(flat, dim=4)                             # first maximum, row-major
    values = torch.gather(flat, 4, local.unsqueeze(4)).squeeze(4)
    r, c = local // kw, local % kw
    top = (torch.arange(ho) * sh).view(ho, 1)
    left = (torch.arange(wo) * sw).view(1, wo)
    return values, (top + r) * width + (left + c)


def maxpool2d_backward(dout, indices, input_shape):
    """Gradient w.r.t. the pooling input: zero except each window's argmax (summed on overlap)."""
    require_ndim(dout, (4,), "dout", "maxpool2d_backward")
    if tuple(indices.shape) != tuple(dout.shape):
        raise ValueError(f"maxpool2d_backward: indices {tuple(indices.shape)} must have dout's shape {tuple(dout.shape)}")
    if len(input_shape) != 4 or tuple(input_shape[:2]) != tuple(dout.shape[:2]):
        raise ValueError(f"maxpool2d_backward: input_shape {tuple(input_shape)} must be (N, C, H, W) like dout")
    n, c, h, w = input_shape
    grad = dout.new_zeros(n, c, h * w)
    nn_idx = torch.arange(n).view(n, 1, 1).expand(n, c, indices[0, 0].numel())
    cc_idx = torch.arange(c).view(1, c, 1).expand(n, c, indices[0, 0].numel())
    grad.index_put_((nn_idx, cc_idx, indices.reshape(n, c, -1)), dout.reshape(n, c, -1), accumulate=True)
    return grad.reshape(n, c, h, w)
