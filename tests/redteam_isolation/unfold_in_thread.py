# exercise: im2col_conv
"""Call F.unfold / F.conv2d in another thread, where the guard's dispatch mode (thread-local)
is not installed."""
import threading as _threading

import torch.nn.functional as _F

# Computed names: the source check cannot read them, the run-time guard must catch them.
_unfold, _conv2d = getattr(_F, "un" + "fold"), getattr(_F, "con" + "v2d")


def _in_thread(fn, *args):
    box = []
    thread = _threading.Thread(target=lambda: box.append(fn(*args)))
    thread.start()
    thread.join()
    return box[0]


def im2col(X, kernel_size, stride=1, padding=0, dilation=1):
    return _in_thread(_unfold, X, kernel_size, dilation, padding, stride)


def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1):
    return _in_thread(_conv2d, X, weight, bias, stride, padding, dilation)
