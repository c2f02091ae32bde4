"""Bad input: every reference function refuses what torch refuses, with a ValueError that
names the function and the offending argument; and no function changes its inputs."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
import torch.nn.functional as F

MODULES = ("output_size", "loop_conv", "im2col_conv", "maxpool", "backward", "worked_example", "mnist")

g = torch.Generator().manual_seed(0)
X = torch.randn(2, 3, 6, 5, generator=g)
W = torch.randn(4, 3, 3, 3, generator=g)
W_2CH = torch.randn(4, 2, 3, 3, generator=g)
W_BIG = torch.randn(4, 3, 7, 3, generator=g)
DOUT = torch.randn(2, 4, 4, 3, generator=g)
COLS = F.unfold(X, 3)
SEQ = torch.randn(2, 3, 10, generator=g)


@pytest.fixture(scope="module")
def m(ref) -> SimpleNamespace:
    """All reference modules, by name: ``m.maxpool.maxpool2d_unfold``."""
    return SimpleNamespace(**{name: ref(name) for name in MODULES})


# (call on the reference modules, the same configuration in torch or None, function, argument)
BAD = {
    # mismatched channel counts
    "conv2d_loop channels": (lambda m: m.loop_conv.conv2d_loop(X, W_2CH), lambda: F.conv2d(X, W_2CH), "conv2d_loop", "weight"),
    "conv2d_unfold channels": (lambda m: m.im2col_conv.conv2d_unfold(X, W_2CH), lambda: F.conv2d(X, W_2CH), "conv2d_unfold", "weight"),
    "conv2d_backward channels": (lambda m: m.backward.conv2d_backward(DOUT, X, W_2CH), lambda: F.conv2d(X, W_2CH), "conv2d_backward", "weight"),
    "Conv1D channels": (lambda m: m.loop_conv.Conv1D(2, 4, 1, 3, 0)(SEQ), lambda: F.conv1d(SEQ, torch.zeros(4, 2, 3)), "Conv1D", "x"),
    "Conv2D channels": (lambda m: m.loop_conv.Conv2D(2, 4, 1, 3, 0)(X), lambda: F.conv2d(X, W_2CH), "Conv2D", "x"),
    "conv2d_unfold bias": (lambda m: m.im2col_conv.conv2d_unfold(X, W, torch.zeros(3)), lambda: F.conv2d(X, W, torch.zeros(3)), "conv2d_unfold", "bias"),
    "col2im rows": (lambda m: m.backward.col2im(COLS[:, :-1], (6, 5), 3), lambda: F.fold(COLS[:, :-1], (6, 5), 3), "col2im", "cols"),
    # wrong number of dims
    "conv2d_loop X dims": (lambda m: m.loop_conv.conv2d_loop(X[0, 0], W), lambda: F.conv2d(X[0, 0], W), "conv2d_loop", "X"),
    "conv2d_unfold X dims": (lambda m: m.im2col_conv.conv2d_unfold(X[None], W), lambda: F.conv2d(X[None], W), "conv2d_unfold", "X"),
    "conv2d_unfold weight dims": (lambda m: m.im2col_conv.conv2d_unfold(X, W[0]), lambda: F.conv2d(X, W[0]), "conv2d_unfold", "weight"),
    "im2col X dims": (lambda m: m.im2col_conv.im2col(X[0, 0], 3), lambda: F.unfold(X[0, 0], 3), "im2col", "X"),
    "maxpool2d_unfold H dims": (lambda m: m.maxpool.maxpool2d_unfold(X[0, 0], 2), lambda: F.max_pool2d(X[0, 0, 0], 2), "maxpool2d_unfold", "H"),
    "maxpool2d_backward dout dims": (lambda m: m.maxpool.maxpool2d_backward(X[0], X[0].long(), X.shape), None, "maxpool2d_backward", "dout"),
    "col2im cols dims": (lambda m: m.backward.col2im(COLS[None], (6, 5), 3), lambda: F.fold(COLS[None], (6, 5), 3), "col2im", "cols"),
    "conv2d_backward dout dims": (lambda m: m.backward.conv2d_backward(DOUT[0], X, W), None, "conv2d_backward", "dout"),
    "Conv1D x dims": (lambda m: m.loop_conv.Conv1D(3, 4, 1, 3, 0)(X), lambda: F.conv1d(X, torch.zeros(4, 3, 3)), "Conv1D", "x"),
    "Conv2D x dims": (lambda m: m.loop_conv.Conv2D(3, 4, 1, 3, 0)(X[None]), lambda: F.conv2d(X[None], W), "Conv2D", "x"),
    "MaxPool1D x dims": (lambda m: m.loop_conv.MaxPool1D(2)(X), lambda: F.max_pool1d(X[None], 2), "MaxPool1D", "x"),
    # kernel larger than the padded input
    "conv2d_loop big kernel": (lambda m: m.loop_conv.conv2d_loop(X, W_BIG), lambda: F.conv2d(X, W_BIG), "conv2d_loop", "kernel"),
    "conv2d_unfold dilated kernel": (lambda m: m.im2col_conv.conv2d_unfold(X, W, dilation=(1, 3)), lambda: F.conv2d(X, W, dilation=(1, 3)), "conv2d_unfold", "kernel"),
    "conv2d_backward big kernel": (lambda m: m.backward.conv2d_backward(DOUT, X, W_BIG), lambda: F.conv2d(X, W_BIG), "conv2d_backward", "kernel"),
    "im2col big kernel": (lambda m: m.im2col_conv.im2col(X, (2, 6)), lambda: F.unfold(X, (2, 6)), "im2col", "kernel_size"),
    "maxpool2d_unfold big kernel": (lambda m: m.maxpool.maxpool2d_unfold(X, (7, 2)), lambda: F.max_pool2d(X, (7, 2)), "maxpool2d_unfold", "kernel_size"),
    "col2im big kernel": (lambda m: m.backward.col2im(COLS, (2, 2), 3), lambda: F.fold(COLS, (2, 2), 3), "col2im", "kernel_size"),
    "Conv1D big kernel": (lambda m: m.loop_conv.Conv1D(3, 4, 1, 13, 1)(SEQ), lambda: F.conv1d(SEQ, torch.zeros(4, 3, 13), padding=1), "Conv1D", "kernel_size"),
    "Conv2D big kernel": (lambda m: m.loop_conv.Conv2D(3, 4, 1, 6, 0)(X), lambda: F.conv2d(X, torch.zeros(4, 3, 6, 6)), "Conv2D", "kernel_size"),
    "MaxPool1D big pooling": (lambda m: m.loop_conv.MaxPool1D(11)(SEQ), lambda: F.max_pool1d(SEQ, 11), "MaxPool1D", "pooling"),
    # non-positive stride or dilation, negative padding
    "conv2d_loop stride 0": (lambda m: m.loop_conv.conv2d_loop(X, W, stride=0), lambda: F.conv2d(X, W, stride=0), "conv2d_loop", "stride"),
    "conv2d_loop dilation 0": (lambda m: m.loop_conv.conv2d_loop(X, W, dilation=(1, 0)), lambda: F.conv2d(X, W, dilation=(1, 0)), "conv2d_loop", "dilation"),
    "conv2d_unfold stride -1": (lambda m: m.im2col_conv.conv2d_unfold(X, W, stride=(-1, 1)), lambda: F.conv2d(X, W, stride=(-1, 1)), "conv2d_unfold", "stride"),
    "conv2d_unfold padding -1": (lambda m: m.im2col_conv.conv2d_unfold(X, W, padding=-1), lambda: F.conv2d(X, W, padding=-1), "conv2d_unfold", "padding"),
    "conv2d_backward dilation 0": (lambda m: m.backward.conv2d_backward(DOUT, X, W, dilation=0), lambda: F.conv2d(X, W, dilation=0), "conv2d_backward", "dilation"),
    "im2col stride 0": (lambda m: m.im2col_conv.im2col(X, 3, stride=0), lambda: F.unfold(X, 3, stride=0), "im2col", "stride"),
    "im2col dilation 0": (lambda m: m.im2col_conv.im2col(X, 3, dilation=0), lambda: F.unfold(X, 3, dilation=0), "im2col", "dilation"),
    "maxpool2d_unfold stride 0": (lambda m: m.maxpool.maxpool2d_unfold(X, 2, (0, 1)), lambda: F.max_pool2d(X, 2, (0, 1)), "maxpool2d_unfold", "stride"),
    "col2im stride 0": (lambda m: m.backward.col2im(COLS, (6, 5), 3, stride=0), lambda: F.fold(COLS, (6, 5), 3, stride=0), "col2im", "stride"),
    "col2im dilation 0": (lambda m: m.backward.col2im(COLS, (6, 5), 3, dilation=0), lambda: F.fold(COLS, (6, 5), 3, dilation=0), "col2im", "dilation"),
    "Conv1D stride 0": (lambda m: m.loop_conv.Conv1D(3, 4, 0, 3, 0), lambda: F.conv1d(SEQ, torch.zeros(4, 3, 3), stride=0), "Conv1D", "stride"),
    "Conv2D stride 0": (lambda m: m.loop_conv.Conv2D(3, 4, 0, 3, 0), lambda: F.conv2d(X, W, stride=0), "Conv2D", "stride"),
    "MaxPool1D pooling 0": (lambda m: m.loop_conv.MaxPool1D(0), lambda: F.max_pool1d(SEQ, 0), "MaxPool1D", "pooling"),
}


@pytest.mark.parametrize("call, torch_call, func, argument", BAD.values(), ids=BAD.keys())
def test_bad_input_raises_value_error_naming_function_and_argument(m, call, torch_call, func, argument):
    if torch_call is not None:
        with pytest.raises(Exception):  # RuntimeError, IndexError or ValueError, depending on the op
            torch_call()
    with pytest.raises(ValueError) as error:
        call(m)
    message = str(error.value)
    assert message.startswith(f"{func}:") and argument in message.split(":", 1)[1], message


def _snapshot(value):
    """A deep copy of tensors inside lists and tuples."""
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, (list, tuple)):
        return [_snapshot(v) for v in value]
    return value


def _same(old, new) -> bool:
    if isinstance(old, torch.Tensor):
        return old.dtype == new.dtype and torch.equal(old, new.detach())
    if isinstance(old, list):
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new))
    return old == new


def _calls(m) -> dict:
    """One valid call of every reference function: ``name -> (function, args)``."""
    course = m.worked_example.course_data()
    H = torch.randint(0, 3, (2, 3, 6, 6), generator=torch.Generator().manual_seed(1)).float()
    values, indices = m.maxpool.maxpool2d_unfold(H, 3, 2)
    loader = [(torch.randn(3, 1, 28, 28, generator=g), torch.tensor([1, 2, 3]))]
    return {
        "calculate_out": (m.output_size.calculate_out, (X, (3, 2), 2, 1, 1)),
        "conv2d_loop": (m.loop_conv.conv2d_loop, (X, W, torch.ones(4), 2, 1, 1)),
        "Conv1D": (m.loop_conv.Conv1D(3, 2, 2, 3, 1), (SEQ,)),
        "Conv2D": (m.loop_conv.Conv2D(3, 2, 2, 3, 1), (X,)),
        "MaxPool1D": (m.loop_conv.MaxPool1D(3), (SEQ,)),
        "im2col": (m.im2col_conv.im2col, (X, 3, 1, 1, 1)),
        "conv2d_unfold": (m.im2col_conv.conv2d_unfold, (X, W, torch.ones(4), 1, 1)),
        "maxpool2d_unfold": (m.maxpool.maxpool2d_unfold, (H, 3, 2)),
        "maxpool2d_backward": (m.maxpool.maxpool2d_backward, (values.clone(), indices, H.shape)),
        "col2im": (m.backward.col2im, (COLS, (6, 5), 3)),
        "conv2d_backward": (m.backward.conv2d_backward, (DOUT, X, W)),
        "Conv2dFunction": (m.backward.Conv2dFunction.apply, (X.clone().requires_grad_(), W, torch.ones(4), 1, 0, 1)),
        "tiny_forward": (m.worked_example.tiny_forward, course),
        "tiny_backward": (m.worked_example.tiny_backward, course),
        "evaluate": (m.mnist.evaluate, (m.mnist.build_cnn(), loader)),
    }


@pytest.mark.parametrize("name", ["calculate_out", "conv2d_loop", "Conv1D", "Conv2D", "MaxPool1D", "im2col", "conv2d_unfold",
                                  "maxpool2d_unfold", "maxpool2d_backward", "col2im", "conv2d_backward", "Conv2dFunction",
                                  "tiny_forward", "tiny_backward", "evaluate"])
def test_functions_do_not_mutate_their_inputs(m, name):
    function, args = _calls(m)[name]
    before = _snapshot(args)
    result = function(*args)
    if name == "Conv2dFunction":
        result.sum().backward()  # the backward must leave the saved inputs alone too
    assert _same(before, args)
