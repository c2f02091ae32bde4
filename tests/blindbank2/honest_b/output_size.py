"""Output size with the course's formula, using the given argument helpers."""
from __future__ import annotations

import math

import torch

from conv_args import require_non_negative, require_positive, spatial_tuple


def calculate_out(X, k_size=(3, 3), stride=1, dilation=1, padding=0):
    """floor((in + 2p - d(k-1) - 1) / s + 1) per spatial dim of X (a tensor or a shape)."""
    if isinstance(X, torch.Tensor):
        dims = tuple(X.size())
    elif isinstance(X, (tuple, list, torch.Size)):
        dims = tuple(X)
    else:
        raise ValueError(f"calculate_out: X must be a tensor or a shape, got {type(X).__name__}")
    if len(dims) not in (3, 4, 5):
        raise ValueError(f"calculate_out: X must have 3, 4 or 5 dims, got {len(dims)}")
    n = len(dims) - 2
    k = spatial_tuple(k_size, n, "k_size", "calculate_out")
    s = spatial_tuple(stride, n, "stride", "calculate_out")
    d = spatial_tuple(dilation, n, "dilation", "calculate_out")
    p = spatial_tuple(padding, n, "padding", "calculate_out")
    require_positive(k, "k_size", "calculate_out")
    require_positive(s, "stride", "calculate_out")
    require_positive(d, "dilation", "calculate_out")
    require_non_negative(p, "padding", "calculate_out")
    sizes = []
    for size_in, kk, ss, dd, pp in zip(dims[2:], k, s, d, p):
        numerator = size_in + 2 * pp - dd * (kk - 1) - 1
        size_out = math.floor(numerator / ss + 1)
        if size_out < 1 or numerator < 0:
            raise ValueError(
                f"calculate_out: output size {size_out} < 1 for input {size_in}, kernel {kk}, "
                f"stride {ss}, dilation {dd}, padding {pp}")
        sizes.append(int(size_out))
    return tuple(sizes)
