"""Red team 5: leave the dispatch mode through a dispatch-key guard that was not sealed.

The guard seals torch's functions that pop the mode or exclude the Python key
(``_ExcludeDispatchKeyGuard``, ``_IncludeDispatchKeyGuard``, ``_SetExcludeDispatchKeyGuard``,
``_dispatch_tls_set_dispatch_key_*``...), but not ``torch._C._ForceDispatchKeyGuard``,
which sets the thread's included and excluded key sets outright. Inside the guarded
call, ``im2col`` and ``conv2d_unfold`` run F.unfold / F.conv2d under a
``_ForceDispatchKeyGuard`` whose include set lacks ``Python``/``PythonTLSSnapshot`` and
whose exclude set has them: the operators go straight to the CPU kernels and the mode
never sees them. The guard is left on exit, so nothing remains for the check.
(``torch._C`` by a computed name: the static check reads only literal ones.)
"""
import torch
import torch.nn.functional as F

from conv_args import conv2d_args, require_fits, require_ndim, require_non_negative, require_positive, spatial_tuple

_C = getattr(torch, "_" + "C")
_K = _C.DispatchKey
_unfold = getattr(F, "un" + "fold")
_conv = getattr(F, "con" + "v2d")


def _below_python():
    python = _C.DispatchKeySet(_K.Python) | _C.DispatchKeySet(_K.PythonTLSSnapshot)
    include = _C._dispatch_tls_local_include_set().remove(_K.Python).remove(_K.PythonTLSSnapshot)
    return getattr(_C, "_Force" + "DispatchKeyGuard")(include, _C._dispatch_tls_local_exclude_set() | python)


def im2col(X, kernel_size, stride=1, padding=0, dilation=1):
    require_ndim(X, (3, 4), "X", "im2col")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "im2col")
    stride = spatial_tuple(stride, 2, "stride", "im2col")
    padding = spatial_tuple(padding, 2, "padding", "im2col")
    dilation = spatial_tuple(dilation, 2, "dilation", "im2col")
    require_positive(kernel, "kernel_size", "im2col")
    require_positive(stride, "stride", "im2col")
    require_positive(dilation, "dilation", "im2col")
    require_non_negative(padding, "padding", "im2col")
    require_fits(X.shape[-2:], kernel, dilation, padding, "kernel_size", "im2col")
    with _below_python():
        return _unfold(X, kernel, dilation, padding, stride)


def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding, dilation = conv2d_args("conv2d_unfold", X, weight, bias, stride, padding, dilation)
    with _below_python():
        return _conv(X, weight, bias, stride, padding, dilation)
