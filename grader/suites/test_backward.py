"""Hidden suite for exercise 5, ``backward`` (20 points).

| test                     | points | what                                                             |
|--------------------------|--------|------------------------------------------------------------------|
| col2im_random            | 4      | one case per stratum (configs.CONV_STRATA), overlapping windows, vs F.fold |
| conv2d_backward_random   | 6      | dX, dW, db vs autograd of F.conv2d (float64); dX through col2im   |
| conv2d_function          | 5      | Conv2dFunction forward + backward vs autograd of F.conv2d (float64), with and without bias; one gradient transposed, as autograd may hand it |
| bad_input                | 1      | a valid call is right, then ValueError for columns of the wrong shape |
| no_mutation              | 3      | right results and the inputs come back unchanged                  |
| composition              | 1      | conv2d_backward with the student's own col2im, im2col, calculate_out |

``col2im`` may not use F.fold. ``conv2d_backward`` may not use autograd, and computes dX
through the module's ``col2im`` (the contract): run again with ``col2im``'s output doubled,
its dX must double, which no other route to the same numbers (a transposed convolution)
does. ``Conv2dFunction`` may not name F.conv2d nor run torch's convolution gradients (its
backward builds on conv2d_backward). The trusted side cannot call student code, so ``Conv2dFunction`` is checked by running forward and
backward in the worker and comparing with autograd here (in place of gradcheck).
"""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from grader.course.messages import Text
from grader.grading.calls import describe_call
from grader.suites.configs import CONV_STRATA, ConvCase, conv_case, conv_cases, conv_reference, as_gradient


def fold_case(rng, gen, stratum: str, dtype=torch.float32):
    """Random columns and the settings that fold them: (cols, output_size, kernel, settings).
    The ``padded_dilated`` stratum has overlapping windows (stride 1)."""
    case = conv_case(rng, gen, stratum, dtype=dtype)
    stride, padding, dilation = case.pairs()
    cols_shape = F.unfold(case.X, case.kernel, dilation, padding, stride).shape
    cols = torch.randn(cols_shape, generator=gen, dtype=dtype)
    return cols, tuple(case.X.shape[2:]), case.kernel, case.settings()


def check_col2im(student, check, cols, size, kernel, settings) -> None:
    expected = F.fold(cols, size, kernel, settings["dilation"], settings["padding"], settings["stride"])
    got = student.call("backward", "col2im", cols, size, kernel, **settings)
    check.tensor(got, expected, "col2im", "image", window=check.pixel_window(),
                 call=describe_call("col2im", cols, size, kernel, **settings))


def autograd_grads(case: ConvCase, dout: torch.Tensor) -> tuple[torch.Tensor, ...]:
    """(output, dX, dW, db) of F.conv2d by autograd; db is None without a bias."""
    X = case.X.clone().requires_grad_(True)
    w = case.weight.clone().requires_grad_(True)
    b = None if case.bias is None else case.bias.clone().requires_grad_(True)
    stride, padding, dilation = case.pairs()
    out = F.conv2d(X, w, b, stride, padding, dilation)
    (out * dout).sum().backward()  # backward(dout) would import sympy (about 1 s) to compare shapes
    return out.detach(), X.grad, w.grad, None if b is None else b.grad


def random_dout(case: ConvCase, gen) -> torch.Tensor:
    return torch.randn(conv_reference(case).shape, generator=gen, dtype=case.X.dtype)


def check_conv2d_backward(student, check, case: ConvCase, dout: torch.Tensor) -> None:
    _, dX, dW, _ = autograd_grads(case, dout)
    db = dout.sum((0, 2, 3))
    args = (dout, case.X, case.weight)
    got = student.call("backward", "conv2d_backward", *args, **case.settings())
    call = describe_call("conv2d_backward", *args, **case.settings())
    check.parts(got, ("dX", "dW", "db"), "conv2d_backward", call=call)
    check.tensor(got[0], dX, "conv2d_backward", "dX", call=call, window=check.pixel_window())
    check.tensor(got[1], dW, "conv2d_backward", "dW", call=call)
    check.tensor(got[2], db, "conv2d_backward", "db", call=call)
    doubled = student.op("call_through", "backward", forbid="conv2d_backward", function="conv2d_backward",
                         helper="col2im", scale=2.0, args=list(args), kwargs=case.settings())
    check.parts(doubled, ("dX", "dW", "db"), "conv2d_backward", call=call)
    check.computed_through(doubled[0], got[0], 2.0, "conv2d_backward", "dX", "col2im", call=call)


@pytest.mark.points(4)
def test_col2im_random(student, check, rng, gen):
    for stratum in CONV_STRATA:
        check_col2im(student, check, *fold_case(rng, gen, stratum))


@pytest.mark.points(6)
def test_conv2d_backward_random(student, check, rng, gen):
    for case in conv_cases(rng, gen, dtype=torch.float64):
        check_conv2d_backward(student, check, case, random_dout(case, gen))


@pytest.mark.points(5)
def test_conv2d_function(student, check, rng, gen):
    for stratum, bias in (("strided", True), ("padded_dilated", False)):
        case = conv_case(rng, gen, stratum, dtype=torch.float64, bias=bias)
        # padded_dilated: autograd hands the backward a transposed gradient (configs.as_gradient)
        dout = as_gradient(random_dout(case, gen), stratum)
        out, dX, dW, db = autograd_grads(case, dout)
        stride, padding, dilation = case.pairs()
        call = describe_call("Conv2dFunction.apply", case.X, case.weight, case.bias, stride, padding, dilation)
        got = student.op("function_forward_backward", "backward", forbid="Conv2dFunction", cls="Conv2dFunction",
                         inputs=[case.X, case.weight, case.bias], args=[stride, padding, dilation], dout=dout)
        check.tensor(got["output"], out, "Conv2dFunction.forward", "output", call=call,
                     window=check.conv_window(case.kernel, stride, padding, dilation, source=case.X))
        grads = got["grads"]
        check.tensor(grads[0], dX, "Conv2dFunction.backward", "dX", call=call, window=check.pixel_window())
        check.tensor(grads[1], dW, "Conv2dFunction.backward", "dW", call=call)
        if bias:
            check.tensor(grads[2], db, "Conv2dFunction.backward", "db", call=call)
        else:
            check.value(grads[2], None, "Conv2dFunction.backward", "db", call=call)


@pytest.mark.points(1)
def test_bad_input(student, check, rng, gen):
    cols, size, kernel, settings = fold_case(rng, gen, "int_settings")
    check_col2im(student, check, cols, size, kernel, settings)
    wrong = cols[:, :, :-1] if cols.shape[2] > 1 else torch.cat([cols, cols], 2)
    check.raises_value_error(lambda: student.call("backward", "col2im", wrong, size, kernel, **settings),
                             "col2im", Text("case_column_count"),
                             call=describe_call("col2im", wrong, size, kernel, **settings))


@pytest.mark.points(3)
def test_no_mutation(student, check, rng, gen):
    cols, size, kernel, settings = fold_case(rng, gen, "padded_dilated")
    got, after, _ = student.call_and_inputs("backward", "col2im", cols, size, kernel, **settings)
    call = describe_call("col2im", cols, size, kernel, **settings)
    expected = F.fold(cols, size, kernel, settings["dilation"], settings["padding"], settings["stride"])
    check.tensor(got, expected, "col2im", "image", call=call)
    check.unchanged([cols], after, ["cols"], "col2im", call=call)
    case = conv_case(rng, gen, "strided", dtype=torch.float64)
    dout = random_dout(case, gen)
    args = (dout, case.X, case.weight)
    got, after, _ = student.call_and_inputs("backward", "conv2d_backward", *args, **case.settings())
    call = describe_call("conv2d_backward", *args, **case.settings())
    _, dX, _, _ = autograd_grads(case, dout)
    check.tensor(got[0] if type(got) in (tuple, list) and got else got, dX, "conv2d_backward", "dX", call=call)
    check.unchanged(args, after, ("dout", "X", "weight"), "conv2d_backward", call=call)


@pytest.mark.points(1)
def test_composition(student, check, rng, gen):
    # The student's own functions together: conv2d_backward on their col2im, im2col, calculate_out.
    # Strided (floor matters) and padded_dilated (padding on both axes: col2im's padded row length shows).
    with student.composed():
        for case in conv_cases(rng, gen, ("strided", "padded_dilated"), dtype=torch.float64):
            check_conv2d_backward(student, check, case, random_dout(case, gen))
