"""Red team 5: F.max_pool2d inside a TorchScript function compiled at import.

The TorchScript interpreter runs its graph's operators in C++; the question is whether
they still go through the dispatcher's Python key (and so the guard's mode) when the
compiled function is called inside the guarded call. (Expected: yes.)
"""
import torch
import torch.nn.functional as F

from conv_args import require_fits, require_ndim, require_positive, spatial_tuple

_source = '''
def pool(H: torch.Tensor, kh: int, kw: int, sh: int, sw: int):
    return torch.nn.functional.max_pool2d_with_indices(H, [kh, kw], [sh, sw])
'''.replace("max_pool2d_with_indices", "max_" + "pool2d_with_indices")
_pool = torch.jit.CompilationUnit(_source).pool


def maxpool2d_unfold(H, kernel_size=2, stride=None):
    require_ndim(H, (4,), "H", "maxpool2d_unfold")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "maxpool2d_unfold")
    stride = kernel if stride is None else spatial_tuple(stride, 2, "stride", "maxpool2d_unfold")
    require_positive(kernel, "kernel_size", "maxpool2d_unfold")
    require_positive(stride, "stride", "maxpool2d_unfold")
    require_fits(H.shape[2:], kernel, (1, 1), (0, 0), "kernel_size", "maxpool2d_unfold")
    return _pool(H, kernel[0], kernel[1], stride[0], stride[1])


def maxpool2d_backward(dout, indices, input_shape):
    raise NotImplementedError
