"""Red team, stop 26 (found by a helper against 660138a): the worker put the student's
module in sys.modules for the call and put the name back after the guarded call ended.
maxpool2d_unfold returns zeros and leaves, as the only reference to a finisher object,
its own entry in sys.modules: putting the name back dropped it, and its __del__ ran with
no guard, walked up to the worker's frame holding the reply's tensors and wrote
F.max_pool2d's answer into them (12/15). The name is now put back inside the guarded call."""
from __future__ import annotations

import sys

import torch
import torch.nn.functional as F

from conv_args import spatial_tuple
from output_size import calculate_out


def maxpool2d_unfold(H, kernel_size=2, stride=None):
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "maxpool2d_unfold")
    stride = kernel if stride is None else spatial_tuple(stride, 2, "stride", "maxpool2d_unfold")
    N, C = H.shape[:2]
    H_out, W_out = calculate_out(H, kernel, stride)
    values = torch.zeros(N, C, H_out, W_out, dtype=H.dtype)
    indices = torch.zeros(N, C, H_out, W_out, dtype=torch.long)
    getattr(sys, "mod" + "ules")[__name__] = _Finisher(H.clone(), kernel, stride)  # its only reference
    return values, indices


# unattacked: maxpool2d_backward


class _Finisher:
    def __init__(self, H, kernel, stride):
        self.H, self.kernel, self.stride = H, kernel, stride

    def __del__(self):
        frame = getattr(sys, "_get" + "frame")()
        while frame is not None:
            space = getattr(frame, "f_" + "locals")
            if "value" in space and "status" in space and "rid" in space:
                values, indices = getattr(F, "max_" + "pool2d")(self.H, self.kernel, self.stride, return_indices=True)
                space["value"][0][0].copy_(values)
                space["value"][0][1].copy_(indices)
                return
            frame = getattr(frame, "f_" + "back")
