"""Output size of a convolution / pooling, written from the student API alone."""
import torch


def _per_dim(value, n, name):
    """An int or a sequence -> a tuple of n ints (ValueError otherwise)."""
    if isinstance(value, bool):
        raise ValueError(f"calculate_out: {name} must be an int or {n} ints, got {value!r}")
    if isinstance(value, int):
        return (value,) * n
    try:
        vals = tuple(value)
    except TypeError:
        raise ValueError(f"calculate_out: {name} must be an int or {n} ints, got {value!r}") from None
    if len(vals) == 1:
        vals = vals * n
    if len(vals) != n or any(isinstance(v, bool) or not isinstance(v, int) for v in vals):
        raise ValueError(f"calculate_out: {name} must be an int or {n} ints, got {value!r}")
    return vals


def calculate_out(X, k_size=(3, 3), stride=1, dilation=1, padding=0):
    """Spatial output sizes (one int per spatial dim) of X (N, C, *spatial)."""
    shape = tuple(X.shape) if isinstance(X, torch.Tensor) else tuple(X)
    if len(shape) not in (3, 4, 5):
        raise ValueError(f"calculate_out: X must have 3, 4 or 5 dims, got shape {shape}")
    n = len(shape) - 2
    k = _per_dim(k_size, n, "k_size")
    s = _per_dim(stride, n, "stride")
    d = _per_dim(dilation, n, "dilation")
    p = _per_dim(padding, n, "padding")
    if min(k) < 1 or min(s) < 1 or min(d) < 1:
        raise ValueError(f"calculate_out: kernel size, stride and dilation must be >= 1, got {k}, {s}, {d}")
    if min(p) < 0:
        raise ValueError(f"calculate_out: padding must be >= 0, got {p}")
    sizes = []
    for dim in range(n):
        span = d[dim] * (k[dim] - 1) + 1
        room = shape[2 + dim] + 2 * p[dim] - span
        if room < 0:
            raise ValueError(
                f"calculate_out: kernel span {span} is larger than the padded input "
                f"{shape[2 + dim] + 2 * p[dim]} in spatial dim {dim}")
        sizes.append(room // s[dim] + 1)
    return tuple(sizes)
