"""Exercise 4 - max-pooling with unfold, and where its gradient goes.

Pooling slides a window like a convolution, usually without overlap. With
``F.unfold`` every window becomes a column; the max over each column (per channel) is
the pooled value, and the argmax says which input pixel it came from. Those indices
are all the backward pass needs: each window's gradient goes to its one maximum.

>>> values, indices = maxpool2d_unfold(torch.tensor([[[[1., 2.], [4., 3.]]]]))
>>> values, indices
(tensor([[[[4.]]]]), tensor([[[[2]]]]))
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
import torch.nn.functional as F

from conv_args import IntOrTuple, require_fits, require_ndim, require_positive, spatial_tuple
from output_size import calculate_out


def maxpool2d_unfold(
    H: torch.Tensor, kernel_size: IntOrTuple = 2, stride: Optional[IntOrTuple] = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """2-D max-pool through ``F.unfold``, returning values and argmax indices.

    Args:
        H: batch x channel x height x width.
        kernel_size: pooling window, an int or a pair (height, width).
        stride: step between windows; None means ``stride = kernel_size``.

    Returns:
        ``(values, indices)``, both batch x channel x H_out x W_out, equal to
        ``F.max_pool2d(H, kernel_size, stride, return_indices=True)``: each index is
        the flat position (row * width + col) of the maximum in its input plane, and
        ties go to the first maximum in row-major order.

    >>> H = torch.tensor([[[[5., 5.], [-4., -7.]]]])
    >>> maxpool2d_unfold(H)[1]
    tensor([[[[0]]]])
    """
    require_ndim(H, (4,), "H", "maxpool2d_unfold")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "maxpool2d_unfold")
    stride = kernel if stride is None else spatial_tuple(stride, 2, "stride", "maxpool2d_unfold")
    require_positive(kernel, "kernel_size", "maxpool2d_unfold")
    require_positive(stride, "stride", "maxpool2d_unfold")
    require_fits(H.shape[2:], kernel, (1, 1), (0, 0), "kernel_size", "maxpool2d_unfold")
    ### BEGIN SOLUTION
    # HINT en: F.unfold(H, kernel, stride=stride) -> reshape (N, C, kH*kW, L) -> .max(dim=2); turn the in-window argmax (r, c) of window (i, j) into (i*sH + r) * W + (j*sW + c)
    # HINT es: F.unfold(H, kernel, stride=stride) -> reshape (N, C, kH*kW, L) -> .max(dim=2); convierte el argmax dentro de la ventana (r, c) de la ventana (i, j) en (i*sH + r) * W + (j*sW + c)
    # HINT fr: F.unfold(H, kernel, stride=stride) -> reshape (N, C, kH*kW, L) -> .max(dim=2) ; transformez l'argmax (r, c) interne à la fenêtre (i, j) en (i*sH + r) * W + (j*sW + c)
    N, C, H_in, W_in = H.shape
    H_out, W_out = calculate_out(H, kernel, stride)
    (kH, kW), (sH, sW) = kernel, stride
    cols = F.unfold(H, kernel, stride=stride).view(N, C, kH * kW, H_out * W_out)
    values, within = cols.max(dim=2)  # torch.max keeps the first maximum on ties
    # index = (i*sH + r) * W_in + (j*sW + c) = window corner + offset of (r, c): both are small
    # tables, so one lookup and one add replace division and remainder over the whole output.
    corner = (torch.arange(H_out).view(-1, 1) * (sH * W_in) + torch.arange(W_out) * sW).view(-1)
    offset = (torch.arange(kH).view(-1, 1) * W_in + torch.arange(kW)).view(-1)
    indices = offset[within] + corner
    return values.view(N, C, H_out, W_out), indices.view(N, C, H_out, W_out)
    ### END SOLUTION


def maxpool2d_backward(dout: torch.Tensor, indices: torch.Tensor, input_shape: Sequence[int]) -> torch.Tensor:
    """Gradient of a max-pool with respect to its input.

    Args:
        dout: gradient of the pooled output, batch x channel x H_out x W_out.
        indices: the argmax indices returned by ``maxpool2d_unfold`` (same shape).
        input_shape: the pooling input's shape, batch x channel x height x width.

    Returns:
        a tensor of ``input_shape``: zero everywhere except at each window's argmax,
        which receives that window's gradient (summed when windows overlap).

    >>> maxpool2d_backward(torch.tensor([[[[1.]]]]), torch.tensor([[[[2]]]]), (1, 1, 2, 2))
    tensor([[[[0., 0.],
              [1., 0.]]]])
    """
    require_ndim(dout, (4,), "dout", "maxpool2d_backward")
    if tuple(indices.shape) != tuple(dout.shape):
        raise ValueError(
            f"maxpool2d_backward: indices shape {tuple(indices.shape)} must equal dout shape {tuple(dout.shape)}"
        )
    if len(input_shape) != 4 or tuple(input_shape[:2]) != tuple(dout.shape[:2]):
        raise ValueError(
            f"maxpool2d_backward: input_shape {tuple(input_shape)} must be (N, C, H, W) with the "
            f"batch and channels of dout {tuple(dout.shape)}"
        )
    ### BEGIN SOLUTION
    # HINT en: start from zeros of shape (N*C, H*W) and scatter_add_ each dout value at its index along dim 1, then reshape to input_shape
    # HINT es: parte de ceros de forma (N*C, H*W) y acumula con scatter_add_ cada valor de dout en su índice a lo largo de dim 1; luego cambia la forma a input_shape
    # HINT fr: partez de zéros de forme (N*C, H*W) et accumulez avec scatter_add_ chaque valeur de dout à son indice le long de la dim 1, puis remettez en forme input_shape
    N, C, H_in, W_in = input_shape
    grad = torch.zeros(N * C, H_in * W_in, dtype=dout.dtype)
    grad.scatter_add_(1, indices.reshape(N * C, -1), dout.reshape(N * C, -1))
    return grad.view(N, C, H_in, W_in)
    ### END SOLUTION
