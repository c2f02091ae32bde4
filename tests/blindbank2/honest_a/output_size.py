"""Output size of a convolution / pooling, one spatial dim at a time."""
import torch


def _expand(value, n, name):
    """An int or a sequence -> a list of n ints (a 1-sequence is repeated)."""
    if isinstance(value, bool):
        raise ValueError(f"calculate_out: {name} must be an int or {n} ints, got {value!r}")
    if isinstance(value, int):
        return [value] * n
    try:
        items = [v for v in value]
    except TypeError:
        raise ValueError(f"calculate_out: {name} must be an int or {n} ints, got {value!r}") from None
    if len(items) == 1:
        items = items * n
    if len(items) != n:
        raise ValueError(f"calculate_out: {name} needs {n} entries, got {value!r}")
    for v in items:
        if isinstance(v, bool) or not isinstance(v, int):
            raise ValueError(f"calculate_out: {name} entries must be ints, got {value!r}")
    return items


def calculate_out(X, k_size=(3, 3), stride=1, dilation=1, padding=0):
    """Spatial output sizes (one int per spatial dim) for a 3-, 4- or 5-dim X or shape."""
    shape = list(X.shape) if isinstance(X, torch.Tensor) else [int(v) for v in X]
    if len(shape) < 3 or len(shape) > 5:
        raise ValueError(f"calculate_out: X must have 3, 4 or 5 dims, got {len(shape)}")
    spatial = shape[2:]
    n = len(spatial)
    ks = _expand(k_size, n, "k_size")
    ss = _expand(stride, n, "stride")
    ds = _expand(dilation, n, "dilation")
    ps = _expand(padding, n, "padding")
    if any(k <= 0 for k in ks):
        raise ValueError(f"calculate_out: kernel sizes must be positive, got {ks}")
    if any(s <= 0 for s in ss):
        raise ValueError(f"calculate_out: strides must be positive, got {ss}")
    if any(d <= 0 for d in ds):
        raise ValueError(f"calculate_out: dilations must be positive, got {ds}")
    if any(p < 0 for p in ps):
        raise ValueError(f"calculate_out: paddings must be non-negative, got {ps}")
    result = []
    for axis in range(n):
        extent = (ks[axis] - 1) * ds[axis] + 1
        padded = spatial[axis] + 2 * ps[axis]
        if extent > padded:
            raise ValueError(
                f"calculate_out: dilated kernel extent {extent} exceeds padded size {padded} on axis {axis}")
        steps, _ = divmod(padded - extent, ss[axis])
        result.append(steps + 1)
    return tuple(result)
