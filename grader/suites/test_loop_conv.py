"""Hidden suite for exercise 2, ``loop_conv`` (20 points).

| test                     | points | what                                                              |
|--------------------------|--------|-------------------------------------------------------------------|
| conv2d_loop_course       | 1      | the course's 6x6 example, vs F.conv2d                              |
| conv2d_loop_random       | 5      | random stride/padding/dilation/non-square shapes, vs F.conv2d      |
| conv2d_loop_dtype_bias   | 2      | float64 input keeps its dtype; bias None                           |
| conv2d_loop_bad_input    | 1      | a valid call is right, then ValueError for mismatched channels     |
| conv2d_loop_no_mutation  | 1      | right result and the inputs come back unchanged                    |
| conv1d_module            | 3      | parameter names, Linear weights loaded, vs F.conv1d                |
| conv2d_module            | 4      | parameter names, Linear weights loaded, output size per the formula |
| maxpool1d_module         | 3      | vs F.max_pool1d, lengths that do not divide evenly                 |

``conv2d_loop`` may not use any convolution routine or F.unfold (grader/grading/forbidden.py).
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grader.grading.compare import describe_call, describe_module_call
from grader.suites.configs import conv_case, conv_reference, course_data


def check_conv2d_loop(student, check, case) -> None:
    got = student.call("loop_conv", "conv2d_loop", case.X, case.weight, case.bias, **case.settings())
    stride, padding, dilation = case.pairs()
    check.tensor(got, conv_reference(case), "conv2d_loop", "output",
                 call=describe_call("conv2d_loop", case.X, case.weight, case.bias, **case.settings()),
                 window=check.conv_window(case.kernel, stride, padding, dilation, source=case.X))


@pytest.mark.points(1)
def test_conv2d_loop_course(student, check, ref):
    X, weight, bias, _, _ = course_data(ref)
    got = student.call("loop_conv", "conv2d_loop", X, weight, bias)
    check.tensor(got, F.conv2d(X, weight, bias), "conv2d_loop", "output",
                 call=describe_call("conv2d_loop", X, weight, bias),
                 window=check.conv_window((3, 3), (1, 1), (0, 0), (1, 1), source=X))


@pytest.mark.points(5)
def test_conv2d_loop_random(student, check, rng, gen):
    for _ in range(3):
        check_conv2d_loop(student, check, conv_case(rng, gen))


@pytest.mark.points(2)
def test_conv2d_loop_dtype_bias(student, check, rng, gen):
    check_conv2d_loop(student, check, conv_case(rng, gen, dtype=torch.float64, bias=True))
    check_conv2d_loop(student, check, conv_case(rng, gen, bias=False))


@pytest.mark.points(1)
def test_conv2d_loop_bad_input(student, check, rng, gen):
    case = conv_case(rng, gen)
    check_conv2d_loop(student, check, case)
    wrong = torch.zeros(case.weight.shape[0], case.weight.shape[1] + 1, *case.kernel)
    check.raises_value_error(lambda: student.call("loop_conv", "conv2d_loop", case.X, wrong),
                             "conv2d_loop", "a weight with a different channel count than X",
                             call=describe_call("conv2d_loop", case.X, wrong))


@pytest.mark.points(1)
def test_conv2d_loop_no_mutation(student, check, rng, gen):
    case = conv_case(rng, gen, bias=True)
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


@pytest.mark.points(3)
def test_conv1d_module(student, check, rng, gen):
    for _ in range(2):
        c_in, c_out, k = rng.randint(1, 3), rng.randint(1, 4), rng.randint(1, 4)
        stride, padding = rng.randint(1, 3), rng.randint(0, 2)
        x = torch.randn(rng.randint(1, 3), c_in, max(1, k - 2 * padding) + rng.randint(0, 8), generator=gen)
        state = {"kernel.weight": torch.randn(c_out, k * c_in, generator=gen),
                 "kernel.bias": torch.randn(c_out, generator=gen)}
        expected = F.conv1d(x, state["kernel.weight"].view(c_out, c_in, k), state["kernel.bias"], stride, padding)
        check_module(student, check, "Conv1D", [c_in, c_out, stride, k, padding], state, x, expected,
                     check.length_window(k, stride, padding))


@pytest.mark.points(4)
def test_conv2d_module(student, check, rng, gen):
    for uneven in (True, False):
        c_in, c_out, k = rng.randint(1, 3), rng.randint(1, 4), rng.randint(1, 3)
        stride, padding = (2, rng.randint(0, 1)) if uneven else (rng.randint(1, 2), rng.randint(0, 2))
        if uneven and (k, padding) == (2, 0):
            padding = 1  # with k=2, p=0, s=2 the formula equals h // 2 for every h
        h = max(1, k - 2 * padding) + rng.randint(0, 6)
        if uneven:  # pick the nearest height where the formula and h // stride disagree
            h = next(h + i for i in range(2) if (h + i + 2 * padding - k) // stride + 1 != (h + i) // stride)
        x = torch.randn(rng.randint(1, 2), c_in, h, h + rng.randint(0, 2), generator=gen)
        state = {"kernel.weight": torch.randn(c_out, c_in * k * k, generator=gen),
                 "kernel.bias": torch.randn(c_out, generator=gen)}
        weight = state["kernel.weight"].view(c_out, c_in, k, k)
        expected = F.conv2d(x, weight, state["kernel.bias"], stride, padding)
        check_module(student, check, "Conv2D", [c_in, c_out, stride, k, padding], state, x, expected,
                     check.conv_window((k, k), (stride, stride), (padding, padding), (1, 1), source=x))


@pytest.mark.points(3)
def test_maxpool1d_module(student, check, rng, gen):
    for _ in range(2):
        pooling = rng.randint(2, 4)
        x = torch.randn(rng.randint(1, 3), rng.randint(1, 3), pooling * rng.randint(1, 4) + rng.randint(0, pooling - 1),
                        generator=gen)
        call = describe_module_call("MaxPool1D", [pooling], x)
        got = student.op("module_forward", "loop_conv", cls="MaxPool1D", args=[pooling], state={}, x=x)
        check.tensor(got, F.max_pool1d(x, pooling), "MaxPool1D", "output", call=call,
                     window=check.length_window(pooling, pooling, 0))
