"""Exercise 4: unfold max-pool equals F.max_pool2d (values, indices, ties) and its gradient."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

# (shape, kernel_size, stride); stride None means stride = kernel_size.
POOLS = [
    ((2, 3, 8, 8), 2, None),
    ((1, 2, 7, 5), 2, None),  # odd sizes: the last row / column is dropped
    ((2, 2, 9, 7), 3, 2),  # overlapping windows
    ((3, 1, 6, 9), (2, 3), (1, 2)),  # non-square, overlapping in both directions
    ((1, 3, 7, 8), (3, 2), (2, 3)),  # stride larger than the kernel in width
    ((2, 2, 5, 6), (1, 2), 1),
    ((1, 1, 4, 4), 4, None),
]


def _input(shape, gen: torch.Generator, ties: bool) -> torch.Tensor:
    """Random values; with ``ties`` small integers, so most windows hold several maxima."""
    if ties:
        return torch.randint(0, 3, shape, generator=gen).float()
    return torch.randn(shape, generator=gen)


@pytest.mark.parametrize("ties", [False, True], ids=["random", "ties"])
@pytest.mark.parametrize("shape, kernel, stride", POOLS, ids=str)
def test_maxpool2d_unfold_equals_max_pool2d(ref, gen, shape, kernel, stride, ties, monkeypatch):
    H = _input(shape, gen, ties)
    values, indices = F.max_pool2d(H, kernel, stride, return_indices=True)
    monkeypatch.setattr(F, "max_pool2d", None)  # the reference must not call it
    ours_values, ours_indices = ref("maxpool").maxpool2d_unfold(H, kernel, stride)
    assert torch.equal(ours_values, values)
    assert ours_indices.dtype == torch.int64 and torch.equal(ours_indices, indices)


@pytest.mark.parametrize("shape, kernel, stride", POOLS, ids=str)
def test_ties_go_to_the_first_maximum_in_row_major_order(ref, gen, shape, kernel, stride):
    """Checked from the definition, not only against torch."""
    H = _input(shape, gen, ties=True)
    values, indices = ref("maxpool").maxpool2d_unfold(H, kernel, stride)
    kH, kW = (kernel, kernel) if isinstance(kernel, int) else kernel
    sH, sW = (kH, kW) if stride is None else (stride, stride) if isinstance(stride, int) else stride
    W_in = shape[3]
    for n, c, i, j in torch.cartesian_prod(*(torch.arange(s) for s in values.shape)).tolist():
        window = H[n, c, i * sH : i * sH + kH, j * sW : j * sW + kW].reshape(-1)
        first = int(torch.nonzero(window == window.max())[0])
        assert values[n, c, i, j] == window.max()
        assert indices[n, c, i, j] == (i * sH + first // kW) * W_in + j * sW + first % kW


def test_indices_work_with_max_unpool2d(ref, gen):
    H = torch.randn(2, 3, 6, 8, generator=gen)
    values, indices = ref("maxpool").maxpool2d_unfold(H, 2)
    unpooled = F.max_unpool2d(values, indices, 2, output_size=H.shape[2:])
    assert torch.equal(unpooled, torch.where(unpooled != 0, H, torch.zeros(())))
    assert torch.equal(unpooled.amax((2, 3)), H.amax((2, 3)))


@pytest.mark.parametrize("ties", [False, True], ids=["random", "ties"])
@pytest.mark.parametrize("shape, kernel, stride", POOLS, ids=str)
def test_maxpool2d_backward_equals_autograd(ref, gen, shape, kernel, stride, ties):
    H = _input(shape, gen, ties).requires_grad_()
    values, indices = F.max_pool2d(H, kernel, stride, return_indices=True)
    dout = torch.randn(values.shape, generator=gen)
    values.backward(dout)
    grad = ref("maxpool").maxpool2d_backward(dout, ref("maxpool").maxpool2d_unfold(H.detach(), kernel, stride)[1], shape)
    torch.testing.assert_close(grad, H.grad)
