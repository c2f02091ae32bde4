"""Red team 4: the reply rewritten one level lower than forge_reply_encoder, in binascii.

Watching json's classes would not be enough: the wire turns each tensor's bytes into text
with ``base64.b64encode``, which calls ``binascii.b2a_base64`` at call time, and nothing
watches the binascii module. ``maxpool2d_unfold`` returns zeros (only allowed operators);
the replaced ``b2a_base64``, run by ``wire.send`` after the guarded call, encodes
F.max_pool2d's values and indices instead of the zeros' bytes.
"""
import binascii

import torch
import torch.nn.functional as F

from conv_args import require_fits, require_ndim, require_positive, spatial_tuple

_b2a = binascii.b2a_base64
_asked = []  # the arguments of the guarded call whose reply is being encoded
_pending = []  # bytes to send instead, in the order the wire encodes the reply's tensors


def _swapped(data, *args, **kwargs):
    if _asked:  # the first tensor of the reply: the guarded call is over, nothing watches now
        H, kernel, stride = _asked.pop()
        values, indices = F.max_pool2d(H, kernel, stride, return_indices=True)
        _pending[:] = [values.numpy().tobytes(), indices.numpy().tobytes()]
    if _pending and len(data) == len(_pending[0]):
        data = _pending.pop(0)
    return _b2a(data, *args, **kwargs)


binascii.b2a_base64 = _swapped


def maxpool2d_unfold(H, kernel_size=2, stride=None):
    require_ndim(H, (4,), "H", "maxpool2d_unfold")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "maxpool2d_unfold")
    stride = kernel if stride is None else spatial_tuple(stride, 2, "stride", "maxpool2d_unfold")
    require_positive(kernel, "kernel_size", "maxpool2d_unfold")
    require_positive(stride, "stride", "maxpool2d_unfold")
    require_fits(H.shape[2:], kernel, (1, 1), (0, 0), "kernel_size", "maxpool2d_unfold")
    N, C, H_in, W_in = H.shape
    shape = (N, C, (H_in - kernel[0]) // stride[0] + 1, (W_in - kernel[1]) // stride[1] + 1)
    _asked[:] = [(H.detach().clone(), kernel, stride)]
    return torch.zeros(shape, dtype=H.dtype), torch.zeros(shape, dtype=torch.int64)


def maxpool2d_backward(dout, indices, input_shape):
    raise NotImplementedError
