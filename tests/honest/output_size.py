"""Output size of a convolution or pooling (an independent honest submission, issue 9)."""
import torch


def _per_dim(value, dims, what):
    if isinstance(value, int):
        return [value] * dims
    value = [int(v) for v in value]
    if len(value) != dims:
        raise ValueError(f"{what} should have {dims} entries, got {len(value)}")
    return value


def calculate_out(X, k_size=(3, 3), stride=1, dilation=1, padding=0):
    shape = list(X.shape) if isinstance(X, torch.Tensor) else list(X)
    if len(shape) not in (3, 4, 5):
        raise ValueError(f"X must have 3, 4 or 5 dimensions, not {len(shape)}")
    dims = len(shape) - 2
    ks = _per_dim(k_size, dims, "k_size")
    ss = _per_dim(stride, dims, "stride")
    ds = _per_dim(dilation, dims, "dilation")
    ps = _per_dim(padding, dims, "padding")
    result = []
    for n, k, s, d, p in zip(shape[2:], ks, ss, ds, ps):
        if k <= 0 or s <= 0 or d <= 0:
            raise ValueError("kernel size, stride and dilation must be positive")
        if p < 0:
            raise ValueError("padding cannot be negative")
        room = n + 2 * p - d * (k - 1) - 1
        if room < 0:
            raise ValueError(f"the kernel (span {d * (k - 1) + 1}) does not fit an input of {n} padded by {p}")
        result.append(room // s + 1)
    return tuple(result)
