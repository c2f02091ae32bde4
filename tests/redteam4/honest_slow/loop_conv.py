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
    ### BEGIN SOLUTION
    # HINT en: pad X with F.pad, then for n, co, i, j take the dilated window X[n, :, i*s : i*s + d*(k-1)+1 : d, ...] and compute (patch * weight[co]).sum() + bias[co]
    # HINT es: rellena X con F.pad y, para n, co, i, j, toma la ventana dilatada X[n, :, i*s : i*s + d*(k-1)+1 : d, ...] y calcula (patch * weight[co]).sum() + bias[co]
    # HINT fr: appliquez le remplissage à X avec F.pad puis, pour n, co, i, j, prenez la fenêtre dilatée X[n, :, i*s : i*s + d*(k-1)+1 : d, ...] et calculez (patch * weight[co]).sum() + bias[co]
    N, C_out = X.shape[0], weight.shape[0]
    kH, kW = weight.shape[2:]
    H_out, W_out = calculate_out(X, (kH, kW), stride, dilation, padding)
    (sH, sW), (pH, pW), (dH, dW) = stride, padding, dilation
    Xp = F.pad(X, (pW, pW, pH, pH))
    out = torch.zeros(N, C_out, H_out, W_out, dtype=X.dtype)
    for n in range(N):
        for co in range(C_out):
            for i in range(H_out):
                for j in range(W_out):
                    top, left = i * sH, j * sW
                    patch = Xp[n, :, top : top + dH * (kH - 1) + 1 : dH, left : left + dW * (kW - 1) + 1 : dW]
                    # honest but slow: one multiply-add per kernel element, as in the course's pseudo-code
                    acc = 0.0
                    for ci in range(patch.shape[0]):
                        for ki in range(kH):
                            for kj in range(kW):
                                acc += float(patch[ci, ki, kj]) * float(weight[co, ci, ki, kj])
                    out[n, co, i, j] = acc
    if bias is not None:
        out = out + bias.view(1, -1, 1, 1)
    return out
    ### END SOLUTION


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
        ### BEGIN SOLUTION
        # HINT en: pad x, then for every window start i (step self.stride) apply self.kernel to x[:, :, i:i+k].reshape(N, -1) and torch.stack the results on dim 2
        # HINT es: rellena x y, para cada inicio de ventana i (paso self.stride), aplica self.kernel a x[:, :, i:i+k].reshape(N, -1) y apila los resultados con torch.stack en dim 2
        # HINT fr: appliquez le remplissage à x puis, pour chaque début de fenêtre i (avec le pas self.stride), appliquez self.kernel à x[:, :, i:i+k].reshape(N, -1) et empilez les résultats avec torch.stack sur la dim 2
        (L_out,) = calculate_out(x, self.kernel_size, self.stride, 1, self.padding)
        x = F.pad(x, (self.padding, self.padding))
        k, s = self.kernel_size, self.stride
        windows = [self.kernel(x[:, :, i * s : i * s + k].reshape(x.shape[0], -1)) for i in range(L_out)]
        return torch.stack(windows, dim=2)
        ### END SOLUTION


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
        ### BEGIN SOLUTION
        # HINT en: get (H_out, W_out) from calculate_out, pad x, apply self.kernel to every flattened window, stack on dim 2 and reshape to (N, out, H_out, W_out)
        # HINT es: obtén (H_out, W_out) con calculate_out, rellena x, aplica self.kernel a cada ventana aplanada, apila en dim 2 y cambia la forma a (N, out, H_out, W_out)
        # HINT fr: obtenez (H_out, W_out) avec calculate_out, appliquez le remplissage à x, appliquez self.kernel à chaque fenêtre aplatie, empilez sur la dim 2 et remettez en forme (N, out, H_out, W_out)
        H_out, W_out = calculate_out(x, self.kernel_size, self.stride, 1, self.padding)
        p, k, s = self.padding, self.kernel_size, self.stride
        x = F.pad(x, (p, p, p, p))
        windows = [
            self.kernel(x[:, :, i * s : i * s + k, j * s : j * s + k].reshape(x.shape[0], -1))
            for i in range(H_out)
            for j in range(W_out)
        ]
        return torch.stack(windows, dim=2).reshape(x.shape[0], self.out_channels, H_out, W_out)
        ### END SOLUTION


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
        ### BEGIN SOLUTION
        # HINT en: for each block x[:, :, i:i+p] take torch.max(..., dim=2).values and stack them on dim 2; a trailing partial block is dropped
        # HINT es: para cada bloque x[:, :, i:i+p] toma torch.max(..., dim=2).values y apílalos en dim 2; el bloque final incompleto se descarta
        # HINT fr: pour chaque bloc x[:, :, i:i+p], prenez torch.max(..., dim=2).values et empilez-les sur la dim 2 ; un dernier bloc incomplet est ignoré
        p = self.pooling
        if x.shape[2] < p:
            raise ValueError(f"MaxPool1D: input length {x.shape[2]} is shorter than pooling {p}")
        blocks = [torch.max(x[:, :, i : i + p], dim=2).values for i in range(0, x.shape[2] - p + 1, p)]
        return torch.stack(blocks, dim=2)
        ### END SOLUTION
