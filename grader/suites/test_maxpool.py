"""Hidden suite for exercise 4, ``maxpool`` (15 points).

| test                | points | what                                                                |
|---------------------|--------|---------------------------------------------------------------------|
| unfold_random       | 3      | one case per stratum (configs.POOL_STRATA): values and flat indices vs F.max_pool2d(return_indices=True) |
| unfold_ties         | 3      | few distinct values: ties must go to the first maximum (row-major)   |
| unfold_overlapping  | 2      | stride smaller than the kernel, a maximum shared by two windows      |
| unfold_course       | 1      | the course's pool indices [[0, 2], [8, 10]] and [[1, 2], [13, 10]], also scaled by k (float64) |
| backward_random     | 3      | gradient to each window's argmax (summed on a shared argmax), vs autograd; float64, and a transposed gradient |
| bad_input           | 1      | a valid call is right, then ValueError for kernel_size 0             |
| no_mutation         | 1      | right values; the inputs of both functions come back unchanged       |
| composition         | 1      | maxpool2d_unfold with the student's own earlier functions            |

Every test that pools also requires ``H`` back unchanged: pooling code that writes into its
input gets the right values for some random cases and wrong ones for others, and this makes
its score the same under every student id.

``maxpool2d_unfold`` may not use F.max_pool2d or nn.MaxPool2d. Every test but ``composition``
runs with correct stand-ins of the earlier exercises (see docs/grading.md).
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grader.course.messages import Text
from grader.grading.calls import describe_call
from grader.suites.configs import (PoolCase, check_unchanged_if_it_runs, course_data, pool_case, pool_cases,
                                   scaled_course_data, as_gradient)


def check_pool(student, check, case: PoolCase) -> None:
    """Values and indices as torch's, and ``H`` unchanged: writing into the input while
    pooling corrupts the windows read later only for some values, so a test that checked
    values alone would pass or fail such code depending on the student's random case."""
    kernel, stride = case.pairs()
    values, indices = F.max_pool2d(case.H, kernel, stride, return_indices=True)
    got, after, _ = student.call_and_inputs("maxpool", "maxpool2d_unfold", case.H, case.kernel_size, stride=case.stride)
    call = describe_call("maxpool2d_unfold", case.H, case.kernel_size, stride=case.stride)
    window = check.conv_window(kernel, stride, (0, 0), (1, 1), source=case.H, pooled=True)
    check.parts(got, ("values", "indices"), "maxpool2d_unfold", call=call)
    check.tensor(got[0], values, "maxpool2d_unfold", "values", call=call, window=window)
    check.tensor(got[1], indices, "maxpool2d_unfold", "indices", call=call, window=window)
    check.unchanged([case.H], after[:1], ["H"], "maxpool2d_unfold", call=call)


@pytest.mark.points(3)
def test_unfold_random(student, check, rng, gen):
    for case in pool_cases(rng, gen):
        check_pool(student, check, case)


@pytest.mark.points(3)
def test_unfold_ties(student, check, rng, gen):
    for case in pool_cases(rng, gen, ("plain", "strided"), ties=True):
        check_pool(student, check, case)


@pytest.mark.points(2)
def test_unfold_overlapping(student, check, rng, gen):
    check_pool(student, check, pool_case(rng, gen, "overlapping"))
    check_pool(student, check, pool_case(rng, gen, "overlapping", ties=True))


@pytest.mark.points(1)
def test_unfold_course(student, check, ref, rng):
    for X, weight, bias, _, _ in (course_data(ref), scaled_course_data(ref, rng)):
        check_pool(student, check, PoolCase(F.conv2d(X, weight, bias), 2, None))


def backward_inputs(case: PoolCase, gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, tuple, torch.Tensor]:
    """``(dout, indices, input_shape)`` for ``maxpool2d_backward`` on ``case``, and torch's gradient."""
    kernel, stride = case.pairs()
    H = case.H.clone().requires_grad_(True)
    values, indices = F.max_pool2d(H, kernel, stride, return_indices=True)
    dout = as_gradient(torch.randn(values.shape, generator=gen, dtype=values.dtype), case.stratum)
    (expected,) = torch.autograd.grad((values * dout).sum(), H)
    return dout, indices, tuple(case.H.shape), expected


@pytest.mark.points(3)
def test_backward_random(student, check, rng, gen):
    for case in pool_cases(rng, gen, ("plain", "overlapping")):
        dout, indices, shape, expected = backward_inputs(case, gen)
        got = student.call("maxpool", "maxpool2d_backward", dout, indices, shape)
        check.tensor(got, expected, "maxpool2d_backward", "input_grad", window=check.pixel_window(),
                     call=describe_call("maxpool2d_backward", dout, indices, shape))


@pytest.mark.points(1)
def test_bad_input(student, check, rng, gen):
    case = pool_case(rng, gen, "strided")
    check_pool(student, check, case)
    check.raises_value_error(lambda: student.call("maxpool", "maxpool2d_unfold", case.H, 0),
                             "maxpool2d_unfold", Text("case_kernel_size_zero"), call=describe_call("maxpool2d_unfold", case.H, 0))


@pytest.mark.points(1)
def test_no_mutation(student, check, rng, gen):
    case = pool_case(rng, gen)
    kernel, stride = case.pairs()
    got, after, _ = student.call_and_inputs("maxpool", "maxpool2d_unfold", case.H, case.kernel_size, case.stride)
    call = describe_call("maxpool2d_unfold", case.H, case.kernel_size, case.stride)
    values, _ = F.max_pool2d(case.H, kernel, stride, return_indices=True)
    check.tensor(got[0] if type(got) in (tuple, list) and got else got, values, "maxpool2d_unfold", "values", call=call)
    check.unchanged([case.H], after, ["H"], "maxpool2d_unfold", call=call)
    dout, indices, shape, _ = backward_inputs(case, gen)
    check_unchanged_if_it_runs(student, check, "maxpool", "maxpool2d_backward", (dout, indices, shape),
                               ("dout", "indices", "input_shape"))


@pytest.mark.points(1)
def test_composition(student, check, rng, gen):
    # The student's own functions together (maxpool2d_unfold may build on calculate_out, im2col).
    with student.composed():
        check_pool(student, check, pool_case(rng, gen, "strided"))
