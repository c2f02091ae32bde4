# exercise: loop_conv
"""An honest bug: conv2d_loop convolves the first image of the batch for every sample
(``X[0]`` where ``X[n]`` was meant): right whenever the batch has one image, as in the
course's example. The Conv1D/Conv2D/MaxPool1D classes are the reference's.
"""
_reference_conv2d_loop = conv2d_loop


def conv2d_loop(X, weight, bias=None, stride=1, padding=0, dilation=1):
    first = _reference_conv2d_loop(X[:1], weight, bias, stride, padding, dilation)
    return first.expand(X.shape[0], -1, -1, -1).clone()
