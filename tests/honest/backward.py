"""col2im with loops over kernel taps, the convolution's gradients (honest submission, issue 9)."""
import torch
import torch.nn.functional as F

from im2col_conv import conv2d_unfold, im2col
from output_size import calculate_out


def _two(v):
    return (v, v) if isinstance(v, int) else (int(v[0]), int(v[1]))


def col2im(cols, output_size, kernel_size, stride=1, padding=0, dilation=1):
    height, width = _two(output_size)
    kh, kw = _two(kernel_size)
    sh, sw = _two(stride)
    ph, pw = _two(padding)
    dh, dw = _two(dilation)
    ho, wo = calculate_out((1, 1, height, width), (kh, kw), (sh, sw), (dh, dw), (ph, pw))
    n, rows, length = cols.shape
    if rows % (kh * kw) or length != ho * wo:
        raise ValueError(f"cols {tuple(cols.shape)} do not fit a {height}x{width} image with this kernel")
    c = rows // (kh * kw)
    grid = cols.reshape(n, c, kh, kw, ho, wo)
    image = torch.zeros(n, c, height + 2 * ph, width + 2 * pw, dtype=cols.dtype)
    for i in range(kh):
        for j in range(kw):
            image[:, :, i * dh:i * dh + sh * (ho - 1) + 1:sh, j * dw:j * dw + sw * (wo - 1) + 1:sw] += grid[:, :, i, j]
    return image[:, :, ph:ph + height, pw:pw + width]


def conv2d_backward(dout, X, weight, stride=1, padding=0, dilation=1):
    c_out = weight.shape[0]
    g = dout.reshape(dout.shape[0], c_out, -1)
    cols = im2col(X, tuple(weight.shape[2:]), stride, padding, dilation)
    dW = torch.einsum("nol,nkl->ok", g, cols).reshape(weight.shape)
    dcols = torch.einsum("ok,nol->nkl", weight.reshape(c_out, -1), g)
    dX = col2im(dcols, tuple(X.shape[2:]), tuple(weight.shape[2:]), stride, padding, dilation)
    return dX, dW, dout.sum(dim=(0, 2, 3))


class Conv2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, X, weight, bias, stride=1, padding=0, dilation=1):
        ctx.save_for_backward(X, weight)
        ctx.conf = (stride, padding, dilation, bias is not None)
        return conv2d_unfold(X, weight, bias, stride, padding, dilation)

    @staticmethod
    def backward(ctx, dout):
        X, weight = ctx.saved_tensors
        stride, padding, dilation, has_bias = ctx.conf
        dX, dW, db = conv2d_backward(dout, X, weight, stride, padding, dilation)
        return dX, dW, (db if has_bias else None), None, None, None
