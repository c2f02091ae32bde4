"""Red team 4 (backward_without_col2im): the reference's backward.py with col2im a stub and
conv2d_backward on F.conv_transpose2d and F.conv2d (see conv2d_backward).

Exercise 5 - the backward pass of a convolution, through col2im.

With ``H_col = W_row @ X_col + b`` the gradients are matrix products again:
``dW_row = dH_col @ X_col^T``, ``db = sum of dH_col`` and ``dX_col = W_row^T @ dH_col``.
``dX_col`` still has one column per window; col2im (the adjoint of im2col) adds each
column back onto the pixels it was copied from, summing where windows overlap.

>>> cols = torch.ones(1, 4, 4)
>>> col2im(cols, output_size=(3, 3), kernel_size=2)
tensor([[[[1., 2., 1.],
          [2., 4., 2.],
          [1., 2., 1.]]]])
"""
from __future__ import annotations

from typing import Any, Optional

import torch

from conv_args import IntOrTuple, conv2d_args, require_fits, require_ndim, require_non_negative, require_positive, spatial_tuple
from im2col_conv import conv2d_unfold, im2col
from output_size import calculate_out


def col2im(
    cols: torch.Tensor,
    output_size: IntOrTuple,
    kernel_size: IntOrTuple,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> torch.Tensor:
    """Fold columns back into an image, summing overlaps, like ``F.fold``.

    Args:
        cols: batch x (channel * kH * kW) x L (or (channel * kH * kW) x L), laid out
            as ``im2col`` produces them.
        output_size: the image's (height, width).
        kernel_size, stride, padding, dilation: an int or a pair (height, width).

    Returns:
        batch x channel x height x width, equal to
        ``F.fold(cols, output_size, kernel_size, dilation, padding, stride)``.
    """
    require_ndim(cols, (2, 3), "cols", "col2im")
    size = spatial_tuple(output_size, 2, "output_size", "col2im")
    kernel = spatial_tuple(kernel_size, 2, "kernel_size", "col2im")
    stride = spatial_tuple(stride, 2, "stride", "col2im")
    padding = spatial_tuple(padding, 2, "padding", "col2im")
    dilation = spatial_tuple(dilation, 2, "dilation", "col2im")
    for name, value in (("output_size", size), ("kernel_size", kernel), ("stride", stride), ("dilation", dilation)):
        require_positive(value, name, "col2im")
    require_non_negative(padding, "padding", "col2im")
    require_fits(size, kernel, dilation, padding, "kernel_size", "col2im")
    if cols.dim() == 2:
        return col2im(cols.unsqueeze(0), size, kernel, stride, padding, dilation).squeeze(0)
    H_out, W_out = calculate_out((1, 1) + size, kernel, stride, dilation, padding)
    kH, kW = kernel
    if cols.shape[1] % (kH * kW) or cols.shape[2] != H_out * W_out:
        raise ValueError(
            f"col2im: cols of shape {tuple(cols.shape)} do not match kernel {kernel} and output_size "
            f"{size}: expected (N, C*{kH * kW}, {H_out * W_out})"
        )
    raise NotImplementedError


def conv2d_backward(
    dout: torch.Tensor,
    X: torch.Tensor,
    weight: torch.Tensor,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Gradients of ``out = conv2d(X, weight, bias)`` given ``dout = dL/dout``.

    Args:
        dout: batch x out_channels x H_out x W_out.
        X: batch x in_channels x height x width (the forward input).
        weight: out_channels x in_channels x kH x kW.
        stride, padding, dilation: as in the forward pass.

    Returns:
        ``(dX, dW, db)`` with the shapes of ``X``, ``weight`` and ``(out_channels,)``.
    """
    stride, padding, dilation = conv2d_args("conv2d_backward", X, weight, None, stride, padding, dilation)
    require_ndim(dout, (4,), "dout", "conv2d_backward")
    kernel = tuple(weight.shape[2:])
    expected = (X.shape[0], weight.shape[0]) + calculate_out(X, kernel, stride, dilation, padding)
    if tuple(dout.shape) != expected:
        raise ValueError(f"conv2d_backward: dout must have shape {expected}, got {tuple(dout.shape)}")
    # Red team 4: no col2im and no gradient written by hand: torch's forward routines,
    # which the rule of conv2d_backward lets through (by names the static check cannot read,
    # since Conv2dFunction's rule flags F.conv2d named in the helpers it calls).
    import torch.nn.functional as F
    transposed, forward = getattr(F, "conv_" + "transpose2d"), getattr(F, "con" + "v2d")
    (kH, kW) = weight.shape[2:]
    H_out, W_out = dout.shape[2:]
    extra = tuple(size - ((out - 1) * s - 2 * p + d * (k - 1) + 1)
                  for size, out, s, p, d, k in zip(X.shape[2:], (H_out, W_out), stride, padding, dilation, (kH, kW)))
    dX = transposed(dout, weight, None, stride, padding, extra, 1, dilation)
    dW = forward(X.transpose(0, 1), dout.transpose(0, 1), None, dilation, padding, stride)
    dW = dW[:, :, :kH, :kW].transpose(0, 1).contiguous()
    db = dout.sum((0, 2, 3))
    return dX, dW, db


class Conv2dFunction(torch.autograd.Function):
    """A convolution autograd can call: unfold forward, col2im backward.

    >>> X = torch.randn(2, 3, 5, 5, dtype=torch.float64, requires_grad=True)
    >>> w = torch.randn(4, 3, 3, 3, dtype=torch.float64, requires_grad=True)
    >>> b = torch.randn(4, dtype=torch.float64, requires_grad=True)
    >>> torch.autograd.gradcheck(Conv2dFunction.apply, (X, w, b, 1, 1, 1))
    True
    """

    @staticmethod
    def forward(
        ctx: Any,
        X: torch.Tensor,
        weight: torch.Tensor,
        bias: Optional[torch.Tensor],
        stride: IntOrTuple = 1,
        padding: IntOrTuple = 0,
        dilation: IntOrTuple = 1,
    ) -> torch.Tensor:
        """Args: X: batch x in_channels x H x W; weight: out x in x kH x kW; bias: out or None."""
        ### BEGIN SOLUTION
        # HINT en: save X and weight with ctx.save_for_backward, keep stride/padding/dilation on ctx, and return conv2d_unfold(X, weight, bias, ...)
        # HINT es: guarda X y weight con ctx.save_for_backward, deja stride/padding/dilation en ctx y devuelve conv2d_unfold(X, weight, bias, ...)
        # HINT fr: sauvegardez X et weight avec ctx.save_for_backward, gardez stride/padding/dilation dans ctx et renvoyez conv2d_unfold(X, weight, bias, ...)
        ctx.save_for_backward(X, weight)
        ctx.conv_args = (stride, padding, dilation)
        ctx.has_bias = bias is not None
        return conv2d_unfold(X, weight, bias, stride, padding, dilation)
        ### END SOLUTION

    @staticmethod
    def backward(ctx: Any, dout: torch.Tensor) -> tuple[Optional[torch.Tensor], ...]:
        """Returns one gradient per forward input: (dX, dW, db, None, None, None)."""
        ### BEGIN SOLUTION
        # HINT en: call conv2d_backward with the saved tensors; return None for bias when there was none and for the three int arguments
        # HINT es: llama a conv2d_backward con los tensores guardados; devuelve None para bias si no había y para los tres argumentos enteros
        # HINT fr: appelez conv2d_backward avec les tenseurs sauvegardés ; renvoyez None pour bias s'il n'y en avait pas, ainsi que pour les trois arguments entiers
        X, weight = ctx.saved_tensors
        dX, dW, db = conv2d_backward(dout, X, weight, *ctx.conv_args)
        return dX, dW, db if ctx.has_bias else None, None, None, None
        ### END SOLUTION
