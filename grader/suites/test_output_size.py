"""Hidden suite for exercise 1, ``output_size.calculate_out`` (10 points).

| test                  | points | what                                                        |
|-----------------------|--------|-------------------------------------------------------------|
| course_example        | 1      | the 6x6 input with a 3x3 kernel gives (4, 4)                 |
| floor_formula_2d      | 3      | random 2-D settings where floor and ceil differ, vs F.conv2d |
| one_and_three_d       | 2      | 3-dim and 5-dim inputs, vs F.conv1d / F.conv3d               |
| shapes_and_tuples     | 2      | X as torch.Size / tuple, settings as ints or tuples          |
| rejects_bad_arguments | 2      | a valid call is right, then ValueError for each bad setting  |
"""
from __future__ import annotations

import random

import pytest
import torch
import torch.nn.functional as F

from grader.grading.compare import describe_call

CONVS = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def torch_out(shape: tuple[int, ...], k: tuple[int, ...], s: tuple[int, ...], d: tuple[int, ...],
              p: tuple[int, ...]) -> tuple[int, ...]:
    """The spatial output size torch computes for a convolution of this configuration."""
    X = torch.zeros(1, 1, *shape[2:])
    return tuple(CONVS[len(k)](X, torch.zeros(1, 1, *k), stride=s, padding=p, dilation=d).shape[2:])


def random_setting(rng: random.Random, n: int, floor_matters: bool) -> tuple:
    """A random (shape, k, s, d, p) with n spatial dims; floor_matters: some dim divides unevenly."""
    while True:
        k = tuple(rng.randint(1, 4) for _ in range(n))
        s = tuple(rng.randint(1, 3) for _ in range(n))
        d = tuple(rng.randint(1, 2) for _ in range(n))
        p = tuple(rng.randint(0, 2) for _ in range(n))
        size = tuple(max(1, d_ * (k_ - 1) + 1 - 2 * p_) + rng.randint(0, 9) for k_, d_, p_ in zip(k, d, p))
        uneven = any((i + 2 * p_ - d_ * (k_ - 1) - 1) % s_ for i, k_, s_, d_, p_ in zip(size, k, s, d, p))
        if uneven or not floor_matters:
            return (rng.randint(1, 4), rng.randint(1, 3)) + size, k, s, d, p


def check_cases(student, check, rng: random.Random, n: int, count: int, floor_matters: bool) -> None:
    for _ in range(count):
        shape, k, s, d, p = random_setting(rng, n, floor_matters)
        X = torch.zeros(shape)
        got = student.call("output_size", "calculate_out", X, k_size=k, stride=s, dilation=d, padding=p)
        call = describe_call("calculate_out", X, k_size=k, stride=s, dilation=d, padding=p)
        check.value(got, torch_out(shape, k, s, d, p), "calculate_out", "sizes", call=call)


@pytest.mark.points(1)
def test_course_example(student, check):
    X = torch.zeros(1, 1, 6, 6)
    got = student.call("output_size", "calculate_out", X, k_size=(3, 3))
    check.value(got, (4, 4), "calculate_out", "sizes", call=describe_call("calculate_out", X, k_size=(3, 3)))


@pytest.mark.points(3)
def test_floor_formula_2d(student, check, rng):
    check_cases(student, check, rng, 2, 6, floor_matters=True)


@pytest.mark.points(2)
def test_one_and_three_d(student, check, rng):
    check_cases(student, check, rng, 1, 3, floor_matters=True)
    check_cases(student, check, rng, 3, 3, floor_matters=False)


@pytest.mark.points(2)
def test_shapes_and_tuples(student, check, rng):
    shape, k, s, d, p = random_setting(rng, 2, floor_matters=True)
    expected = torch_out(shape, k, s, d, p)
    for X in (torch.Size(shape), tuple(shape)):
        got = student.call("output_size", "calculate_out", X, k_size=k, stride=s, dilation=d, padding=p)
        check.value(got, expected, "calculate_out", "sizes",
                    call=describe_call("calculate_out", X, k_size=k, stride=s, dilation=d, padding=p))
    # Equal settings for both dims, passed as plain ints.
    shape, k, s, d, p = random_setting(rng, 1, floor_matters=True)
    square = shape[:2] + (shape[2], shape[2])
    X = torch.zeros(square)
    got = student.call("output_size", "calculate_out", X, k_size=k[0], stride=s[0], dilation=d[0], padding=p[0])
    check.value(got, torch_out(square, k * 2, s * 2, d * 2, p * 2), "calculate_out", "sizes",
                call=describe_call("calculate_out", X, k_size=k[0], stride=s[0], dilation=d[0], padding=p[0]))


@pytest.mark.points(2)
def test_rejects_bad_arguments(student, check, rng):
    # A correct result on a valid input first: raising ValueError for everything earns nothing.
    check_cases(student, check, rng, 2, 1, floor_matters=False)
    size = rng.randint(3, 6)
    X = torch.zeros(1, 1, size, size)
    bad = {
        "a kernel larger than the input": dict(k_size=(size + 1, 2)),
        "stride 0": dict(k_size=(2, 2), stride=(1, 0)),
        "negative padding": dict(k_size=(2, 2), padding=-1),
        "dilation 0": dict(k_size=(2, 2), dilation=0),
        "a 2-dim input": dict(k_size=2),
    }
    for case, kwargs in bad.items():
        arg = X[0, 0] if case == "a 2-dim input" else X
        check.raises_value_error(lambda: student.call("output_size", "calculate_out", arg, **kwargs),
                                 "calculate_out", case, call=describe_call("calculate_out", arg, **kwargs))
