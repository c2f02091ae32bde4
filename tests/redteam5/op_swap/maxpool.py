"""Red team 5: swap the Python callable behind an ALLOWED aten operator.

When the guard's dispatch mode has let an operator through it runs ``func(*args)``;
``func`` is torch's Python ``OpOverload``, whose ``__call__`` runs ``self._op``, a
plain instance attribute (torch swaps it itself). Nothing watches OpOverload objects.
At import, ``aten.fmax.default._op`` becomes a function of this file. In the guarded
call, ``maxpool2d_unfold`` stashes its arguments and calls ``torch.fmax`` on two tiny
tensors: the mode sees ``fmax`` (allowed) and calls the swapped callable, which runs
while torch has popped the mode off its stack (inside ``__torch_dispatch__``), so
``F.max_pool2d`` there is never seen. The trace hook lets it through too: the
callable is the submission's own code and F.max_pool2d is torch.
"""
import torch
import torch.nn.functional as F

from conv_args import require_fits, require_ndim, require_positive, spatial_tuple

_op = getattr(getattr(torch, "o" + "ps").aten.fmax, "default")
_real = _op._cpp_dispatch_handle
_pool = getattr(F, "max_" + "pool2d")
_box = []


def _swapped(*args, **kwargs):
    if _box and _box[-1] is None:
        H, kernel, stride = _box[0]
        _box[-1] = _pool(H, kernel, stride, return_indices=True)
    return _real(*args, **kwargs)


setattr(_op, "_op", _swapped)


def maxpool2d_unfold(H, kernel_size=2, stride=None):
    require_ndim(H, (4,), "H", "maxpool2d_unfold")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "maxpool2d_unfold")
    stride = kernel if stride is None else spatial_tuple(stride, 2, "stride", "maxpool2d_unfold")
    require_positive(kernel, "kernel_size", "maxpool2d_unfold")
    require_positive(stride, "stride", "maxpool2d_unfold")
    require_fits(H.shape[2:], kernel, (1, 1), (0, 0), "kernel_size", "maxpool2d_unfold")
    _box[:] = [(H, kernel, stride), None]
    torch.fmax(torch.zeros(1), torch.zeros(1))  # the mode lets fmax through; its callable pools
    values, indices = _box[-1]
    _box.clear()
    return values, indices


def maxpool2d_backward(dout, indices, input_shape):
    raise NotImplementedError
