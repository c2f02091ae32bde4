# exercise: im2col_conv
"""Start a helper thread at import (before any guard), then hand it the work: the
thread-local dispatch mode never sees it, and no thread is started during the call."""
import queue as _queue
import threading as _threading

import torch.nn.functional as _F

# Computed names: the source check cannot read them, the run-time guard must catch them.
_unfold, _conv2d = getattr(_F, "un" + "fold"), getattr(_F, "con" + "v2d")

_jobs, _answers = _queue.Queue(), _queue.Queue()


def _serve():
    while True:
        fn, args = _jobs.get()
        try:
            _answers.put(fn(*args))
        except BaseException as exc:  # noqa: BLE001
            _answers.put(exc)


_threading.Thread(target=_serve, daemon=True).start()


def im2col(X, kernel_size, stride=1, padding=0, dilation=1):
    _jobs.put((_unfold, (X, kernel_size, dilation, padding, stride)))
    return _answers.get()


def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1):
    _jobs.put((_conv2d, (X, weight, bias, stride, padding, dilation)))
    return _answers.get()
