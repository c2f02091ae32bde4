"""Hidden suite for exercise 6, ``worked_example`` (15 points).

| test                 | points | what                                                                  |
|----------------------|--------|-----------------------------------------------------------------------|
| tiny_forward_course  | 2      | the course's 6x6 example gives [[18.]]; scaled by a seeded k in float64 |
| tiny_forward_random  | 3      | random sizes and channels, vs F.conv2d -> F.max_pool2d -> linear       |
| tiny_backward_course | 3      | the course's gradients (weight rows, bias [4, 4], fc); scaled by k (float64) |
| tiny_backward_random | 4      | random integer-valued data with a tied pooling window, vs autograd     |
| no_mutation          | 1      | right result, and the inputs of both functions come back unchanged     |
| composition          | 2      | forward and backward built on the student's own earlier functions      |

``tiny_backward`` may not use autograd. Every test but ``composition`` runs with correct
stand-ins of the earlier exercises (``conv2d_unfold``, ``maxpool2d_unfold``... see docs/grading.md).
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grader.grading.calls import describe_call
from grader.suites.configs import check_unchanged_if_it_runs, course_data, scaled_course_data

NAMES = ("X", "weight", "bias", "fc_weight", "fc_bias")
PARAMETERS = ("weight", "bias", "fc_weight", "fc_bias")
# The course's hand-computed gradients of the summed output (student API, worked_example).
COURSE_WEIGHT_GRAD = torch.tensor([[25., 17., 13., 22., 23., 17., 22., 12., 9.],
                                   [20., 23., 18., 21., 20., 11., 9., 15., 18.]]).view(2, 1, 3, 3)
COURSE_BIAS_GRAD = torch.tensor([4., 4.])


def network(X, weight, bias, fc_weight, fc_bias) -> torch.Tensor:
    """The worked example's network, in torch: conv -> 2x2 max-pool -> flatten -> linear."""
    return F.max_pool2d(F.conv2d(X, weight, bias), 2).flatten(1) @ fc_weight + fc_bias


def autograd_grads(inputs: tuple[torch.Tensor, ...]) -> dict[str, torch.Tensor]:
    leaves = [t.clone().requires_grad_(name in PARAMETERS) for name, t in zip(NAMES, inputs)]
    network(*leaves).sum().backward()
    return {name: leaf.grad for name, leaf in zip(NAMES, leaves) if name in PARAMETERS}


def random_inputs(rng, gen, stratum: int = 0, integers: bool = False) -> tuple[torch.Tensor, ...]:
    """Random float32 inputs of the network, batch >= 2, a non-square image, a non-square
    pooled output and several fc outputs (the course's example has one, where a gradient of the first output only is
    right); stratum 0 has two input channels and a conv output of odd height (the pooling
    drops its last row), stratum 1 one input channel and an odd width. ``integers`` draws small whole
    numbers, as in the course, so the conv is exact on both sides and every pooling argmax
    (ties go to the first) is the same for the student and for autograd; it also plants a
    tie, as the course's example has: a constant 4x4 patch of X at a random pooling window
    makes that window's four conv outputs equal in every sample and channel, so only the
    first-maximum rule routes its gradient right."""
    n, c_in, c_out, outputs = rng.randint(2, 3), 2 - stratum, rng.randint(2, 3), rng.randint(2, 3)
    # Pooled outputs 2x3 or 3x2, never square: a pooling index built with the wrong side shows.
    odd, even = rng.choice([(7, 8), (9, 6)])
    size = (odd, even) if stratum == 0 else (even, odd)
    features = c_out * ((size[0] - 2) // 2) * ((size[1] - 2) // 2)
    shapes = ((n, c_in, *size), (c_out, c_in, 3, 3), (c_out,), (features, outputs), (outputs,))
    if not integers:
        return tuple(torch.randn(*shape, generator=gen) for shape in shapes)
    X, *parameters = (torch.randint(-4, 5, shape, generator=gen).float() for shape in shapes)
    row, col = 2 * rng.randrange((size[0] - 2) // 2), 2 * rng.randrange((size[1] - 2) // 2)
    X[..., row:row + 4, col:col + 4] = X[..., row:row + 1, col:col + 1].clone()
    return (X, *parameters)


def check_forward(student, check, inputs) -> None:
    got = student.call("worked_example", "tiny_forward", *inputs)
    check.tensor(got, network(*inputs), "tiny_forward", "output", call=describe_call("tiny_forward", *inputs))


def check_backward(student, check, inputs, expected: dict[str, torch.Tensor]) -> None:
    got = student.call("worked_example", "tiny_backward", *inputs)
    call = describe_call("tiny_backward", *inputs)
    if type(got) is not dict or set(got) != set(PARAMETERS):
        shown = sorted(got) if type(got) is dict else type(got).__name__
        check.value(str(shown), str(sorted(PARAMETERS)), "tiny_backward", "keys", call=call)
    for name in PARAMETERS:
        check.tensor(got[name], expected[name], "tiny_backward", name, call=call)


@pytest.mark.points(2)
def test_tiny_forward_course(student, check, ref, rng):
    published, scaled = course_data(ref), scaled_course_data(ref, rng)
    for inputs, expected in ((published, torch.tensor([[18.]])), (scaled, network(*scaled))):
        got = student.call("worked_example", "tiny_forward", *inputs)
        check.tensor(got, expected, "tiny_forward", "output", call=describe_call("tiny_forward", *inputs))


@pytest.mark.points(3)
def test_tiny_forward_random(student, check, rng, gen):
    for stratum in (0, 1):
        check_forward(student, check, random_inputs(rng, gen, stratum))


@pytest.mark.points(3)
def test_tiny_backward_course(student, check, ref, rng):
    inputs = course_data(ref)
    expected = autograd_grads(inputs)
    expected["weight"], expected["bias"] = COURSE_WEIGHT_GRAD, COURSE_BIAS_GRAD
    check_backward(student, check, inputs, expected)
    scaled = scaled_course_data(ref, rng)
    check_backward(student, check, scaled, autograd_grads(scaled))


@pytest.mark.points(4)
def test_tiny_backward_random(student, check, rng, gen):
    for stratum in (0, 1):
        inputs = random_inputs(rng, gen, stratum, integers=True)
        check_backward(student, check, inputs, autograd_grads(inputs))


@pytest.mark.points(1)
def test_no_mutation(student, check, rng, gen):
    inputs = random_inputs(rng, gen)
    got, after, _ = student.call_and_inputs("worked_example", "tiny_forward", *inputs)
    call = describe_call("tiny_forward", *inputs)
    check.tensor(got, network(*inputs), "tiny_forward", "output", call=call)
    check.unchanged(inputs, after, NAMES, "tiny_forward", call=call)
    check_unchanged_if_it_runs(student, check, "worked_example", "tiny_backward", inputs, NAMES)


@pytest.mark.points(2)
def test_composition(student, check, rng, gen):
    # The course's way: the network on the student's own conv2d_unfold, maxpool2d_unfold,
    # calculate_out... (each graded alone in its exercise with stand-ins of the others).
    with student.composed():
        check_forward(student, check, random_inputs(rng, gen, 0))
        inputs = random_inputs(rng, gen, 1, integers=True)
        check_backward(student, check, inputs, autograd_grads(inputs))
