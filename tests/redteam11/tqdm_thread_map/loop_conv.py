"""Red team, stop 26: tqdm's code may now run in a graded function. This submission asks
tqdm.contrib.concurrent.thread_map to compute conv2d_loop's output rows in a pool of
threads, where the guard's dispatch mode (which is per thread) does not reach."""
from __future__ import annotations

import torch
import torch.nn.functional as F
from tqdm.contrib.concurrent import thread_map


def conv2d_loop(X, weight, bias=None, stride=1, padding=0, dilation=1):
    conv = getattr(F, "conv" + "2d")
    rows = thread_map(lambda n: conv(X[n : n + 1], weight, bias, stride, padding, dilation), range(X.shape[0]),
                      max_workers=2, disable=True)
    return torch.cat(rows)


# unattacked: Conv1D Conv2D MaxPool1D
