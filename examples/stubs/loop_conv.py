# Student stub generated from solutions/cnn by `convkit stubs`. Write your code where it says YOUR CODE HERE.
"""Exercise 2 - convolution as explicit loops.

A convolution slides a kernel over the (padded) input and takes, at every position,
the sum of the window times the kernel, plus a bias. Written as loops this is slow, but
it is the definition every faster method must agree with.

>>> X = torch.ones(1, 1, 4, 4)
>>> conv2d_loop(X, torch.ones(1, 1, 3, 3)).shape
torch.Size([1, 1, 2, 2])
"""
from __future__ import annotations

from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from conv_args import IntOrTuple, conv2d_args, layer_args, require_channels, require_fits, require_ndim, require_positive
from output_size import calculate_out


def conv2d_loop(
    X: torch.Tensor,
    weight: torch.Tensor,
    bias: Optional[torch.Tensor] = None,
    stride: IntOrTuple = 1,
    padding: IntOrTuple = 0,
    dilation: IntOrTuple = 1,
) -> torch.Tensor:
    """2-D convolution (cross-correlation) with four explicit loops.

    Args:
        X: batch x in_channels x height x width.
        weight: out_channels x in_channels x kH x kW.
        bias: out_channels, or None.
        stride, padding, dilation: an int or a pair (height, width).

    Returns:
        batch x out_channels x H_out x W_out, equal to
        ``F.conv2d(X, weight, bias, stride, padding, dilation)``.

    >>> conv2d_loop(torch.arange(9.).view(1, 1, 3, 3), torch.ones(1, 1, 2, 2))
    tensor([[[[ 8., 12.],
              [20., 24.]]]])
    """
    stride, padding, dilation = conv2d_args("conv2d_loop", X, weight, bias, stride, padding, dilation)
    # YOUR CODE HERE
    raise NotImplementedError("conv2d_loop: not implemented yet. Hint: pad X with F.pad, then for n, co, i, j take the dilated window X[n, :, i*s : i*s + d*(k-1)+1 : d, ...] and compute (patch * weight[co]).sum() + bias[co]")


class Conv1D(nn.Module):
    """1-D convolution as one ``nn.Linear`` applied at every window position.

    ``self.kernel`` maps a flattened window (in_channels x kernel_size) to
    ``out_channels`` values; its weight viewed as (out, in, k) is a conv1d kernel.

    Args:
        in_channels, out_channels: channel counts.
        stride: step between windows.
        kernel_size: window length.
        padding: zeros added at each end.

    >>> Conv1D(3, 16, stride=1, kernel_size=3, padding=1)(torch.randn(8, 3, 100)).shape
    torch.Size([8, 16, 100])
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int, kernel_size: int, padding: int):
        super().__init__()
        layer_args("Conv1D", in_channels, out_channels, stride, kernel_size, padding)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.stride = stride
        self.kernel_size = kernel_size
        self.padding = padding
        self.kernel = nn.Linear(kernel_size * in_channels, out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Args: x: batch x in_channels x length. Returns: batch x out_channels x L_out."""
        require_ndim(x, (3,), "x", "Conv1D")
        require_channels(x, self.in_channels, "x", "Conv1D")
        require_fits(x.shape[2:], (self.kernel_size,), (1,), (self.padding,), "kernel_size", "Conv1D")
        # YOUR CODE HERE
        raise NotImplementedError("Conv1D.forward: not implemented yet. Hint: pad x, then for every window start i (step self.stride) apply self.kernel to x[:, :, i:i+k].reshape(N, -1) and torch.stack the results on dim 2")


class Conv2D(nn.Module):
    """2-D convolution as one ``nn.Linear`` applied at every window position.

    ``self.kernel`` maps a flattened window (in_channels x k x k) to ``out_channels``
    values. The output size follows ``calculate_out`` (not ``h // stride``).

    >>> Conv2D(3, 16, stride=2, kernel_size=3, padding=1)(torch.randn(8, 3, 32, 32)).shape
    torch.Size([8, 16, 16, 16])
    """

    def __init__(self, in_channels: int, out_channels: int, stride: int, kernel_size: int, padding: int):
        super().__init__()
        layer_args("Conv2D", in_channels, out_channels, stride, kernel_size, padding)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.stride = stride
        self.kernel_size = kernel_size
        self.padding = padding
        self.kernel = nn.Linear(in_channels * kernel_size**2, out_channels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Args: x: batch x in_channels x height x width. Returns: batch x out_channels x H_out x W_out."""
        require_ndim(x, (4,), "x", "Conv2D")
        require_channels(x, self.in_channels, "x", "Conv2D")
        require_fits(x.shape[2:], (self.kernel_size,) * 2, (1, 1), (self.padding,) * 2, "kernel_size", "Conv2D")
        # YOUR CODE HERE
        raise NotImplementedError("Conv2D.forward: not implemented yet. Hint: get (H_out, W_out) from calculate_out, pad x, apply self.kernel to every flattened window, stack on dim 2 and reshape to (N, out, H_out, W_out)")


class MaxPool1D(nn.Module):
    """Non-overlapping 1-D max-pool: batch x channel x L -> batch x channel x (L // pooling).

    >>> MaxPool1D(2)(torch.tensor([[[1., 3., 2., 0., 5.]]]))
    tensor([[[3., 2.]]])
    """

    def __init__(self, pooling: int):
        super().__init__()
        require_positive((pooling,), "pooling", "MaxPool1D")
        self.pooling = pooling

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Args: x: batch x channel x length. Returns: batch x channel x (length // pooling)."""
        require_ndim(x, (3,), "x", "MaxPool1D")
        # YOUR CODE HERE
        raise NotImplementedError("MaxPool1D.forward: not implemented yet. Hint: for each block x[:, :, i:i+p] take torch.max(..., dim=2).values and stack them on dim 2; a trailing partial block is dropped")
