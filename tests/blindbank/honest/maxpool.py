"""Max-pooling with first-maximum argmax indices, and its backward."""
import torch


def _pair(value, name):
    if isinstance(value, bool):
        raise ValueError(f"maxpool2d_unfold: {name} must be an int or a pair, got {value!r}")
    if isinstance(value, int):
        return value, value
    vals = tuple(value)
    if len(vals) == 1:
        vals = vals * 2
    if len(vals) != 2 or any(isinstance(v, bool) or not isinstance(v, int) for v in vals):
        raise ValueError(f"maxpool2d_unfold: {name} must be an int or a pair, got {value!r}")
    return vals


def maxpool2d_unfold(H, kernel_size=2, stride=None):
    """(values, indices), batch x C x H_out x W_out, as F.max_pool2d(return_indices=True)."""
    if not isinstance(H, torch.Tensor) or H.dim() != 4:
        raise ValueError("maxpool2d_unfold: H must be a 4-D tensor (N, C, H, W)")
    kH, kW = _pair(kernel_size, "kernel_size")
    sH, sW = (kH, kW) if stride is None else _pair(stride, "stride")
    if min(kH, kW, sH, sW) < 1:
        raise ValueError("maxpool2d_unfold: kernel_size and stride must be positive")
    N, C, height, width = H.shape
    if kH > height or kW > width:
        raise ValueError(f"maxpool2d_unfold: kernel {(kH, kW)} larger than the input {(height, width)}")
    H_out = (height - kH) // sH + 1
    W_out = (width - kW) // sW + 1
    rows = torch.arange(H_out).reshape(H_out, 1) * sH
    cols = torch.arange(W_out).reshape(1, W_out) * sW
    best = None
    best_idx = None
    # Visit the window's cells in row-major order; only a strictly larger value replaces
    # the current best, so ties keep the first maximum.
    for r in range(kH):
        for c in range(kW):
            cand = H[:, :, r:r + sH * (H_out - 1) + 1:sH, c:c + sW * (W_out - 1) + 1:sW]
            flat = (rows + r) * width + (cols + c)
            if best is None:
                best = cand.clone()
                best_idx = flat.expand(N, C, H_out, W_out).clone()
            else:
                better = cand > best
                best = torch.where(better, cand, best)
                best_idx = torch.where(better, flat.expand(N, C, H_out, W_out), best_idx)
    return best, best_idx


def maxpool2d_backward(dout, indices, input_shape):
    """Gradient w.r.t. the pooling input (shape input_shape): dout sent to each argmax."""
    if not isinstance(dout, torch.Tensor) or dout.dim() != 4:
        raise ValueError("maxpool2d_backward: dout must be a 4-D tensor")
    if tuple(indices.shape) != tuple(dout.shape):
        raise ValueError("maxpool2d_backward: indices and dout must have the same shape")
    N, C, height, width = (int(v) for v in input_shape)
    if (N, C) != tuple(dout.shape[:2]):
        raise ValueError("maxpool2d_backward: input_shape must share batch and channels with dout")
    grad = dout.new_zeros(N, C, height * width)
    grad.scatter_add_(2, indices.reshape(N, C, -1).long(), dout.reshape(N, C, -1))
    return grad.reshape(N, C, height, width)
