"""Hidden suite for exercise 3, ``im2col_conv`` (15 points).

| test                       | points | what                                                           |
|----------------------------|--------|----------------------------------------------------------------|
| im2col_random              | 4      | one case per stratum (configs.CONV_STRATA), vs F.unfold (row order) |
| conv2d_unfold_course       | 1      | the course's 6x6 example and the same scaled by a seeded k in float64, vs F.conv2d |
| conv2d_unfold_random       | 4      | random configurations, vs F.conv2d                              |
| conv2d_unfold_dtype_bias   | 2      | float64 keeps its dtype; bias None                              |
| bad_input                  | 1      | valid calls are right, then ValueError for bad settings         |
| no_mutation                | 2      | right results and the inputs come back unchanged                |
| composition                | 1      | conv2d_unfold on the student's own im2col and calculate_out (strided, padded_dilated) |

``im2col`` may not use F.unfold; ``conv2d_unfold`` may not use F.conv2d. Every test but
``composition`` runs with a correct stand-in of ``calculate_out`` (see docs/grading.md).
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grader.course.messages import Text
from grader.grading.calls import describe_call
from grader.suites.configs import conv_case, conv_cases, conv_reference, course_data, scaled_course_data


def check_im2col(student, check, X: torch.Tensor, kernel, settings: dict) -> None:
    stride, padding, dilation = (settings[k] for k in ("stride", "padding", "dilation"))
    expected = F.unfold(X, kernel, dilation=dilation, padding=padding, stride=stride)
    got = student.call("im2col_conv", "im2col", X, kernel, **settings)
    pairs = [(v, v) if isinstance(v, int) else tuple(v) for v in (kernel, stride, padding, dilation)]
    out_w = F.conv2d(X[:1, :1], torch.zeros(1, 1, *pairs[0]), None, pairs[1], pairs[2], pairs[3]).shape[-1]
    check.tensor(got, expected, "im2col", "columns", call=describe_call("im2col", X, kernel, **settings),
                 window=check.column_window(*pairs, out_w))


def check_conv2d_unfold(student, check, case) -> None:
    got = student.call("im2col_conv", "conv2d_unfold", case.X, case.weight, case.bias, **case.settings())
    check.tensor(got, conv_reference(case), "conv2d_unfold", "output",
                 call=describe_call("conv2d_unfold", case.X, case.weight, case.bias, **case.settings()),
                 window=check.conv_window(case.kernel, *case.pairs(), source=case.X))


@pytest.mark.points(4)
def test_im2col_random(student, check, rng, gen):
    for case in conv_cases(rng, gen):
        check_im2col(student, check, case.X, case.kernel, case.settings())


@pytest.mark.points(1)
def test_conv2d_unfold_course(student, check, ref, rng):
    for X, weight, bias, _, _ in (course_data(ref), scaled_course_data(ref, rng)):
        got = student.call("im2col_conv", "conv2d_unfold", X, weight, bias)
        check.tensor(got, F.conv2d(X, weight, bias), "conv2d_unfold", "output",
                     call=describe_call("conv2d_unfold", X, weight, bias),
                     window=check.conv_window((3, 3), (1, 1), (0, 0), (1, 1)))


@pytest.mark.points(4)
def test_conv2d_unfold_random(student, check, rng, gen):
    for case in conv_cases(rng, gen, bias=None):
        check_conv2d_unfold(student, check, case)


@pytest.mark.points(2)
def test_conv2d_unfold_dtype_bias(student, check, rng, gen):
    check_conv2d_unfold(student, check, conv_case(rng, gen, "strided", dtype=torch.float64, bias=True))
    check_conv2d_unfold(student, check, conv_case(rng, gen, "padded_dilated", bias=False))


@pytest.mark.points(1)
def test_bad_input(student, check, rng, gen):
    case = conv_case(rng, gen, "int_settings")
    check_im2col(student, check, case.X, case.kernel, case.settings())
    check_conv2d_unfold(student, check, case)
    check.raises_value_error(lambda: student.call("im2col_conv", "im2col", case.X, case.kernel, padding=-1),
                             "im2col", Text("case_padding_minus_one"), call=describe_call("im2col", case.X, case.kernel, padding=-1))
    wrong = torch.zeros(2, case.X.shape[1] + 1, 1, 1)
    check.raises_value_error(lambda: student.call("im2col_conv", "conv2d_unfold", case.X, wrong),
                             "conv2d_unfold", Text("case_channel_mismatch"),
                             call=describe_call("conv2d_unfold", case.X, wrong))


@pytest.mark.points(2)
def test_no_mutation(student, check, rng, gen):
    case = conv_case(rng, gen, "padded_dilated")
    got, after, _ = student.call_and_inputs("im2col_conv", "im2col", case.X, case.kernel, **case.settings())
    call = describe_call("im2col", case.X, case.kernel, **case.settings())
    stride, padding, dilation = case.pairs()
    check.tensor(got, F.unfold(case.X, case.kernel, dilation, padding, stride), "im2col", "columns", call=call)
    check.unchanged([case.X], after, ["X"], "im2col", call=call)
    args = (case.X, case.weight, case.bias)
    got, after, _ = student.call_and_inputs("im2col_conv", "conv2d_unfold", *args, **case.settings())
    call = describe_call("conv2d_unfold", *args, **case.settings())
    check.tensor(got, conv_reference(case), "conv2d_unfold", "output", call=call)
    check.unchanged(args, after, ("X", "weight", "bias"), "conv2d_unfold", call=call)


@pytest.mark.points(1)
def test_composition(student, check, rng, gen):
    # The student's own functions together: conv2d_unfold on their im2col and calculate_out;
    # strided (floor matters) and padded_dilated (padding on both axes, a dilation).
    with student.composed():
        for case in conv_cases(rng, gen, ("strided", "padded_dilated")):
            check_conv2d_unfold(student, check, case)
