# exercise: im2col_conv
"""An honest bug: im2col copies its columns into torch.zeros(...) with no dtype, so a
float64 image comes back as float32 columns (F.unfold keeps the dtype). conv2d_unfold is
the reference's, built on this im2col, so a float64 convolution multiplies float64
weights by float32 columns.
"""
_reference_im2col = im2col


def im2col(X, kernel_size, stride=1, padding=0, dilation=1):
    columns = _reference_im2col(X, kernel_size, stride, padding, dilation)
    copy = torch.zeros(columns.shape)  # the bug: float32 whatever X is
    copy[:] = columns
    return copy
