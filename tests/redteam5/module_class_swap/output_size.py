"""Exercise 1 - the output size of a convolution or a pooling layer.

Every spatial dimension follows the same formula (the one in the ``nn.Conv2d`` docs):

    out = floor((in + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1)

>>> calculate_out(torch.zeros(1, 1, 6, 6), k_size=(3, 3))
(4, 4)
"""
from __future__ import annotations

from typing import Sequence, Union

import torch

from conv_args import IntOrTuple, require_non_negative, require_positive, spatial_tuple

Shape = Union[torch.Tensor, torch.Size, Sequence[int]]


def calculate_out(
    X: Shape,
    k_size: IntOrTuple = (3, 3),
    stride: IntOrTuple = 1,
    dilation: IntOrTuple = 1,
    padding: IntOrTuple = 0,
) -> tuple[int, ...]:
    """Spatial output size of a convolution (or max-pool) applied to ``X``.

    Args:
        X: a tensor, or its shape: batch x channel x length (1-D),
            batch x channel x height x width (2-D) or
            batch x channel x depth x height x width (3-D).
        k_size: kernel size, an int or one int per spatial dim.
        stride: step between windows, an int or one per spatial dim.
        dilation: spacing between kernel elements, an int or one per spatial dim.
        padding: zeros added on each side, an int or one per spatial dim.

    Returns:
        one int per spatial dim, e.g. ``(H_out, W_out)`` for a 4-dim ``X``.

    Raises:
        ValueError: if ``X`` does not have 3, 4 or 5 dims, a kernel size, stride or
            dilation is not positive, a padding is negative, or an output size would
            be smaller than 1 (the kernel does not fit in the padded input).

    >>> calculate_out((8, 3, 100), k_size=3, stride=2, padding=1)
    (50,)
    """
    ### BEGIN SOLUTION
    # HINT en: for each spatial dim use floor division: (in + 2p - d*(k-1) - 1) // s + 1, and raise ValueError for bad arguments
    # HINT es: para cada dimensión espacial usa división entera: (in + 2p - d*(k-1) - 1) // s + 1, y lanza ValueError ante argumentos inválidos
    # HINT fr: pour chaque dimension spatiale, utilisez la division entière : (in + 2p - d*(k-1) - 1) // s + 1, et levez ValueError pour les arguments invalides
    shape = tuple(X.shape) if isinstance(X, torch.Tensor) else tuple(X)
    if len(shape) not in (3, 4, 5):
        raise ValueError(f"calculate_out: X must have 3, 4 or 5 dims, got shape {shape}")
    n = len(shape) - 2
    kernel = spatial_tuple(k_size, n, "k_size", "calculate_out")
    stride = spatial_tuple(stride, n, "stride", "calculate_out")
    dilation = spatial_tuple(dilation, n, "dilation", "calculate_out")
    padding = spatial_tuple(padding, n, "padding", "calculate_out")
    require_positive(kernel, "k_size", "calculate_out")
    require_positive(stride, "stride", "calculate_out")
    require_positive(dilation, "dilation", "calculate_out")
    require_non_negative(padding, "padding", "calculate_out")
    out = tuple(
        (size + 2 * p - d * (k - 1) - 1) // s + 1
        for size, k, s, d, p in zip(shape[2:], kernel, stride, dilation, padding)
    )
    if any(o < 1 for o in out):
        raise ValueError(
            f"calculate_out: kernel {kernel} with dilation {dilation} does not fit in the "
            f"input {shape[2:]} padded by {padding}: output size would be {out}"
        )
    return out
    ### END SOLUTION
