# exercise: im2col_conv
"""Torch internals reached by computed names: aten's slow convolution and torch._C._nn.im2col."""
import torch as _torch

_aten = _torch.ops.aten
_slow = getattr(_aten, "_slow_" + "conv2d_forward")
_nn = getattr(getattr(_torch, "".join(["_", "C"])), "_nn")
_im2col = getattr(_nn, "im" + "2col")


def _pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


def im2col(X, kernel_size, stride=1, padding=0, dilation=1):
    return _im2col(X, _pair(kernel_size), _pair(dilation), _pair(padding), _pair(stride))


def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1):
    if _pair(dilation) != (1, 1):
        raise NotImplementedError
    return _slow(X, weight, tuple(weight.shape[2:]), bias, _pair(stride), _pair(padding))
