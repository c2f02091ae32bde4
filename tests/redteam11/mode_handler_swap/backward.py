"""Red team 11, route "the mode class's handler swapped for part of a call": conv2d_backward
runs torch.autograd.grad (forbidden there) under a pass-through handler.

The guard's mode class is on torch's dispatch stack, and
``torch.utils._python_dispatch._get_current_dispatch_mode`` (not sealed; computed names)
hands out the mode. During the ruled call the class's handler attribute is set to a
pass-through function of the submission's for the length of the autograd computation and
put back before the call returns: torch calls the pass-through with the mode stashed, so the
operators run by the autograd engine (mm, sum, reshape's backward) are never shown to the
hook; none of them is a wrapped kernel (KERNEL_PATTERN), so no tripwire fires below the
mode. on_returned compares the class's handler with the guard's only at the end, and the
integrity check compares namespaces only after the request. The trace hook sees the
pass-through as the submission's own code. dX is the submission's col2im of the columns'
gradient (the grader checks dX goes through col2im), as in red team 9's sealed_kwargs_original.
"""
import importlib

import torch

from conv_args import conv2d_args, require_ndim
from output_size import calculate_out

_PD = importlib.import_module("torch.utils." + "_python" + "_dispatch")
_HANDLER = "__torch" + "_dispatch__"


def _passthrough(self, func, types, args=(), kwargs=None):
    return func(*args, **(kwargs or {}))


_GRAD = getattr(torch.autograd, "gr" + "ad")


def _columns(X, kernel, stride, padding, dilation):
    """im2col's columns (N, C*kH*kW, L) as a view of the zero-padded input (elementary operators only)."""
    n, c, h, w = X.shape
    padded = torch.zeros(n, c, h + 2 * padding[0], w + 2 * padding[1], dtype=X.dtype)
    padded[:, :, padding[0]:padding[0] + h, padding[1]:padding[1] + w] = X
    ho, wo = calculate_out(X, kernel, stride, dilation, padding)
    sn, sc, sh, sw = padded.stride()
    cols = padded.as_strided((n, c, kernel[0], kernel[1], ho, wo),
                             (sn, sc, sh * dilation[0], sw * dilation[1], sh * stride[0], sw * stride[1]))
    return cols.reshape(n, c * kernel[0] * kernel[1], ho * wo)


_BACKWARD = [False]


def col2im(cols, output_size, kernel_size, stride=1, padding=0, dilation=1):
    """Only for conv2d_backward (the grader checks dX goes through col2im): not attacked,
    so it scores nothing on its own tests."""
    if not _BACKWARD[0]:
        raise NotImplementedError
    (h, w), (kh, kw) = output_size, kernel_size
    n, _, length = cols.shape
    c = cols.shape[1] // (kh * kw)
    ho, wo = calculate_out((n, c, h, w), (kh, kw), stride, dilation, padding)
    blocks = cols.reshape(n, c, kh, kw, ho, wo)
    image = torch.zeros(n, c, h + 2 * padding[0], w + 2 * padding[1], dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            top, left = i * dilation[0], j * dilation[1]
            image[:, :, top:top + stride[0] * (ho - 1) + 1:stride[0], left:left + stride[1] * (wo - 1) + 1:stride[1]] += blocks[:, :, i, j]
    return image[:, :, padding[0]:padding[0] + h, padding[1]:padding[1] + w]


def conv2d_backward(dout, X, weight, stride=1, padding=0, dilation=1):
    stride, padding, dilation = conv2d_args("conv2d_backward", X, weight, None, stride, padding, dilation)
    require_ndim(dout, (4,), "dout", "conv2d_backward")
    kernel = tuple(weight.shape[2:])
    cols = _columns(X, kernel, stride, padding, dilation)
    cls = type(_PD._get_current_dispatch_mode())
    saved = vars(cls)[_HANDLER]
    setattr(cls, _HANDLER, _passthrough)
    try:
        with torch.enable_grad():
            c = cols.detach().requires_grad_()
            w = weight.detach().requires_grad_()
            out = w.reshape(w.shape[0], -1) @ c  # (N, C_out, L)
            dcols, dW = _GRAD(out, (c, w), dout.reshape(out.shape))
        dcols, dW = dcols.detach(), dW.detach()
    finally:
        setattr(cls, _HANDLER, saved)
    _BACKWARD[0] = True
    try:
        dX = col2im(dcols, tuple(X.shape[2:]), kernel, stride, padding, dilation)
    finally:
        _BACKWARD[0] = False
    result = dX, dW, dout.sum((0, 2, 3))
    return result


class Conv2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, weight, bias, stride=1, padding=0, dilation=1):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, dout):
        raise NotImplementedError
