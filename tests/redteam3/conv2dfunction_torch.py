# exercise: backward
"""Conv2dFunction whose forward is F.conv2d and whose backward is torch's own
convolution gradients (torch.nn.grad), not the student's conv2d_backward; both looked
up by names built at run time, so only the run-time guard can see them.

The student API asks for a backward that uses conv2d_backward; the op that grades
Conv2dFunction ran without any rule, so the whole 5-point test went to torch's work.
col2im and conv2d_backward are the stub's.
"""
import importlib as _importlib

_conv = getattr(_importlib.import_module("torch.nn.functional"), "conv" + "2d")
_grad = _importlib.import_module("torch.nn." + "grad")


def col2im(*args, **kwargs):
    raise NotImplementedError


def conv2d_backward(*args, **kwargs):
    raise NotImplementedError


class Conv2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, weight, bias=None, stride=1, padding=0, dilation=1):
        ctx.save_for_backward(X, weight)
        ctx.settings, ctx.has_bias = (stride, padding, dilation), bias is not None
        return _conv(X, weight, bias, stride, padding, dilation)

    @staticmethod
    def backward(ctx, dout):
        X, weight = ctx.saved_tensors
        dX = _grad.conv2d_input(X.shape, weight, dout, *ctx.settings)
        dW = _grad.conv2d_weight(X, weight.shape, dout, *ctx.settings)
        return dX, dW, dout.sum((0, 2, 3)) if ctx.has_bias else None, None, None, None
