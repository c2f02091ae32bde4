"""Exercise 3: im2col is F.unfold, and the unfold convolution is F.conv2d."""
from __future__ import annotations

import torch
import torch.nn.functional as F


def _forbid(monkeypatch, *names: str) -> None:
    """Make ``F.<name>`` raise, to show a reference does not lean on the routine it replaces."""
    def forbidden(*args, **kwargs):
        raise AssertionError(f"called one of the forbidden routines {names}")

    for name in names:
        monkeypatch.setattr(F, name, forbidden)


def test_im2col_is_exactly_unfold(ref, conv_case, gen, monkeypatch):
    X, _, _ = conv_case.tensors(gen)
    args = conv_case.args
    expected = F.unfold(X, conv_case.kernel, args["dilation"], args["padding"], args["stride"])
    expected_single = F.unfold(X[0], conv_case.kernel, args["dilation"], args["padding"], args["stride"])
    _forbid(monkeypatch, "unfold")
    im2col = ref("im2col_conv").im2col
    assert torch.equal(im2col(X, conv_case.kernel, **args), expected)
    assert torch.equal(im2col(X[0], conv_case.kernel, **args), expected_single)


def test_conv2d_unfold_equals_conv2d(ref, conv_case, gen, monkeypatch):
    X, weight, bias = conv_case.tensors(gen)
    expected = F.conv2d(X, weight, bias, **conv_case.args)
    expected_no_bias = F.conv2d(X, weight, None, **conv_case.args)
    _forbid(monkeypatch, "conv2d")
    conv2d_unfold = ref("im2col_conv").conv2d_unfold
    torch.testing.assert_close(conv2d_unfold(X, weight, bias, **conv_case.args), expected)
    torch.testing.assert_close(conv2d_unfold(X, weight, None, **conv_case.args), expected_no_bias)


def test_autograd_through_conv2d_unfold_matches_conv2d(ref, conv_case, gen):
    """The benchmark trains through conv2d_unfold with autograd, so its gradients must be right."""
    X, weight, bias = conv_case.tensors(gen)
    dout = torch.randn(F.conv2d(X, weight, bias, **conv_case.args).shape, generator=gen)
    grads = []
    for conv in (ref("im2col_conv").conv2d_unfold, F.conv2d):
        leaves = [t.clone().requires_grad_() for t in (X, weight, bias)]
        conv(*leaves, **conv_case.args).backward(dout)
        grads.append([t.grad for t in leaves])
    for ours, torchs in zip(*grads):
        torch.testing.assert_close(ours, torchs)
