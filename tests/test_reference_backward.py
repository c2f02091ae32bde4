"""Exercise 5: col2im is F.fold (and the adjoint of im2col); conv gradients equal autograd's."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F


def _fold_args(case) -> tuple:
    """``(kernel_size, dilation, padding, stride)`` in F.fold's positional order."""
    return case.kernel, case.dilation, case.padding, case.stride


def test_col2im_equals_fold(ref, conv_case, gen, monkeypatch):
    rows = conv_case.in_channels * conv_case.kernel[0] * conv_case.kernel[1]
    L = F.unfold(torch.zeros(1, 1, *conv_case.size), *_fold_args(conv_case)).shape[2]
    cols = torch.randn(conv_case.batch, rows, L, generator=gen)
    expected = F.fold(cols, conv_case.size, *_fold_args(conv_case))
    expected_single = F.fold(cols[0], conv_case.size, *_fold_args(conv_case))
    monkeypatch.setattr(F, "fold", None)  # the reference must not call it
    col2im = ref("backward").col2im
    torch.testing.assert_close(col2im(cols, conv_case.size, conv_case.kernel, **conv_case.args), expected)
    torch.testing.assert_close(col2im(cols[0], conv_case.size, conv_case.kernel, **conv_case.args), expected_single)


def test_col2im_is_the_adjoint_of_im2col(ref, conv_case, gen):
    """<im2col(x), y> == <x, col2im(y)> for every x, y: col2im is im2col transposed."""
    X, _, _ = conv_case.tensors(gen, torch.float64)
    cols = ref("im2col_conv").im2col(X, conv_case.kernel, **conv_case.args)
    Y = torch.randn(cols.shape, generator=gen, dtype=torch.float64)
    back = ref("backward").col2im(Y, conv_case.size, conv_case.kernel, **conv_case.args)
    torch.testing.assert_close((cols * Y).sum(), (X * back).sum())


def test_adjoint_grid_has_overlap_padding_and_non_square_kernels(conv_cases):
    pairs = lambda v: (v, v) if isinstance(v, int) else v
    assert any(any(s < k for s, k in zip(pairs(c.stride), c.kernel)) for c in conv_cases)
    assert any(any(pairs(c.padding)) for c in conv_cases)
    assert any(c.kernel[0] != c.kernel[1] for c in conv_cases)


def test_conv2d_backward_equals_autograd(ref, conv_case, gen, monkeypatch):
    X, weight, bias = conv_case.tensors(gen)
    leaves = [t.clone().requires_grad_() for t in (X, weight, bias)]
    out = F.conv2d(*leaves, **conv_case.args)
    dout = torch.randn(out.shape, generator=gen)
    out.backward(dout)

    def forbidden(*args, **kwargs):
        raise AssertionError("conv2d_backward used autograd")

    monkeypatch.setattr(torch.Tensor, "backward", forbidden)
    monkeypatch.setattr(torch.autograd, "grad", forbidden)
    dX, dW, db = ref("backward").conv2d_backward(dout, X, weight, **conv_case.args)
    for ours, expected in zip((dX, dW, db), leaves):
        torch.testing.assert_close(ours, expected.grad)


# (X shape, weight shape, stride, padding, dilation)
GRADCHECK = [
    ((2, 2, 5, 6), (3, 2, 3, 2), 1, 1, 1),
    ((1, 3, 7, 6), (2, 3, 2, 3), (2, 1), (1, 2), (2, 1)),
    ((2, 1, 6, 7), (2, 1, 3, 3), 2, (0, 1), 2),
]


@pytest.mark.parametrize("with_bias", [True, False], ids=["bias", "no-bias"])
@pytest.mark.parametrize("x_shape, w_shape, stride, padding, dilation", GRADCHECK, ids=str)
def test_conv2d_function_passes_gradcheck(ref, gen, x_shape, w_shape, stride, padding, dilation, with_bias):
    X = torch.randn(x_shape, generator=gen, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(w_shape, generator=gen, dtype=torch.float64, requires_grad=True)
    bias = torch.randn(w_shape[0], generator=gen, dtype=torch.float64, requires_grad=True) if with_bias else None
    apply = ref("backward").Conv2dFunction.apply
    assert torch.autograd.gradcheck(apply, (X, weight, bias, stride, padding, dilation))
    torch.testing.assert_close(apply(X, weight, bias, stride, padding, dilation), F.conv2d(X, weight, bias, stride, padding, dilation))


class _Net(nn.Module):
    """conv -> ReLU -> max-pool -> linear, with the convolution swappable."""

    def __init__(self, conv):
        super().__init__()
        self.conv = conv
        self.weight = nn.Parameter(torch.randn(4, 2, 3, 3) * 0.3)
        self.bias = nn.Parameter(torch.randn(4) * 0.1)
        self.fc = nn.Linear(4 * 4 * 3, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.conv(x, self.weight, self.bias, 1, 1, 1))
        return self.fc(F.max_pool2d(h, 2).flatten(1))


def test_conv2d_function_trains_inside_a_model(ref, gen):
    """Conv2dFunction in a model's backward gives torch's gradients, and SGD steps agree."""
    torch.manual_seed(0)
    ours = _Net(ref("backward").Conv2dFunction.apply)
    theirs = _Net(F.conv2d)
    theirs.load_state_dict(ours.state_dict())
    x, y = torch.randn(5, 2, 8, 6, generator=gen), torch.randint(0, 3, (5,), generator=gen)
    optimizers = [torch.optim.SGD(m.parameters(), lr=0.1) for m in (ours, theirs)]
    for _ in range(2):
        for model, optimizer in zip((ours, theirs), optimizers):
            optimizer.zero_grad()
            F.cross_entropy(model(x), y).backward()
            optimizer.step()
        for (name, a), b in zip(ours.named_parameters(), theirs.parameters()):
            torch.testing.assert_close(a.grad, b.grad, msg=lambda m: f"grad of {name}: {m}")
            torch.testing.assert_close(a, b, msg=lambda m: f"{name} after the step: {m}")
