"""Exercise 3 - convolution as one matrix product (im2col).

im2col copies every kernel-sized window of the input into one column of a matrix.
The convolution is then a single matrix product between the flattened kernels
``W_row`` (C_out x C_in*kH*kW) and the columns ``X_col``: ``H_col = W_row @ X_col + b``.

>>> X = torch.arange(16.).view(1, 1, 4, 4)
>>> im2col(X, kernel_size=3).shape
torch.Size([1, 9, 4])
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn.functional as F

from conv_args import IntOrTuple, conv2d_args, require_fits, require_ndim, require_non_negative, require_positive, spatial_tuple
from output_size import calculate_out


def im2col(
    X: torch.Tensor,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> torch.Tensor:
    """Unfold every sliding window of ``X`` into a column, like ``F.unfold``.

    Args:
        X: batch x channel x height x width (or channel x height x width).
        kernel_size, stride, padding, dilation: an int or a pair (height, width).

    Returns:
        batch x (channel * kH * kW) x L, where L = H_out * W_out windows in row-major
        order and row ``c*kH*kW + i*kW + j`` holds kernel element (c, i, j).

    >>> im2col(torch.arange(9.).view(1, 1, 3, 3), kernel_size=2)
    tensor([[[0., 1., 3., 4.],
             [1., 2., 4., 5.],
             [3., 4., 6., 7.],
             [4., 5., 7., 8.]]])
    """
    require_ndim(X, (3, 4), "X", "im2col")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "im2col")
    stride = spatial_tuple(stride, 2, "stride", "im2col")
    padding = spatial_tuple(padding, 2, "padding", "im2col")
    dilation = spatial_tuple(dilation, 2, "dilation", "im2col")
    require_positive(kernel, "kernel_size", "im2col")
    require_positive(stride, "stride", "im2col")
    require_positive(dilation, "dilation", "im2col")
    require_non_negative(padding, "padding", "im2col")
    require_fits(X.shape[-2:], kernel, dilation, padding, "kernel_size", "im2col")
    if X.dim() == 3:
        return im2col(X.unsqueeze(0), kernel, stride, padding, dilation).squeeze(0)
    ### BEGIN SOLUTION
    # HINT en: pad X, take windows with Tensor.unfold on dims 2 and 3 (size d*(k-1)+1, step s), keep every d-th element, then permute to (N, C, kH, kW, H_out, W_out) and reshape
    # HINT es: rellena X, toma las ventanas con Tensor.unfold en las dims 2 y 3 (tamaño d*(k-1)+1, paso s), conserva uno de cada d elementos, permuta a (N, C, kH, kW, H_out, W_out) y cambia la forma
    # HINT fr: complétez X par le remplissage, prenez les fenêtres avec Tensor.unfold sur les dims 2 et 3 (taille d*(k-1)+1, pas s), gardez un élément sur d, puis permutez en (N, C, kH, kW, H_out, W_out) et changez la forme
    H_out, W_out = calculate_out(X, kernel, stride, dilation, padding)
    (kH, kW), (sH, sW), (pH, pW), (dH, dW) = kernel, stride, padding, dilation
    Xp = F.pad(X, (pW, pW, pH, pH))
    # Tensor.unfold gives strided views, so the only copy is the final reshape.
    windows = Xp.unfold(2, dH * (kH - 1) + 1, sH).unfold(3, dW * (kW - 1) + 1, sW)
    windows = windows[..., ::dH, ::dW]  # N x C x H_out x W_out x kH x kW
    N, C = X.shape[:2]
    return windows.permute(0, 1, 4, 5, 2, 3).reshape(N, C * kH * kW, H_out * W_out)
    ### END SOLUTION


def conv2d_unfold(
    X: torch.Tensor,
    weight: torch.Tensor,
    bias: Optional[torch.Tensor] = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> torch.Tensor:
    """2-D convolution as ``W_row @ X_col + b``.

    Args:
        X: batch x in_channels x height x width.
        weight: out_channels x in_channels x kH x kW.
        bias: out_channels, or None.
        stride, padding, dilation: an int or a pair (height, width).

    Returns:
        batch x out_channels x H_out x W_out, equal to
        ``F.conv2d(X, weight, bias, stride, padding, dilation)``.

    >>> conv2d_unfold(torch.arange(9.).view(1, 1, 3, 3), torch.ones(1, 1, 2, 2))
    tensor([[[[ 8., 12.],
              [20., 24.]]]])
    """
    stride, padding, dilation = conv2d_args("conv2d_unfold", X, weight, bias, stride, padding, dilation)
    ### BEGIN SOLUTION
    # HINT en: X_col = im2col(X, ...), W_row = weight.reshape(C_out, -1); multiply (torch.bmm with W_row.expand(N, -1, -1)), add bias.view(1, -1, 1), reshape to (N, C_out, H_out, W_out)
    # HINT es: X_col = im2col(X, ...), W_row = weight.reshape(C_out, -1); multiplica (torch.bmm con W_row.expand(N, -1, -1)), suma bias.view(1, -1, 1) y cambia la forma a (N, C_out, H_out, W_out)
    # HINT fr: X_col = im2col(X, ...), W_row = weight.reshape(C_out, -1) ; multipliez (torch.bmm avec W_row.expand(N, -1, -1)), ajoutez bias.view(1, -1, 1) et remettez en forme (N, C_out, H_out, W_out)
    N, C_out = X.shape[0], weight.shape[0]
    kernel = tuple(weight.shape[2:])
    H_out, W_out = calculate_out(X, kernel, stride, dilation, padding)
    X_col = im2col(X, kernel, stride, padding, dilation)
    # An expanded W_row keeps bmm from copying X_col when the weight requires grad.
    W_row = weight.reshape(C_out, -1).expand(N, -1, -1)
    if bias is None:
        H_col = torch.bmm(W_row, X_col)
    else:
        H_col = torch.baddbmm(bias.view(1, -1, 1), W_row, X_col)
    return H_col.view(N, C_out, H_out, W_out)
    ### END SOLUTION
