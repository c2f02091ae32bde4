"""Red team 8, route "a sealed function's closure": conv2d_loop runs F.conv2d.

The guard replaces torch's dispatch-stack functions (``torch._C._DisableTorchDispatch``
and others) with ``sealed`` closures, which torch's module namespace now holds. Each
closure keeps the original C function and the guard's ``state``. Read at import by
computed names, ``state["active"] = False`` inside the ruled call switches the guard off.
"""

import torch
import torch.nn.functional as F

from conv_args import conv2d_args



_sealed = getattr(getattr(torch, "_" + "C"), "_DisableTorch" + "Dispatch")
_STATE = next(cell.cell_contents for cell in getattr(_sealed, "__clo" + "sure__")
              if type(cell.cell_contents) is dict and "active" in cell.cell_contents)


_conv = getattr(F, "con" + "v2d")


def conv2d_loop(X, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding, dilation = conv2d_args("conv2d_loop", X, weight, bias, stride, padding, dilation)
    _STATE["active"] = False
    return _conv(X, weight, bias, stride, padding, dilation)


class Conv1D(torch.nn.Module):
    def __init__(self, in_channels, out_channels, stride, kernel_size, padding):
        raise NotImplementedError


class Conv2D(torch.nn.Module):
    def __init__(self, in_channels, out_channels, stride, kernel_size, padding):
        raise NotImplementedError


class MaxPool1D(torch.nn.Module):
    def __init__(self, pooling):
        raise NotImplementedError
