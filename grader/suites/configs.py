"""Random, torch-valid configurations for the hidden suites, small enough for Python loops.

Every draw comes from the test's ``rng`` (``random.Random``) and ``gen``
(``torch.Generator``), so it changes with the run seed and the student id. Settings
are drawn sometimes as an int and sometimes as a tuple, as the student API allows both.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Optional, Union

import torch

Setting = Union[int, tuple[int, int]]


def pair(value: Setting) -> tuple[int, int]:
    """An int or a pair, as a pair."""
    return (value, value) if isinstance(value, int) else tuple(value)


def _setting(rng: random.Random, low: int, high: int) -> Setting:
    """One value for both dims (as an int or as a repeated pair), or two different ones."""
    if rng.random() < 0.4:
        return rng.randint(low, high)
    return (rng.randint(low, high), rng.randint(low, high))


@dataclass
class ConvCase:
    """Inputs of one 2-D convolution: X batch x C_in x H x W, weight C_out x C_in x kH x kW."""

    X: torch.Tensor
    weight: torch.Tensor
    bias: Optional[torch.Tensor]
    stride: Setting
    padding: Setting
    dilation: Setting

    @property
    def kernel(self) -> tuple[int, int]:
        return tuple(self.weight.shape[2:])

    def settings(self) -> dict[str, Setting]:
        """``stride``, ``padding`` and ``dilation`` as keyword arguments."""
        return {"stride": self.stride, "padding": self.padding, "dilation": self.dilation}

    def pairs(self) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int]]:
        return pair(self.stride), pair(self.padding), pair(self.dilation)


def conv_case(rng: random.Random, gen: torch.Generator, *, dtype: torch.dtype = torch.float32,
              bias: Optional[bool] = None, max_extra: int = 4, plain: bool = False) -> ConvCase:
    """A random convolution with output at least 1x1 (``plain``: stride/padding/dilation 1/0/1).

    ``bias=None`` draws whether there is a bias; sizes stay under about 10x10.
    """
    n, c_in, c_out = rng.randint(1, 2), rng.randint(1, 3), rng.randint(1, 3)
    kernel = (rng.randint(1, 3), rng.randint(1, 3))
    if plain:
        stride, padding, dilation = 1, 0, 1
    else:
        stride, padding, dilation = _setting(rng, 1, 2), _setting(rng, 0, 2), _setting(rng, 1, 2)
    sizes = []
    for k, p, d in zip(kernel, pair(padding), pair(dilation)):
        span = d * (k - 1) + 1
        sizes.append(max(1, span - 2 * p) + rng.randint(0, max_extra))
    X = torch.randn(n, c_in, *sizes, generator=gen, dtype=dtype)
    weight = torch.randn(c_out, c_in, *kernel, generator=gen, dtype=dtype)
    has_bias = rng.random() < 0.7 if bias is None else bias
    b = torch.randn(c_out, generator=gen, dtype=dtype) if has_bias else None
    return ConvCase(X, weight, b, stride, padding, dilation)


@dataclass
class PoolCase:
    """Inputs of one 2-D max-pool: H batch x C x height x width."""

    H: torch.Tensor
    kernel_size: Setting
    stride: Optional[Setting]

    def pairs(self) -> tuple[tuple[int, int], tuple[int, int]]:
        kernel = pair(self.kernel_size)
        return kernel, kernel if self.stride is None else pair(self.stride)


def pool_case(rng: random.Random, gen: torch.Generator, *, overlapping: bool = False, ties: bool = False) -> PoolCase:
    """A random max-pool; ``overlapping`` makes stride < kernel; ``ties`` uses few distinct values."""
    kernel = _setting(rng, 2, 3)
    kh, kw = pair(kernel)
    if overlapping:
        stride: Optional[Setting] = (rng.randint(1, kh - 1), rng.randint(1, kw - 1))
    else:
        stride = rng.choice([None, kernel, _setting(rng, 1, 3)])
    shape = (rng.randint(1, 2), rng.randint(1, 3), kh + rng.randint(0, 5), kw + rng.randint(0, 5))
    if ties:
        H = torch.randint(0, 3, shape, generator=gen).float()
    else:
        H = torch.randn(*shape, generator=gen)
    return PoolCase(H, kernel, stride)


def course_data(ref: Any) -> tuple[torch.Tensor, ...]:
    """The 6x6 example of the course notes: (X, weight, bias, fc_weight, fc_bias)."""
    return ref("worked_example").course_data()


def conv_reference(case: ConvCase) -> torch.Tensor:
    """``F.conv2d`` of the case: what every student convolution must return."""
    stride, padding, dilation = case.pairs()
    return torch.nn.functional.conv2d(case.X, case.weight, case.bias, stride, padding, dilation)
