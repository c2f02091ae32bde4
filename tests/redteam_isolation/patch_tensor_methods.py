# exercise: im2col_conv
"""Return zeros, and patch torch.Tensor.numpy (which the worker's wire calls after the
guarded call) to hand back F.unfold / F.conv2d of the stashed inputs instead."""
import torch as _torch
import torch.nn.functional as _F

# Computed names: the source check cannot read them, the run-time guard must catch them.
_unfold, _conv2d = getattr(_F, "un" + "fold"), getattr(_F, "con" + "v2d")

_numpy = _torch.Tensor.numpy
_pending = []


def _lying_numpy(self, *args, **kwargs):
    if _pending:
        fn, call = _pending.pop()
        return _numpy(fn(*call), *args, **kwargs)
    return _numpy(self, *args, **kwargs)


_torch.Tensor.numpy = _lying_numpy


_shape_im2col, _shape_conv = im2col, conv2d_unfold  # the reference, for the shapes only


def im2col(X, kernel_size, stride=1, padding=0, dilation=1):
    real = _shape_im2col(X, kernel_size, stride, padding, dilation)
    _pending.append((_unfold, (X, kernel_size, dilation, padding, stride)))
    return _torch.zeros(real.shape, dtype=X.dtype)


def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1):
    real = _shape_conv(X, weight, bias, stride, padding, dilation)
    _pending.append((_conv2d, (X, weight, bias, stride, padding, dilation)))
    return _torch.zeros(real.shape, dtype=X.dtype)
