"""Red team 4: answers computed before grading, from the inputs the grader will draw.

The run seed is 0 unless the instructor passes --seed, and a submission's seed is the
run seed hashed with the student id, which the student knows (the folder name). Anyone
with the grader's source can therefore run the hidden suite offline under their own id,
record every call it makes and store torch's answers in a table (``answers.pt``, made by
tests/redteam4/_precompute.py). The functions below validate their arguments as the
reference does, then look the answer up: at run time they reach only allowed operators
(a hash of the input's bytes and a clone), so neither the static check nor the guard
has anything to see. An input not in the table gets zeros.
"""
import os

import torch

from _key import key
from conv_args import conv2d_args, require_fits, require_ndim, require_non_negative, require_positive, spatial_tuple

_TABLE = torch.load(os.path.join(os.path.dirname(os.path.abspath(__file__)), "answers.pt"))


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
    found = _TABLE.get(key("im2col", [X], (kernel, stride, padding, dilation)))
    return found.clone() if found is not None else torch.zeros(1)


def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1):
    stride, padding, dilation = conv2d_args("conv2d_unfold", X, weight, bias, stride, padding, dilation)
    found = _TABLE.get(key("conv2d_unfold", [X, weight, bias], (stride, padding, dilation)))
    return found.clone() if found is not None else torch.zeros(1)
