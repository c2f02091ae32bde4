"""Red team 9, route "a signal handler inside the audit hook, a saved generator frame":
maxpool2d_unfold returns F.max_pool2d's answer.

At import (no ruled call: ``signal.signal`` is not sealed, only wrapped so the handler
gets no frame) a SIGALRM handler is set and an interval timer (computed names) fires every
0.2 ms while the module raises ``sys.audit("convkit.check", [])`` itself: the hook runs its
integrity check, thousands of Python bytecodes, and the signal handler runs *inside* it
(tracing is off in audit hooks; signal delivery is not). The handler resumes a generator
whose ``gi_frame`` was read while it was suspended (its chain was empty, so the hook let it
through); inside, that frame's ``f_back`` (not audited) climbs through the handler into the
hook's frames, and the hook's ``audit`` frame's ``f_locals`` (3.11 puts free variables
there) holds ``state``. Timer and handler are removed before import ends, so no check sees
them. The ruled call sets ``state["active"] = False`` around F.max_pool2d and back.
"""
import signal
import sys

import torch.nn.functional as F

from conv_args import require_fits, require_ndim, require_positive, spatial_tuple

_BACK, _LOCALS = "f_ba" + "ck", "f_loc" + "als"
_found = []


def _walker():
    while True:
        yield
        frame = getattr(_saved[0], _BACK)
        while frame is not None:
            state = getattr(frame, _LOCALS).get("state")
            if type(state) is dict and "active" in state and "hits" in state:
                _found.append(state)
                break
            frame = getattr(frame, _BACK)


_gen = _walker()
next(_gen)
_saved = [getattr(_gen, "gi_fr" + "ame")]  # suspended: its chain is empty, so the hook lets it go


def _handler(signum, frame):
    if not _found:
        next(_gen)


def _find_state():
    setter, timer = getattr(signal, "sig" + "nal"), getattr(signal, "set" + "itimer")
    event = getattr(sys, "au" + "dit")
    setter(signal.SIGALRM, _handler)
    timer(signal.ITIMER_REAL, 0.0002, 0.0002)
    try:
        for _ in range(100_000):
            if _found:
                break
            event("convkit.check", [])
    finally:
        timer(signal.ITIMER_REAL, 0, 0)
        setter(signal.SIGALRM, signal.SIG_DFL)
    return _found[0]


_STATE = _find_state()
_pool = getattr(F, "max_" + "pool2d")


def maxpool2d_unfold(H, kernel_size=2, stride=None):
    require_ndim(H, (4,), "H", "maxpool2d_unfold")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "maxpool2d_unfold")
    stride = kernel if stride is None else spatial_tuple(stride, 2, "stride", "maxpool2d_unfold")
    require_positive(kernel, "kernel_size", "maxpool2d_unfold")
    require_positive(stride, "stride", "maxpool2d_unfold")
    require_fits(H.shape[2:], kernel, (1, 1), (0, 0), "kernel_size", "maxpool2d_unfold")
    _STATE["active"] = False
    try:
        return _pool(H, kernel, stride, return_indices=True)
    finally:
        _STATE["active"] = True


def maxpool2d_backward(dout, indices, input_shape):
    raise NotImplementedError
