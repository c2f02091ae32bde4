"""Exercise 6: the course's 6x6 example, stage by stage, with the course's own numbers."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

# The course notes' image, filters and intermediate results (conv output, X_col,
# pooled values and indices, logits and gradients), copied from the notes.
COURSE_X = torch.tensor([[[
    [7., 6., 8., 5., 1., 3.],
    [8., 6., 5., 3., 5., 5.],
    [9., 1., 1., 5., 3., 5.],
    [4., 5., 5., 9., 2., 6.],
    [9., 5., 3., 1., 2., 2.],
    [4., 4., 8., 8., 9., 8.],
]]])
COURSE_W = torch.tensor([
    [[[1., 1., 0.], [-1., 1., -1.], [0., -1., -1.]]],
    [[[1., 1., 0.], [-1., 1., -1.], [-1., 0., -1.]]],
])
COURSE_CONV = torch.tensor([[
    [[5., 5., -1., -4.], [-4., -7., -1., -6.], [-1., -10., 6., -8.], [-9., -8., -6., -6.]],
    [[-3., 5., 3., -6.], [-3., -7., 3., -13.], [-5., -12., 4., -7.], [-9., -4., -6., -5.]],
]])
COURSE_X_COL = torch.tensor([
    [7., 6., 8., 5., 8., 6., 5., 3., 9., 1., 1., 5., 4., 5., 5., 9.],
    [6., 8., 5., 1., 6., 5., 3., 5., 1., 1., 5., 3., 5., 5., 9., 2.],
    [8., 5., 1., 3., 5., 3., 5., 5., 1., 5., 3., 5., 5., 9., 2., 6.],
    [8., 6., 5., 3., 9., 1., 1., 5., 4., 5., 5., 9., 9., 5., 3., 1.],
    [6., 5., 3., 5., 1., 1., 5., 3., 5., 5., 9., 2., 5., 3., 1., 2.],
    [5., 3., 5., 5., 1., 5., 3., 5., 5., 9., 2., 6., 3., 1., 2., 2.],
    [9., 1., 1., 5., 4., 5., 5., 9., 9., 5., 3., 1., 4., 4., 8., 8.],
    [1., 1., 5., 3., 5., 5., 9., 2., 5., 3., 1., 2., 4., 8., 8., 9.],
    [1., 5., 3., 5., 5., 9., 2., 6., 3., 1., 2., 2., 8., 8., 9., 8.],
])
COURSE_POOLED = torch.tensor([[[[5., -1.], [-1., 6.]], [[5., 3.], [-4., 4.]]]])
COURSE_POOL_INDICES = torch.tensor([[[[0, 2], [8, 10]], [[1, 2], [13, 10]]]])
COURSE_WEIGHT_GRAD = torch.tensor([[25., 17., 13., 22., 23., 17., 22., 12., 9.],
                                   [20., 23., 18., 21., 20., 11., 9., 15., 18.]]).view(2, 1, 3, 3)


def test_course_data_is_the_course_example(ref):
    X, weight, bias, fc_weight, fc_bias = ref("worked_example").course_data()
    assert torch.equal(X, COURSE_X) and torch.equal(weight, COURSE_W)
    assert torch.equal(bias, torch.ones(2)) and torch.equal(fc_weight, torch.ones(8, 1)) and torch.equal(fc_bias, torch.ones(1))


def test_conv_stage(ref):
    bias = torch.ones(2)
    assert torch.equal(ref("im2col_conv").conv2d_unfold(COURSE_X, COURSE_W, bias), COURSE_CONV)
    assert torch.equal(ref("loop_conv").conv2d_loop(COURSE_X, COURSE_W, bias), COURSE_CONV)
    assert ref("output_size").calculate_out(COURSE_X, k_size=(3, 3)) == (4, 4)


def test_x_col_stage(ref):
    assert torch.equal(ref("im2col_conv").im2col(COURSE_X, 3), COURSE_X_COL.unsqueeze(0))


def test_pooling_stage_keeps_the_first_of_tied_maxima(ref):
    values, indices = ref("maxpool").maxpool2d_unfold(COURSE_CONV, 2)
    assert torch.equal(values, COURSE_POOLED)
    assert torch.equal(indices, COURSE_POOL_INDICES)


def test_forward_gives_18(ref):
    assert torch.equal(ref("worked_example").tiny_forward(COURSE_X, COURSE_W, torch.ones(2), torch.ones(8, 1), torch.ones(1)),
                       torch.tensor([[18.]]))


def test_backward_gives_the_course_gradients(ref):
    grads = ref("worked_example").tiny_backward(COURSE_X, COURSE_W, torch.ones(2), torch.ones(8, 1), torch.ones(1))
    assert set(grads) == {"weight", "bias", "fc_weight", "fc_bias"}
    assert torch.equal(grads["weight"], COURSE_WEIGHT_GRAD)
    assert torch.equal(grads["bias"], torch.tensor([4., 4.]))
    assert torch.equal(grads["fc_weight"], COURSE_POOLED.reshape(8, 1))
    assert torch.equal(grads["fc_bias"], torch.ones(1))


def _autograd_reference(X, weight, bias, fc_weight, fc_bias) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The same network with torch's layers; returns its output and autograd's gradients."""
    params = {"weight": weight, "bias": bias, "fc_weight": fc_weight, "fc_bias": fc_bias}
    leaves = {name: t.clone().requires_grad_() for name, t in params.items()}
    pooled = F.max_pool2d(F.conv2d(X, leaves["weight"], leaves["bias"]), 2)
    out = pooled.flatten(1) @ leaves["fc_weight"] + leaves["fc_bias"]
    out.sum().backward()
    return out.detach(), {name: t.grad for name, t in leaves.items()}


def test_course_gradients_agree_with_autograd():
    """The course's numbers themselves, checked against torch."""
    _, grads = _autograd_reference(COURSE_X, COURSE_W, torch.ones(2), torch.ones(8, 1), torch.ones(1))
    assert torch.equal(grads["weight"], COURSE_WEIGHT_GRAD) and torch.equal(grads["bias"], torch.tensor([4., 4.]))


@pytest.mark.parametrize("batch, c_in, c_out, size, outputs", [(1, 1, 2, 6, 1), (3, 2, 3, 8, 2), (2, 3, 1, 7, 4)], ids=str)
def test_tiny_forward_and_backward_equal_autograd(ref, gen, batch, c_in, c_out, size, outputs):
    features = c_out * ((size - 2) // 2) ** 2
    X = torch.randn(batch, c_in, size, size, generator=gen)
    params = (torch.randn(c_out, c_in, 3, 3, generator=gen), torch.randn(c_out, generator=gen),
              torch.randn(features, outputs, generator=gen), torch.randn(outputs, generator=gen))
    expected_out, expected_grads = _autograd_reference(X, *params)
    example = ref("worked_example")
    torch.testing.assert_close(example.tiny_forward(X, *params), expected_out)
    grads = example.tiny_backward(X, *params)
    for name, grad in expected_grads.items():
        torch.testing.assert_close(grads[name], grad, msg=lambda m: f"gradient of {name}: {m}")
