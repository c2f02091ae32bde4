"""Hidden suite for exercise 1, ``output_size.calculate_out`` (10 points).

| test                  | points | what                                                        |
|-----------------------|--------|-------------------------------------------------------------|
| course_example        | 1      | the 6x6 input with a 3x3 kernel gives (4, 4)                 |
| floor_formula_2d      | 3      | stratified 2-D settings where floor, ceil and h // s differ, vs F.conv2d |
| one_and_three_d       | 2      | 3-dim and 5-dim inputs, vs F.conv1d / F.conv3d               |
| shapes_and_tuples     | 2      | X as torch.Size / tuple, settings as ints, tuples or positional |
| rejects_bad_arguments | 2      | valid calls (one an exact fit) are right, then ValueError for each bad setting |
"""
from __future__ import annotations

import random

import pytest
import torch
import torch.nn.functional as F

from grader.course.messages import Text
from grader.grading.calls import describe_call
from grader.suites.configs import NoSize, ends_flush, floor_matters, out_size, pick_size, redraw, span_matters

CONVS = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def torch_out(shape: tuple[int, ...], k: tuple[int, ...], s: tuple[int, ...], d: tuple[int, ...],
              p: tuple[int, ...]) -> tuple[int, ...]:
    """The spatial output size torch computes for a convolution of this configuration."""
    X = torch.zeros(1, 1, *shape[2:])
    return tuple(CONVS[len(k)](X, torch.zeros(1, 1, *k), stride=s, padding=p, dilation=d).shape[2:])


def padding_matters(size: int, k: int, s: int, p: int, d: int) -> bool:
    """Whether padding on one side only (``size + p``) gives a different output than on both sides.

    With p = 1 they differ only where the stride divides evenly, which floor_matters
    excludes, so a padded stratum relies on its paddings of 2 or more (``p < 2`` passes).
    """
    return p < 2 or (size + 2 * p - d * (k - 1) - 1) // s != (size + p - d * (k - 1) - 1) // s


def other_axis_matters(size: int, k: tuple[int, ...], s: tuple[int, ...], d: tuple[int, ...],
                       p: tuple[int, ...], axis: int) -> bool:
    """Whether ``axis`` (of this size) gets a different output (or an invalid one) with the
    stride, the dilation or the padding of any other axis where that value differs from its own."""
    own = (s[axis], d[axis], p[axis])
    true = out_size(size, k[axis], s[axis], p[axis], d[axis])
    swaps = {(s_, own[1], own[2]) for s_ in s} | {(own[0], d_, own[2]) for d_ in d} | {(own[0], own[1], p_) for p_ in p}
    return all(out_size(size, k[axis], s_, p_, d_) != true for s_, d_, p_ in swaps - {own})


def random_setting(rng: random.Random, n: int, padded: bool = False, flush: bool = False) -> tuple:
    """A random (shape, k, s, d, p) with n spatial dims, stratified so every bug shows.

    Every dimension has a stride >= 2 where floor, rounding up and ``size // stride`` all
    differ, a kernel >= 2 different in each dimension (n > 1) and its own size, one whose
    output the first dimension's size would get wrong (a "square input" mistake); a
    different stride in each dimension (2-4), a different padding in each dimension and
    dilation 3 on exactly one dimension (n > 1), with sizes where another dimension's
    stride, dilation or padding gives a different output on every dimension (a setting used
    on the wrong axis, or a tuple read in reverse, shows); on the dilated dimension the
    span d*(k-1)+1 and d*k give different outputs (with d = 2 they differ only where the
    stride divides evenly, which floor_matters excludes: hence 3); ``padded``: padding >= 1
    on every dimension, the largest 2 or 3 with a size where padding one side only gives a
    different output; else padding 0 to n - 1 (0 or 1 in 1-D). ``flush``: on one random
    dimension the stride divides the room exactly instead (``ends_flush``, the other side
    of floor: ``(room + 1) // s`` is wrong only there).
    """
    def draw() -> tuple:
        k = tuple(rng.sample([2, 3, 4], n))
        s = tuple(rng.sample([2, 3, 4][:max(2, n)], n))
        dilated = rng.randrange(n) if n > 1 else -1
        d = tuple(3 if axis == dilated else 1 for axis in range(n))
        p = tuple(rng.sample(([1, 2, 3] if n > 2 else [2, 3]) if padded else [0, 1, 2][:max(2, n)], n))
        exact = rng.randrange(n) if flush else -1
        size: list[int] = []
        for axis, (k_, s_, d_, p_) in enumerate(zip(k, s, d, p)):
            boundary = ends_flush if axis == exact else floor_matters
            size.append(pick_size(rng, k_, s_, p_, d_, lambda m: boundary(m, k_, s_, p_, d_) and m not in size
                                  and (not size or out_size(size[0], k_, s_, p_, d_) != out_size(m, k_, s_, p_, d_))
                                  and other_axis_matters(m, k, s, d, p, axis)
                                  and (d_ == 1 or span_matters(m, k_, s_, p_, d_))
                                  and (p_ != max(p) or padding_matters(m, k_, s_, p_, d_))))
        return (rng.randint(1, 4), rng.randint(1, 3)) + tuple(size), k, s, d, p

    # In 3-D about 1 draw of settings in 20 admits sizes for every condition (172 draws at most over 2000 seeds).
    return redraw(draw, tries=1000)


def positional_setting(rng: random.Random) -> tuple:
    """A padded 2-D (shape, k, s, d, p) whose output changes when dilation and padding
    trade places, as a signature in torch's order (stride, padding, dilation) would take
    the contract's positional (stride, dilation, padding)."""
    def draw() -> tuple:
        shape, k, s, d, p = random_setting(rng, 2, padded=True)
        dims = list(zip(shape[2:], k, s, p, d))
        if all(out_size(n, k_, s_, d_, p_) == out_size(n, k_, s_, p_, d_) for n, k_, s_, p_, d_ in dims):
            raise NoSize("configs: dilation and padding give the same output swapped")
        return shape, k, s, d, p

    return redraw(draw)


def bad_argument_cases(rng: random.Random) -> tuple[tuple[int, ...], dict, dict]:
    """(shape, the valid exact-fit call, the invalid calls by case name) of rejects_bad_arguments.

    The input is 1 x 1 x size x size+1 with size >= 4, so the negative padding (with a 2x2
    kernel) leaves an output >= 1 and only the padding check can refuse it. At stride 3 and
    padding 1, a kernel spanning the padded height exactly (output 1, valid) and one tap
    longer (output 0: floor gives 0, ``int()`` truncation 1): an off-by-one on either side
    of the boundary shows. A kernel size of 0 on one axis (the contract: not positive) gives
    an output of size + 1 there, so only the kernel check can refuse it too.
    """
    size = rng.randint(4, 7)
    exact = dict(k_size=(size + 2, 2), stride=(3, 1), padding=1)
    bad = {
        Text("case_kernel_too_large"): dict(k_size=(size + 3, 2), stride=(3, 1), padding=1),
        Text("case_stride_zero"): dict(k_size=(2, 2), stride=(1, 0)),
        Text("case_negative_padding"): dict(k_size=(2, 2), padding=-1),
        Text("case_dilation_zero"): dict(k_size=(2, 2), dilation=0),
        Text("case_k_size_zero"): dict(k_size=(2, 0)),
    }
    return (1, 1, size, size + 1), exact, bad


def check_cases(student, check, rng: random.Random, n: int, count: int) -> None:
    for index in range(count):
        # Padded every other case; the later half (the one case of a single) with an axis ending flush.
        shape, k, s, d, p = random_setting(rng, n, padded=index % 2 == 1, flush=index >= count // 2)
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
    check_cases(student, check, rng, 2, 4)


@pytest.mark.points(2)
def test_one_and_three_d(student, check, rng):
    check_cases(student, check, rng, 1, 2)
    check_cases(student, check, rng, 3, 2)


@pytest.mark.points(2)
def test_shapes_and_tuples(student, check, rng):
    shape, k, s, d, p = random_setting(rng, 2, flush=True)
    expected = torch_out(shape, k, s, d, p)
    for X in (torch.Size(shape), tuple(shape)):
        got = student.call("output_size", "calculate_out", X, k_size=k, stride=s, dilation=d, padding=p)
        check.value(got, expected, "calculate_out", "sizes",
                    call=describe_call("calculate_out", X, k_size=k, stride=s, dilation=d, padding=p))
    # Equal settings for both dims, passed as plain ints.
    shape, k, s, d, p = random_setting(rng, 1, padded=True)
    square = shape[:2] + (shape[2], shape[2])
    X = torch.zeros(square)
    got = student.call("output_size", "calculate_out", X, k_size=k[0], stride=s[0], dilation=d[0], padding=p[0])
    check.value(got, torch_out(square, k * 2, s * 2, d * 2, p * 2), "calculate_out", "sizes",
                call=describe_call("calculate_out", X, k_size=k[0], stride=s[0], dilation=d[0], padding=p[0]))
    # Positionally, in the contract's order (X, k_size, stride, dilation, padding), as the stubs call it.
    shape, k, s, d, p = positional_setting(rng)
    X = torch.zeros(shape)
    got = student.call("output_size", "calculate_out", X, k, s, d, p)
    check.value(got, torch_out(shape, k, s, d, p), "calculate_out", "sizes",
                call=describe_call("calculate_out", X, k, s, d, p))


@pytest.mark.points(2)
def test_rejects_bad_arguments(student, check, rng):
    # A correct result on a valid input first: raising ValueError for everything earns nothing.
    check_cases(student, check, rng, 2, 1)
    shape, exact, bad = bad_argument_cases(rng)
    X = torch.zeros(shape)
    got = student.call("output_size", "calculate_out", X, **exact)
    expected = torch_out(shape, exact["k_size"], exact["stride"], (1, 1), (exact["padding"],) * 2)
    check.value(got, expected, "calculate_out", "sizes", call=describe_call("calculate_out", X, **exact))
    for case, kwargs in bad.items():
        check.raises_value_error(lambda: student.call("output_size", "calculate_out", X, **kwargs),
                                 "calculate_out", case, call=describe_call("calculate_out", X, **kwargs))
