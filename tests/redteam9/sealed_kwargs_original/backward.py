"""Red team 9, route "a sealed function called with its bound keywords overridden":
conv2d_backward runs torch.autograd.grad (forbidden there) with the guard's mode popped.

A sealed function is ``_sealed``'s code with keyword-only arguments bound as *defaults*
(``__kwdefaults__``): a caller may pass them. At import (no ruled call),
``torch._C._pop_torch_dispatch_stack(_isinstance=spy)`` (computed names) runs the trusted
code, so the hook authenticates it by its frame's code and puts the ORIGINAL function in
the box, which the code hands to ``_isinstance(box[-1], ...)``: the spy keeps it (and the
same for ``_push_on_torch_dispatch_stack``). In the ruled call the original pops the
mode; ``torch.autograd.grad`` of ``W_row @ cols`` gives dW and the columns' gradient (no
wrapped kernel is reached, so the kernel tripwires stay silent), and dX is the student's
col2im of that (the grader checks dX goes through col2im); the original pushes the mode
back before the call returns, so nothing is left for on_returned to see.
"""
import torch

from conv_args import conv2d_args, require_ndim
from output_size import calculate_out

_C = getattr(torch, "_" + "C")


def _original(name):
    kept = []

    def spy(value, base):
        kept.append(value)
        return True  # "raise" it: a TypeError, caught below

    try:
        getattr(_C, name)(_isinstance=spy)
    except TypeError:
        pass
    return kept[0]


_POP = _original("_pop_torch" + "_dispatch_stack")
_PUSH = _original("_push_on_torch" + "_dispatch_stack")
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
    mode = _POP(None)
    try:
        with torch.enable_grad():
            c = cols.detach().requires_grad_()
            w = weight.detach().requires_grad_()
            out = w.reshape(w.shape[0], -1) @ c  # (N, C_out, L)
            dcols, dW = _GRAD(out, (c, w), dout.reshape(out.shape))
        dcols, dW = dcols.detach(), dW.detach()
    finally:
        _PUSH(mode)
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
