"""Argument handling shared by every exercise: given to students, not graded.

Every function of the assignment accepts ``kernel_size``, ``stride``, ``padding`` and
``dilation`` either as one int or as a tuple with one entry per spatial dimension,
exactly like ``torch.nn.functional``. These helpers turn them into tuples and raise a
``ValueError`` that names the function and the argument when torch would refuse them.

>>> spatial_tuple(3, 2, "kernel_size", "im2col")
(3, 3)
"""
from __future__ import annotations

from typing import Sequence, Union

import torch

IntOrTuple = Union[int, Sequence[int]]


def spatial_tuple(value: IntOrTuple, n: int, name: str, func: str) -> tuple[int, ...]:
    """Expand an int, or check a tuple, to ``n`` spatial entries.

    Args:
        value: an int, or a sequence of ``n`` ints.
        n: number of spatial dimensions (1, 2 or 3).
        name: the argument's name, for the error message.
        func: the calling function's name, for the error message.

    Returns:
        a tuple of ``n`` ints.
    """
    if isinstance(value, bool):
        raise ValueError(f"{func}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    if isinstance(value, int):
        return (value,) * n
    try:
        values = tuple(value)
    except TypeError:
        raise ValueError(f"{func}: {name} must be an int or a tuple of {n} ints, got {value!r}") from None
    if len(values) == 1:
        values = values * n
    if len(values) != n or not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        raise ValueError(f"{func}: {name} must be an int or a tuple of {n} ints, got {value!r}")
    return values


def require_positive(values: tuple[int, ...], name: str, func: str) -> None:
    """Raise ``ValueError`` unless every entry is >= 1 (kernel sizes, strides, dilations)."""
    if any(v < 1 for v in values):
        raise ValueError(f"{func}: {name} must be positive, got {values}")


def require_non_negative(values: tuple[int, ...], name: str, func: str) -> None:
    """Raise ``ValueError`` if any entry is negative (paddings)."""
    if any(v < 0 for v in values):
        raise ValueError(f"{func}: {name} must be non-negative, got {values}")


def require_ndim(X: torch.Tensor, ndims: tuple[int, ...], name: str, func: str) -> None:
    """Raise ``ValueError`` unless ``X`` is a tensor with one of the allowed ranks."""
    if not isinstance(X, torch.Tensor):
        raise ValueError(f"{func}: {name} must be a torch.Tensor, got {type(X).__name__}")
    if X.dim() not in ndims:
        allowed = " or ".join(str(d) for d in ndims)
        raise ValueError(f"{func}: {name} must have {allowed} dims, got shape {tuple(X.shape)}")


def require_channels(X: torch.Tensor, channels: int, name: str, func: str) -> None:
    """Raise ``ValueError`` unless ``X`` (batch x channel x ...) has ``channels`` channels."""
    if X.shape[1] != channels:
        raise ValueError(f"{func}: {name} has {X.shape[1]} channels, expected {channels} (shape {tuple(X.shape)})")


def require_fits(
    size: Sequence[int],
    kernel: tuple[int, ...],
    dilation: tuple[int, ...],
    padding: tuple[int, ...],
    name: str,
    func: str,
) -> None:
    """Raise ``ValueError`` if the dilated kernel is larger than the padded input, as torch does.

    Args:
        size: the input's spatial sizes, e.g. (height, width).
        kernel, dilation, padding: one int per spatial dim, already checked.
        name: the argument the kernel comes from, for the error message.
        func: the calling function's name, for the error message.
    """
    span = tuple(d * (k - 1) + 1 for k, d in zip(kernel, dilation))
    padded = tuple(s + 2 * p for s, p in zip(size, padding))
    if any(s > p for s, p in zip(span, padded)):
        raise ValueError(
            f"{func}: {name} {kernel} with dilation {dilation} spans {span}, larger than the input "
            f"{tuple(size)} padded by {padding} = {padded}"
        )


def layer_args(func: str, in_channels: int, out_channels: int, stride: int, kernel_size: int, padding: int) -> None:
    """Check the constructor arguments of a ``Conv1D`` / ``Conv2D`` layer (all ints)."""
    require_positive((in_channels, out_channels), "in_channels and out_channels", func)
    require_positive((kernel_size,), "kernel_size", func)
    require_positive((stride,), "stride", func)
    require_non_negative((padding,), "padding", func)


def conv2d_args(
    func: str,
    X: torch.Tensor,
    weight: torch.Tensor,
    bias: torch.Tensor | None,
    stride: IntOrTuple,
    padding: IntOrTuple,
    dilation: IntOrTuple,
) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
    """Check the arguments of a 2-D convolution the way ``F.conv2d`` does.

    Args:
        func: the calling function's name, for error messages.
        X: batch x in_channels x height x width.
        weight: out_channels x in_channels x kH x kW.
        bias: out_channels, or None.

    Returns:
        ``(stride, padding, dilation)``, each a pair of ints.
    """
    require_ndim(X, (4,), "X", func)
    require_ndim(weight, (4,), "weight", func)
    if X.shape[1] != weight.shape[1]:
        raise ValueError(
            f"{func}: X has {X.shape[1]} channels but weight expects {weight.shape[1]} "
            f"(weight.shape = {tuple(weight.shape)}, X.shape = {tuple(X.shape)})"
        )
    if bias is not None and tuple(bias.shape) != (weight.shape[0],):
        raise ValueError(
            f"{func}: bias must have shape ({weight.shape[0]},), got {tuple(bias.shape)}"
        )
    stride = spatial_tuple(stride, 2, "stride", func)
    padding = spatial_tuple(padding, 2, "padding", func)
    dilation = spatial_tuple(dilation, 2, "dilation", func)
    require_positive(stride, "stride", func)
    require_positive(dilation, "dilation", func)
    require_non_negative(padding, "padding", func)
    # Checked here, not left to calculate_out, so the error names the caller and its argument.
    require_fits(X.shape[2:], tuple(weight.shape[2:]), dilation, padding, "weight's kernel size", func)
    return stride, padding, dilation
