"""Max-pool through gathered windows; first maximum found by explicit position search."""
import torch


def _two(value, name):
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if isinstance(value, (tuple, list, torch.Size)) and len(value) in (1, 2) and all(
            isinstance(v, int) and not isinstance(v, bool) for v in value):
        return (value[0], value[-1])
    raise ValueError(f"maxpool2d_unfold: {name} must be an int or a pair of ints, got {value!r}")


def maxpool2d_unfold(H, kernel_size=2, stride=None):
    """(values, indices) as F.max_pool2d(H, kernel_size, stride, return_indices=True)."""
    if not isinstance(H, torch.Tensor) or H.dim() != 4:
        raise ValueError("maxpool2d_unfold: H must be a 4-dim tensor (N, C, H, W)")
    kH, kW = _two(kernel_size, "kernel_size")
    sH, sW = (kH, kW) if stride is None else _two(stride, "stride")
    if kH < 1 or kW < 1 or sH < 1 or sW < 1:
        raise ValueError(f"maxpool2d_unfold: kernel {(kH, kW)} and stride {(sH, sW)} must be positive")
    N, C, height, width = H.shape
    if kH > height or kW > width:
        raise ValueError(f"maxpool2d_unfold: kernel {(kH, kW)} does not fit the input {(height, width)}")
    H_out = (height - kH) // sH + 1
    W_out = (width - kW) // sW + 1
    # position[t, l]: flat input position of tap t (row-major in the window) of window l
    rows = torch.arange(kH).view(kH, 1, 1, 1) + (torch.arange(H_out) * sH).view(1, 1, H_out, 1)
    cols = torch.arange(kW).view(1, kW, 1, 1) + (torch.arange(W_out) * sW).view(1, 1, 1, W_out)
    position = (rows * width + cols).reshape(kH * kW, H_out * W_out)
    K, L = position.shape
    flat = H.reshape(N, C, height * width)
    windows = torch.gather(flat, 2, position.reshape(1, 1, -1).expand(N, C, -1)).view(N, C, K, L)
    values = windows.amax(dim=2)                                          # N x C x L
    tap = torch.arange(K).view(1, 1, K, 1).expand(N, C, K, L)
    first = torch.where(windows == values.unsqueeze(2), tap, torch.full_like(tap, K)).amin(dim=2)
    indices = torch.gather(position.unsqueeze(0).unsqueeze(0).expand(N, C, K, L), 2, first.unsqueeze(2)).squeeze(2)
    return values.view(N, C, H_out, W_out), indices.view(N, C, H_out, W_out)


def maxpool2d_backward(dout, indices, input_shape):
    """Gradient w.r.t. the pooling input (input_shape): each window's dout added at its argmax."""
    if not isinstance(dout, torch.Tensor) or dout.dim() != 4:
        raise ValueError("maxpool2d_backward: dout must be a 4-dim tensor")
    if not isinstance(indices, torch.Tensor) or indices.shape != dout.shape:
        raise ValueError(f"maxpool2d_backward: indices must have dout's shape {tuple(dout.shape)}")
    shape = tuple(int(v) for v in input_shape)
    if len(shape) != 4 or shape[:2] != tuple(dout.shape[:2]):
        raise ValueError(f"maxpool2d_backward: input_shape {shape} must be (N, C, H, W) matching dout")
    N, C, height, width = shape
    plane = height * width
    offsets = torch.arange(N * C).view(N, C, 1, 1) * plane
    target = (indices.to(torch.int64) + offsets).reshape(-1)
    grad = torch.zeros(N * C * plane, dtype=dout.dtype)
    grad.index_add_(0, target, dout.reshape(-1))
    return grad.view(N, C, height, width)
