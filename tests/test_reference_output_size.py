"""Exercise 1: calculate_out gives the shapes torch's conv and max-pool layers produce."""
from __future__ import annotations

import random

import pytest
import torch
import torch.nn.functional as F

CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}
POOL = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}


def _spatial(rng: random.Random, n: int, low: int, high: int):
    """An int or a tuple of n ints (sometimes a 1-tuple, which torch also accepts)."""
    values = tuple(rng.randint(low, high) for _ in range(n))
    style = rng.random()
    return values[0] if style < 0.3 else values[:1] if style < 0.4 else values


def _as_tuple(value, n: int) -> tuple[int, ...]:
    value = (value,) if isinstance(value, int) else tuple(value)
    return value * n if len(value) == 1 else value


def _grid(pool: bool, count: int = 30, seed: int = 7):
    """Seeded (shape, k_size, stride, dilation, padding) configurations torch accepts."""
    rng = random.Random(seed + pool)
    cases = []
    while len(cases) < count:
        n = rng.randint(1, 3)
        shape = (rng.randint(1, 2), rng.randint(1, 3)) + tuple(rng.randint(1, 9) for _ in range(n))
        k, s, d = _spatial(rng, n, 1, 4), _spatial(rng, n, 1, 3), _spatial(rng, n, 1, 2)
        p = _spatial(rng, n, 0, 2)
        kt, dt, pt = _as_tuple(k, n), _as_tuple(d, n), _as_tuple(p, n)
        fits = all(d_ * (k_ - 1) + 1 <= size + 2 * p_ for size, k_, d_, p_ in zip(shape[2:], kt, dt, pt))
        # max_pool also wants padding <= half the kernel.
        if fits and (not pool or all(2 * p_ <= k_ for k_, p_ in zip(kt, pt))):
            cases.append((shape, k, s, d, p))
    return cases


@pytest.mark.parametrize("shape, k, s, d, p", _grid(pool=False), ids=str)
def test_calculate_out_equals_conv_shapes(ref, shape, k, s, d, p):
    calculate_out = ref("output_size").calculate_out
    n = len(shape) - 2
    weight = torch.zeros((1, shape[1]) + _as_tuple(k, n))
    expected = tuple(CONV[n](torch.zeros(shape), weight, stride=s, padding=p, dilation=d).shape[2:])
    assert calculate_out(torch.zeros(shape), k, s, d, p) == expected
    # A shape works as well as a tensor.
    assert calculate_out(torch.Size(shape), k, s, d, p) == expected
    assert calculate_out(shape, k_size=k, stride=s, dilation=d, padding=p) == expected


@pytest.mark.parametrize("shape, k, s, d, p", _grid(pool=True), ids=str)
def test_calculate_out_equals_max_pool_shapes(ref, shape, k, s, d, p):
    n = len(shape) - 2
    expected = tuple(POOL[n](torch.zeros(shape), k, s, p, d).shape[2:])
    assert ref("output_size").calculate_out(shape, k, s, d, p) == expected


def test_calculate_out_returns_ints_and_course_example(ref):
    out = ref("output_size").calculate_out(torch.zeros(1, 1, 6, 6))
    assert out == (4, 4) and all(type(v) is int for v in out)


def test_grid_has_outputs_that_h_over_stride_gets_wrong(ref, conv_cases):
    """The shared conv grid must contain cases where ``h // stride`` is not the output size."""
    calculate_out = ref("output_size").calculate_out
    wrong = []
    for case in conv_cases:
        out = calculate_out((1, 1) + case.size, case.kernel, case.stride, case.dilation, case.padding)
        stride = _as_tuple(case.stride, 2)
        wrong += [o != size // s for o, size, s in zip(out, case.size, stride)]
    assert any(wrong)
    assert any(c.kernel[0] != c.kernel[1] for c in conv_cases) and any(c.batch > 1 for c in conv_cases)
    assert any(c.size[0] != c.size[1] for c in conv_cases) and any(c.in_channels > 1 for c in conv_cases)


# (n, shape, k_size, stride, dilation, padding, argument the message must name)
INVALID = [
    (2, (1, 1, 5, 5), (6, 3), 1, 1, 0, "kernel"),
    (1, (2, 1, 4), 3, 1, 2, 0, "kernel"),  # dilated span 5 > 4
    (3, (1, 1, 2, 5, 5), (3, 1, 1), 1, 1, 0, "kernel"),
    (2, (1, 1, 2, 2), 5, 1, 1, 1, "kernel"),  # padded input 4 < 5
    (2, (1, 1, 5, 5), 3, 0, 1, 0, "stride"),
    (1, (1, 1, 8), 3, (0,), 1, 0, "stride"),
    (3, (1, 1, 5, 5, 5), 3, (1, 0, 1), 1, 0, "stride"),
    (2, (1, 1, 5, 5), 3, 1, 0, 0, "dilation"),
    (3, (1, 1, 5, 5, 5), 3, 1, (1, 1, 0), 0, "dilation"),
    (2, (1, 1, 5, 5), 3, 1, 1, -1, "padding"),
    (1, (1, 1, 8), 3, 1, 1, (-1,), "padding"),
    (1, (5,), 3, 1, 1, 0, "X"),
    (3, (1, 1, 3, 3, 3, 3), 3, 1, 1, 0, "X"),
]


@pytest.mark.parametrize("n, shape, k, s, d, p, name", INVALID, ids=str)
def test_calculate_out_raises_where_torch_raises(ref, n, shape, k, s, d, p, name):
    weight = torch.zeros((1, 1) + _as_tuple(k, n))
    with pytest.raises(RuntimeError):
        CONV[n](torch.zeros(shape), weight, stride=s, padding=p, dilation=d)
    with pytest.raises(ValueError, match=name) as error:
        ref("output_size").calculate_out(shape, k, s, d, p)
    assert "calculate_out" in str(error.value)
