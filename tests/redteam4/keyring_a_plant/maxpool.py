"""Red team 4: more ruled calls, more fresh workers (see im2col_conv.py)."""
from _plant import key  # noqa: F401


def maxpool2d_unfold(H, kernel_size=2, stride=None):
    raise NotImplementedError


def maxpool2d_backward(dout, indices, input_shape):
    raise NotImplementedError
