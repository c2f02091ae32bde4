"""Exercise 2: the loop convolution and the Linear-based layers agree with torch."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F


def test_conv2d_loop_equals_conv2d(ref, conv_case, gen):
    X, weight, bias = conv_case.tensors(gen)
    conv2d_loop = ref("loop_conv").conv2d_loop
    torch.testing.assert_close(conv2d_loop(X, weight, bias, **conv_case.args), F.conv2d(X, weight, bias, **conv_case.args))
    torch.testing.assert_close(conv2d_loop(X, weight, None, **conv_case.args), F.conv2d(X, weight, None, **conv_case.args))


def test_conv2d_loop_calls_no_convolution_routine(ref, gen, monkeypatch):
    """The loop version must stand on its own: torch's conv and unfold are disabled here."""
    def forbidden(*args, **kwargs):
        raise AssertionError("conv2d_loop called a convolution routine")

    X, weight = torch.randn(2, 2, 5, 4, generator=gen), torch.randn(3, 2, 2, 3, generator=gen)
    expected = F.conv2d(X, weight, padding=1)
    for name in ("conv2d", "unfold", "fold"):
        monkeypatch.setattr(F, name, forbidden)
    monkeypatch.setattr(torch, "conv2d", forbidden)
    torch.testing.assert_close(ref("loop_conv").conv2d_loop(X, weight, padding=1), expected)


# (in_channels, out_channels, stride, kernel_size, padding, batch, length)
CONV1D = [(1, 8, 2, 3, 1, 4, 784 // 8), (3, 5, 1, 4, 0, 2, 11), (2, 4, 3, 2, 2, 3, 10), (4, 2, 2, 5, 1, 1, 9)]


@pytest.mark.parametrize("c_in, c_out, stride, k, p, n, length", CONV1D, ids=str)
def test_conv1d_layer_equals_conv1d(ref, gen, c_in, c_out, stride, k, p, n, length):
    torch.manual_seed(0)
    layer = ref("loop_conv").Conv1D(c_in, c_out, stride=stride, kernel_size=k, padding=p)
    assert isinstance(layer.kernel, torch.nn.Linear) and layer.kernel.in_features == k * c_in
    x = torch.randn(n, c_in, length, generator=gen)
    expected = F.conv1d(x, layer.kernel.weight.view(c_out, c_in, k), layer.kernel.bias, stride, p)
    torch.testing.assert_close(layer(x), expected)


# (in_channels, out_channels, stride, kernel_size, padding, batch, height, width)
CONV2D = [(1, 8, 2, 3, 1, 2, 28, 28), (3, 4, 2, 3, 0, 2, 8, 7), (2, 3, 3, 2, 1, 3, 7, 5), (2, 2, 1, 4, 2, 1, 5, 6)]


@pytest.mark.parametrize("c_in, c_out, stride, k, p, n, h, w", CONV2D, ids=str)
def test_conv2d_layer_equals_conv2d(ref, gen, c_in, c_out, stride, k, p, n, h, w):
    torch.manual_seed(0)
    layer = ref("loop_conv").Conv2D(c_in, c_out, stride=stride, kernel_size=k, padding=p)
    assert isinstance(layer.kernel, torch.nn.Linear) and layer.kernel.in_features == c_in * k * k
    x = torch.randn(n, c_in, h, w, generator=gen)
    expected = F.conv2d(x, layer.kernel.weight.view(c_out, c_in, k, k), layer.kernel.bias, stride, p)
    torch.testing.assert_close(layer(x), expected)


def test_conv2d_layer_gradients_reach_the_linear_kernel(ref, gen):
    layer = ref("loop_conv").Conv2D(2, 3, stride=2, kernel_size=3, padding=1)
    x = torch.randn(2, 2, 7, 6, generator=gen)
    layer(x).square().sum().backward()
    weight = layer.kernel.weight.detach().view(3, 2, 3, 3).requires_grad_()
    bias = layer.kernel.bias.detach().requires_grad_()
    F.conv2d(x, weight, bias, 2, 1).square().sum().backward()
    torch.testing.assert_close(layer.kernel.weight.grad, weight.grad.view(3, -1))
    torch.testing.assert_close(layer.kernel.bias.grad, bias.grad)


@pytest.mark.parametrize("pooling, length", [(2, 10), (2, 11), (3, 10), (1, 4), (4, 4)], ids=str)
def test_maxpool1d_equals_max_pool1d(ref, gen, pooling, length):
    x = torch.randint(0, 4, (2, 3, length), generator=gen).float()  # integer values: ties
    torch.testing.assert_close(ref("loop_conv").MaxPool1D(pooling)(x), F.max_pool1d(x, pooling), rtol=0, atol=0)
