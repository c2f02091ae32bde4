"""Shared fixtures of the kit's own tests: one thread, seeded randomness, the reference.

``conv_case`` is a seeded grid of 2-D convolution configurations: any test that takes a
``conv_case`` argument runs once per configuration (see ``pytest_generate_tests``).
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from types import ModuleType
from typing import Callable, Union

import pytest
import torch

from grader.grading.reference import load

# One thread per process: the suite runs under xdist on 2 cores (see platform notes).
torch.set_num_threads(1)

IntOrPair = Union[int, tuple[int, int]]


@dataclass(frozen=True)
class ConvCase:
    """One 2-D convolution configuration; stride/padding/dilation as a caller passes them."""

    batch: int
    in_channels: int
    out_channels: int
    size: tuple[int, int]
    kernel: tuple[int, int]
    stride: IntOrPair
    padding: IntOrPair
    dilation: IntOrPair

    @property
    def args(self) -> dict[str, IntOrPair]:
        """``stride``, ``padding`` and ``dilation`` as keyword arguments."""
        return {"stride": self.stride, "padding": self.padding, "dilation": self.dilation}

    def tensors(self, gen: torch.Generator, dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(X, weight, bias)``: batch x in x H x W, out x in x kH x kW, and out."""
        X = torch.randn(self.batch, self.in_channels, *self.size, generator=gen, dtype=dtype)
        weight = torch.randn(self.out_channels, self.in_channels, *self.kernel, generator=gen, dtype=dtype)
        return X, weight, torch.randn(self.out_channels, generator=gen, dtype=dtype)

    def __str__(self) -> str:
        return (f"N{self.batch}-C{self.in_channels}to{self.out_channels}-{self.size[0]}x{self.size[1]}"
                f"-k{self.kernel[0]}x{self.kernel[1]}-s{self.stride}-p{self.padding}-d{self.dilation}")


def _pair_or_int(rng: random.Random, low: int, high: int) -> IntOrPair:
    """An int, or a pair that is usually not square, so both call styles get exercised."""
    pair = (rng.randint(low, high), rng.randint(low, high))
    return pair[0] if pair[0] == pair[1] and rng.random() < 0.5 else pair


def _pair(value: IntOrPair) -> tuple[int, int]:
    """``3 -> (3, 3)``; a pair stays as it is."""
    return (value, value) if isinstance(value, int) else value


def conv_grid(count: int = 12, seed: int = 2024) -> list[ConvCase]:
    """Seeded random configurations torch accepts, plus fixed ones where h // stride is wrong."""
    rng = random.Random(seed)
    cases = [
        ConvCase(2, 3, 4, (8, 7), (3, 2), (2, 3), 0, 1),  # 8 // 2 = 4 but the output has 3 rows
        ConvCase(3, 2, 3, (9, 6), (2, 3), 2, (1, 0), (2, 1)),
    ]
    while len(cases) < count:
        kernel = (rng.randint(1, 4), rng.randint(1, 4))
        stride, padding, dilation = (_pair_or_int(rng, 1, 3), _pair_or_int(rng, 0, 2), _pair_or_int(rng, 1, 2))
        size = (rng.randint(3, 10), rng.randint(3, 10))
        spans = [d * (k - 1) + 1 for k, d in zip(kernel, _pair(dilation))]
        if all(span <= s + 2 * p for span, s, p in zip(spans, size, _pair(padding))):
            cases.append(ConvCase(rng.randint(1, 3), rng.randint(1, 3), rng.randint(1, 4), size, kernel, stride, padding, dilation))
    return cases


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "conv_case" in metafunc.fixturenames:
        metafunc.parametrize("conv_case", conv_grid(), ids=str)


@pytest.fixture(scope="session")
def conv_cases() -> list[ConvCase]:
    """The whole ``conv_case`` grid at once, for tests about the grid itself."""
    return conv_grid()


@pytest.fixture
def gen() -> torch.Generator:
    """A torch random generator seeded the same way in every test."""
    return torch.Generator().manual_seed(0)


@pytest.fixture(scope="session")
def ref() -> Callable[[str], ModuleType]:
    """``ref("maxpool").maxpool2d_unfold``: a reference solution module, imported in-process."""
    return load
