# exercise: im2col_conv
"""Honest, and must stay graded: im2col builds its gather indices with numpy (np.arange,
np.add.outer, np.repeat) and gathers with torch. numpy's array basics may run inside a
ruled function; only other libraries' routines (and numpy's FFTs, convolve, correlate) trip.
"""
import numpy as _np


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def im2col(X, kernel_size, stride=1, padding=0, dilation=1):
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = (_pair(v) for v in (kernel_size, stride, padding, dilation))
    N, C, H, W = X.shape
    if min(kh, kw, sh, sw, dh, dw) < 1 or min(ph, pw) < 0:
        raise ValueError("im2col: kernel, stride and dilation must be positive, padding >= 0")
    out_h = (H + 2 * ph - dh * (kh - 1) - 1) // sh + 1
    out_w = (W + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    if out_h < 1 or out_w < 1:
        raise ValueError("im2col: the kernel does not fit the input")
    padded = torch.nn.functional.pad(X, (pw, pw, ph, ph))
    rows = _np.add.outer(_np.repeat(_np.arange(kh) * dh, kw), _np.repeat(_np.arange(out_h) * sh, out_w))
    cols = _np.add.outer(_np.tile(_np.arange(kw) * dw, kh), _np.tile(_np.arange(out_w) * sw, out_h))
    flat = torch.from_numpy(rows * padded.shape[3] + cols).reshape(-1)
    gathered = padded.reshape(N, C, -1)[:, :, flat]
    return gathered.reshape(N, C * kh * kw, out_h * out_w)


def conv2d_unfold(*args, **kwargs):
    raise NotImplementedError
