"""Red team 9, false refusal "an honest pooling that lets torch reject a bad kernel size":
an HONEST maxpool2d_unfold (F.unfold, allowed there) that skips argument checks is
reported as tampering instead of failing one test.

The grader's bad_input test calls ``maxpool2d_unfold(H, 0)``. Here the RuntimeError comes
from torch's im2col CPU kernel, which runs inside the guard's Python kernel wrapper, so the
exception's traceback holds one of the wrapper's frames. The worker formats the error with
``traceback.extract_tb``, which reads ``tb_frame``; the hook sees a frame of hidden code
handed out and refuses: the reply is ``forbidden: tampering`` and the worker exits, where
the student should have lost the 1 point of bad_input. No hostile code at all.
"""
import torch
import torch.nn.functional as F


def maxpool2d_unfold(H, kernel_size=2, stride=None):
    kH, kW = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    stride = (kH, kW) if stride is None else stride
    sH, sW = (stride, stride) if isinstance(stride, int) else stride
    N, C, H_in, W_in = H.shape
    cols = F.unfold(H, (kH, kW), stride=(sH, sW))
    H_out, W_out = (H_in - kH) // sH + 1, (W_in - kW) // sW + 1
    cols = cols.view(N, C, kH * kW, H_out * W_out)
    values, within = cols.max(dim=2)
    corner = (torch.arange(H_out).view(-1, 1) * (sH * W_in) + torch.arange(W_out) * sW).view(-1)
    offset = (torch.arange(kH).view(-1, 1) * W_in + torch.arange(kW)).view(-1)
    indices = offset[within] + corner
    return values.view(N, C, H_out, W_out), indices.view(N, C, H_out, W_out)


def maxpool2d_backward(dout, indices, input_shape):
    raise NotImplementedError
