# exercise: im2col_conv
"""Return a lazy tensor subclass: the function itself runs no operator, and the
subclass computes F.unfold / F.conv2d only when the worker reads its data."""
import torch as _torch
import torch.nn.functional as _F

# Computed names: the source check cannot read them, the run-time guard must catch them.
_unfold, _conv2d = getattr(_F, "un" + "fold"), getattr(_F, "con" + "v2d")


class _Lazy(_torch.Tensor):
    @staticmethod
    def __new__(cls, compute, shape, dtype):
        return _torch.Tensor._make_wrapper_subclass(cls, shape, dtype=dtype)

    def __init__(self, compute, shape, dtype):
        self.compute = compute


def _handler(cls, func, types, args=(), kwargs=None):
    args = [a.compute() if isinstance(a, _Lazy) else a for a in args]
    return func(*args, **(kwargs or {}))


setattr(_Lazy, "__torch_" + "dispatch__", classmethod(_handler))


_shape_im2col, _shape_conv = im2col, conv2d_unfold  # the reference, for the shapes only


def im2col(X, kernel_size, stride=1, padding=0, dilation=1):
    shape = _shape_im2col(X[:, :1], kernel_size, stride, padding, dilation).shape
    shape = (shape[0], shape[1] * X.shape[1], shape[2])
    return _Lazy(lambda: _unfold(X, kernel_size, dilation, padding, stride), shape, X.dtype)


def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1):
    shape = _shape_conv(X, weight, bias, stride, padding, dilation).shape
    return _Lazy(lambda: _conv2d(X, weight, bias, stride, padding, dilation), shape, X.dtype)
