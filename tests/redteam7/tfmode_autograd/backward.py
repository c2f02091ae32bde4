"""Red team 7: conv2d_backward IS autograd, run where the guard's dispatch mode is off the stack.

1. The submission's own audit hook (added at import) runs with tracing suspended: the trace
   hook never sees its frames.
2. A TorchFunctionMode (not sealed) whose __torch_function__ is a bound method wrapping a C
   callable, functools.partial(sys.audit, ...): when the guard's mode calls an allowed
   operator's entry point (run(*args) in Tripwire.__torch_dispatch__), the entry point hands
   the call to the function mode, so the audit hook runs while the dispatch mode is popped.
3. The op is started from C++ (UntypedStorage.fill_ -> at::empty), which skips torch-function
   handling at the top level, so the first place the function mode is consulted is the guard's.
4. In the hook: autograd over an unfold + matmul forward. The engine's operators never reach
   the dispatch mode (no autograd check); the wrapped kernels it reaches (im2col, col2im) are
   on this rule's allowlist.
"""
from __future__ import annotations

import functools
import importlib
import sys
import types

import torch
import torch.nn.functional as F

from conv_args import IntOrTuple, conv2d_args, require_fits, require_ndim, require_non_negative, require_positive, spatial_tuple
from output_size import calculate_out

_overrides = importlib.import_module("torch.over" + "rides")
_TF = "__torch_" + "function__"
_grad = getattr(torch.autograd, "gr" + "ad")
_job, _out = [], []


def _hook(event, args):
    if event != "rt7.work" or not _job:
        return
    out, inputs, dout = _job.pop()
    _out.append(_grad(out, inputs, dout))  # the engine, with the guard's mode off the stack


sys.addaudithook(_hook)


class _Mode(_overrides.TorchFunctionMode):
    pass


# col2im: the reference's (honest); the attack is conv2d_backward's derivative.
def col2im(
    cols: torch.Tensor,
    output_size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> torch.Tensor:
    """Fold columns back into an image, summing overlaps, like ``F.fold``.

    Args:
        cols: batch x (channel * kH * kW) x L (or (channel * kH * kW) x L), laid out
            as ``im2col`` produces them.
        output_size: the image's (height, width).
        kernel_size, stride, padding, dilation: an int or a pair (height, width).

    Returns:
        batch x channel x height x width, equal to
        ``F.fold(cols, output_size, kernel_size, dilation, padding, stride)``.
    """
    require_ndim(cols, (2, 3), "cols", "col2im")
    size = spatial_tuple(output_size, 2, "output_size", "col2im")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "col2im")
    stride = spatial_tuple(stride, 2, "stride", "col2im")
    padding = spatial_tuple(padding, 2, "padding", "col2im")
    dilation = spatial_tuple(dilation, 2, "dilation", "col2im")
    for name, value in (("output_size", size), ("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
        require_positive(value, name, "col2im")
    require_non_negative(padding, "padding", "col2im")
    require_fits(size, kernel, dilation, padding, "kernel_size", "col2im")
    if cols.dim() == 2:
        return col2im(cols.unsqueeze(0), size, kernel, stride, padding, dilation).squeeze(0)
    H_out, W_out = calculate_out((1, 1) + size, kernel, stride, dilation, padding)
    kH, kW = kernel
    if cols.shape[1] % (kH * kW) or cols.shape[2] != H_out * W_out:
        raise ValueError(
            f"col2im: cols of shape {tuple(cols.shape)} do not match kernel {kernel} and output_size "
            f"{size}: expected (N, C*{kH * kW}, {H_out * W_out})"
        )
    N, C = cols.shape[0], cols.shape[1] // (kH * kW)
    (H, W), (sH, sW), (pH, pW), (dH, dW) = size, stride, padding, dilation
    blocks = cols.reshape(N, C, kH, kW, H_out, W_out)
    image = cols.new_zeros(N, C, H + 2 * pH, W + 2 * pW)
    # One strided add per kernel element: windows overlap, so the same pixel may be hit by several.
    for i in range(kH):
        for j in range(kW):
            top, left = i * dH, j * dW
            image[:, :, top : top + sH * (H_out - 1) + 1 : sH, left : left + sW * (W_out - 1) + 1 : sW] += blocks[:, :, i, j]
    return image[:, :, pH : pH + H, pW : pW + W]
    

def conv2d_backward(dout, X, weight, stride=1, padding=0, dilation=1):
    stride, padding, dilation = conv2d_args("conv2d_backward", X, weight, None, stride, padding, dilation)
    require_ndim(dout, (4,), "dout", "conv2d_backward")
    kernel = tuple(weight.shape[2:])
    expected = (X.shape[0], weight.shape[0]) + calculate_out(X, kernel, stride, dilation, padding)
    if tuple(dout.shape) != expected:
        raise ValueError(f"conv2d_backward: dout must have shape {expected}, got {tuple(dout.shape)}")
    # The forward graph, built here under the mode: unfold + matmul, all allowed operators.
    with torch.enable_grad():
        Wr = weight.detach().clone().requires_grad_()
        cols = F.unfold(X, kernel, dilation, padding, stride).requires_grad_()
        out = (Wr.reshape(weight.shape[0], -1) @ cols).reshape(dout.shape)
    _job[:] = [(out, (cols, Wr), dout)]
    _out.clear()
    storage = torch.zeros(1).untyped_storage()
    mode = _Mode()
    setattr(mode, _TF, types.MethodType(functools.partial(sys.audit, "rt7.work"), mode))
    with mode:
        try:
            storage.fill_(0)  # C++ at::empty -> guard's mode (allowed) -> run() -> our function mode -> hook
        except Exception:  # "Expected a proper Tensor but got None": the hook returned nothing
            pass
    dcols, dW = _out.pop()  # both from the autograd engine
    dX = col2im(dcols.detach(), tuple(X.shape[2:]), kernel, stride, padding, dilation)
    return dX, dW.detach(), dout.sum((0, 2, 3))


class Conv2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, weight, bias=None, stride=1, padding=0, dilation=1):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError
