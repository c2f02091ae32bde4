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


# col2im is the reference's, spliced in at test time (tests/hostile_class.py): honest; the
# attack is conv2d_backward's derivative.
# reference: backward.col2im

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
