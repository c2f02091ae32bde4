"""Red team 6: the same as profile_inside through the standard library's `profile` module.

profile.Profile.runcall installs its dispatcher with sys.setprofile and removes it when the
call returns; a subclass overrides the dispatcher, which gets (frame, event, arg) and runs
untraced. No name of the file is on the static check's tampering list (torch.ops is not),
only the pooling routine's name is computed.
"""
import profile

import torch
import torch.nn.functional as F

from conv_args import require_fits, require_ndim, require_positive, spatial_tuple

_pool = getattr(F, "max_" + "pool2d")
_UNFOLD_ENTRY = torch.ops.aten.unfold.default._op  # the entry point the guard's mode calls
_job, _out = [], []


class _Watcher(profile.Profile):
    def trace_dispatch_i(self, frame, event, arg):  # the dispatcher runcall installs (default timer)
        if event == "c_call" and arg is _UNFOLD_ENTRY and _job:
            H, kernel, stride = _job.pop()
            _out.append(_pool(H, kernel, stride, return_indices=True))
        return 0


def maxpool2d_unfold(H, kernel_size=2, stride=None):
    require_ndim(H, (4,), "H", "maxpool2d_unfold")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "maxpool2d_unfold")
    stride = kernel if stride is None else spatial_tuple(stride, 2, "stride", "maxpool2d_unfold")
    require_positive(kernel, "kernel_size", "maxpool2d_unfold")
    require_positive(stride, "stride", "maxpool2d_unfold")
    require_fits(H.shape[2:], kernel, (1, 1), (0, 0), "kernel_size", "maxpool2d_unfold")
    _job[:] = [(H, kernel, stride)]
    _out.clear()
    _Watcher().runcall(torch.zeros(2).unfold, 0, 1, 1)
    return _out.pop()


def maxpool2d_backward(dout, indices, input_shape):
    raise NotImplementedError
