"""Hidden suite for exercise 2, ``loop_conv`` (20 points).

| test                     | points | what                                                              |
|--------------------------|--------|-------------------------------------------------------------------|
| conv2d_loop_course       | 1      | the course's 6x6 example and the same scaled by a seeded k in float64, vs F.conv2d |
| conv2d_loop_random       | 5      | one case per stratum (configs.CONV_STRATA), vs F.conv2d            |
| conv2d_loop_dtype_bias   | 2      | float64 input keeps its dtype; bias None                           |
| conv2d_loop_bad_input    | 1      | a valid call is right, then ValueError for mismatched channels     |
| conv2d_loop_no_mutation  | 1      | right result and the inputs come back unchanged                    |
| conv1d_module            | 3      | parameter names, Linear weights loaded, vs F.conv1d                |
| conv2d_module            | 3      | parameter names, Linear weights loaded, output size per the formula |
| maxpool1d_module         | 3      | vs F.max_pool1d, lengths that do not divide evenly                 |
| composition              | 1      | Conv2D with the student's own calculate_out (see docs/grading.md)  |

``conv2d_loop`` may not use any convolution routine or F.unfold (grader/grading/forbidden.py).
Every test but ``composition`` runs the student's code with correct stand-ins of the earlier
exercises (``calculate_out``): a bug there is charged once, in its own exercise.
"""
from __future__ import annotations

import random

import pytest
import torch
import torch.nn.functional as F

from grader.course.messages import Text
from grader.grading.calls import describe_call, describe_module_call
from grader.suites.configs import (
    conv_case,
    conv_cases,
    conv_reference,
    course_data,
    scaled_course_data,
    floor_matters,
    in_out_channels,
    pick_size,
    redraw,
)


def check_conv2d_loop(student, check, case) -> None:
    got = student.call("loop_conv", "conv2d_loop", case.X, case.weight, case.bias, **case.settings())
    stride, padding, dilation = case.pairs()
    check.tensor(got, conv_reference(case), "conv2d_loop", "output",
                 call=describe_call("conv2d_loop", case.X, case.weight, case.bias, **case.settings()),
                 window=check.conv_window(case.kernel, stride, padding, dilation, source=case.X))


@pytest.mark.points(1)
def test_conv2d_loop_course(student, check, ref, rng):
    for X, weight, bias, _, _ in (course_data(ref), scaled_course_data(ref, rng)):
        got = student.call("loop_conv", "conv2d_loop", X, weight, bias)
        check.tensor(got, F.conv2d(X, weight, bias), "conv2d_loop", "output",
                     call=describe_call("conv2d_loop", X, weight, bias),
                     window=check.conv_window((3, 3), (1, 1), (0, 0), (1, 1), source=X))


@pytest.mark.points(5)
def test_conv2d_loop_random(student, check, rng, gen):
    for case in conv_cases(rng, gen, bias=None):
        check_conv2d_loop(student, check, case)


@pytest.mark.points(2)
def test_conv2d_loop_dtype_bias(student, check, rng, gen):
    check_conv2d_loop(student, check, conv_case(rng, gen, "strided", dtype=torch.float64, bias=True))
    check_conv2d_loop(student, check, conv_case(rng, gen, "padded_dilated", bias=False))


@pytest.mark.points(1)
def test_conv2d_loop_bad_input(student, check, rng, gen):
    case = conv_case(rng, gen, "int_settings")
    check_conv2d_loop(student, check, case)
    wrong = torch.zeros(case.weight.shape[0], case.weight.shape[1] + 1, *case.kernel)
    check.raises_value_error(lambda: student.call("loop_conv", "conv2d_loop", case.X, wrong),
                             "conv2d_loop", Text("case_channel_mismatch"),
                             call=describe_call("conv2d_loop", case.X, wrong))


@pytest.mark.points(1)
def test_conv2d_loop_no_mutation(student, check, rng, gen):
    case = conv_case(rng, gen, "padded_dilated")
    args = (case.X, case.weight, case.bias)
    got, after, _ = student.call_and_inputs("loop_conv", "conv2d_loop", *args, **case.settings())
    call = describe_call("conv2d_loop", *args, **case.settings())
    check.tensor(got, conv_reference(case), "conv2d_loop", "output", call=call)
    check.unchanged(args, after, ("X", "weight", "bias"), "conv2d_loop", call=call)


def check_module(student, check, cls: str, args: list, state: dict, x: torch.Tensor, expected: torch.Tensor,
                 window) -> None:
    """Parameter names and shapes, then the forward pass with ``state`` loaded, vs ``expected``."""
    call = describe_module_call(cls, args, x)
    names = student.op("module_parameters", "loop_conv", cls=cls, args=args)
    shapes = {name: tuple(t.shape) for name, t in state.items()}
    check.value(names, shapes, cls, "parameters", call=call)
    got = student.op("module_forward", "loop_conv", cls=cls, args=args, state=state, x=x)
    check.tensor(got, expected, cls, "output", call=call, window=window)


def conv1d_setting(rng: random.Random, stratum: str) -> tuple[int, int, int, int]:
    """(kernel, stride, padding, length) of a Conv1D case. ``strided``: stride 2-3, no
    padding, a length where floor, rounding up and ``L // s`` disagree. ``flush``: stride
    2-3 and padding 1-2 with the last window ending exactly at the end of the padded input
    ((L + 2p - k) % s == 0, so it reaches both pads): the boundary a loop ``range(k, L_padded, s)``
    over window ends misses."""
    def draw() -> tuple[int, int, int, int]:
        k, stride = rng.randint(2, 4), rng.randint(2, 3)
        if stratum == "strided":
            return k, stride, 0, pick_size(rng, k, stride, 0, 1, lambda n: floor_matters(n, k, stride, 0, 1))
        padding = rng.randint(1, 2)
        return k, stride, padding, pick_size(rng, k, stride, padding, 1, lambda n: (n + 2 * padding - k) % stride == 0)

    return redraw(draw)


@pytest.mark.points(3)
def test_conv1d_module(student, check, rng, gen):
    for stratum in ("strided", "flush"):
        c_in, c_out = in_out_channels(rng, 4)
        k, stride, padding, length = conv1d_setting(rng, stratum)
        x = torch.randn(rng.randint(2, 3), c_in, length, generator=gen)
        state = {"kernel.weight": torch.randn(c_out, k * c_in, generator=gen),
                 "kernel.bias": torch.randn(c_out, generator=gen)}
        expected = F.conv1d(x, state["kernel.weight"].view(c_out, c_in, k), state["kernel.bias"], stride, padding)
        check_module(student, check, "Conv1D", [c_in, c_out, stride, k, padding], state, x, expected,
                     check.length_window(k, stride, padding))


def check_conv2d_module(student, check, rng, gen, padded: bool) -> None:
    """Conv2D with stride 2 and a non-square input whose output floor, rounding up and
    ``h // stride`` disagree on in both dimensions; ``padded``: padding 1 (else 0)."""
    (c_in, c_out), stride, padding = in_out_channels(rng, 4), 2, int(padded)
    # k = 3 unpadded or k = 2 padded: the only kernels where both can go wrong at stride 2.
    k = 2 if padded else 3
    h = pick_size(rng, k, stride, padding, 1, lambda n: floor_matters(n, k, stride, padding, 1))
    w = pick_size(rng, k, stride, padding, 1, lambda n: floor_matters(n, k, stride, padding, 1) and n != h)
    x = torch.randn(rng.randint(2, 3), c_in, h, w, generator=gen)
    state = {"kernel.weight": torch.randn(c_out, c_in * k * k, generator=gen),
             "kernel.bias": torch.randn(c_out, generator=gen)}
    expected = F.conv2d(x, state["kernel.weight"].view(c_out, c_in, k, k), state["kernel.bias"], stride, padding)
    check_module(student, check, "Conv2D", [c_in, c_out, stride, k, padding], state, x, expected,
                 check.conv_window((k, k), (stride, stride), (padding, padding), (1, 1), source=x))


@pytest.mark.points(3)
def test_conv2d_module(student, check, rng, gen):
    for padded in (False, True):
        check_conv2d_module(student, check, rng, gen, padded)


@pytest.mark.points(3)
def test_maxpool1d_module(student, check, rng, gen):
    # A length the windows cover exactly, then one with a remainder to drop; >= 2 windows.
    for remainder in (False, True):
        pooling = rng.randint(2, 4)
        length = pooling * rng.randint(2, 4) + (rng.randint(1, pooling - 1) if remainder else 0)
        x = torch.randn(rng.randint(2, 3), rng.randint(2, 3), length, generator=gen)
        call = describe_module_call("MaxPool1D", [pooling], x)
        got = student.op("module_forward", "loop_conv", cls="MaxPool1D", args=[pooling], state={}, x=x)
        check.tensor(got, F.max_pool1d(x, pooling), "MaxPool1D", "output", call=call,
                     window=check.length_window(pooling, pooling, 0))


@pytest.mark.points(1)
def test_composition(student, check, rng, gen):
    # The student's own Conv2D with their own calculate_out (graded alone elsewhere).
    with student.composed():
        check_conv2d_module(student, check, rng, gen, padded=True)
