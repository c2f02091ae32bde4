"""Red team 4: more ruled calls, more fresh workers (see im2col_conv.py)."""
from _plant import key  # noqa: F401


def col2im(cols, output_size, kernel_size, stride=1, padding=0, dilation=1):
    raise NotImplementedError


def conv2d_backward(dout, X, weight, stride=1, padding=0, dilation=1):
    raise NotImplementedError


class Conv2dFunction:
    pass
