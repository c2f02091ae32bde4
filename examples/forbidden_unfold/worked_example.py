"""Exercise 6 - the 6x6 worked example of the course, forward and backward by hand.

A 1 x 1 x 6 x 6 image goes through two 3x3 filters (bias 1), a 2x2 max-pool and a
fully connected layer of ones. The forward pass gives 18; the backward pass, done by
hand, follows the pooling indices back to the conv weights. Two pooling windows hold a
tie, so only the first-maximum rule reproduces the course's gradients.

>>> tiny_forward(*course_data())
tensor([[18.]])
"""
from __future__ import annotations

import torch

from backward import conv2d_backward
from im2col_conv import conv2d_unfold
from maxpool import maxpool2d_backward, maxpool2d_unfold


def course_data() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """The course's numbers: ``(X, weight, bias, fc_weight, fc_bias)``.

    Returns:
        X: 1 x 1 x 6 x 6; weight: 2 x 1 x 3 x 3; bias: 2; fc_weight: 8 x 1; fc_bias: 1.
    """
    X = torch.tensor([[[
        [7., 6., 8., 5., 1., 3.],
        [8., 6., 5., 3., 5., 5.],
        [9., 1., 1., 5., 3., 5.],
        [4., 5., 5., 9., 2., 6.],
        [9., 5., 3., 1., 2., 2.],
        [4., 4., 8., 8., 9., 8.],
    ]]])
    weight = torch.tensor([
        [[[1., 1., 0.], [-1., 1., -1.], [0., -1., -1.]]],
        [[[1., 1., 0.], [-1., 1., -1.], [-1., 0., -1.]]],
    ])
    return X, weight, torch.tensor([1., 1.]), torch.ones(8, 1), torch.tensor([1.])


def tiny_forward(
    X: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, fc_weight: torch.Tensor, fc_bias: torch.Tensor
) -> torch.Tensor:
    """conv (stride 1, no padding) -> 2x2 max-pool -> flatten -> ``f @ fc_weight + fc_bias``.

    Args:
        X: batch x in_channels x height x width.
        weight: out_channels x in_channels x kH x kW; bias: out_channels.
        fc_weight: features x outputs, where features = out_channels * H_pool * W_pool.
        fc_bias: outputs.

    Returns:
        batch x outputs.
    """
    ### BEGIN SOLUTION
    # HINT en: H = conv2d_unfold(X, weight, bias); M, _ = maxpool2d_unfold(H, 2); return M.flatten(1) @ fc_weight + fc_bias
    # HINT es: H = conv2d_unfold(X, weight, bias); M, _ = maxpool2d_unfold(H, 2); devuelve M.flatten(1) @ fc_weight + fc_bias
    # HINT fr: H = conv2d_unfold(X, weight, bias) ; M, _ = maxpool2d_unfold(H, 2) ; renvoyez M.flatten(1) @ fc_weight + fc_bias
    H = conv2d_unfold(X, weight, bias)
    M, _ = maxpool2d_unfold(H, 2)
    return M.flatten(1) @ fc_weight + fc_bias
    ### END SOLUTION


def tiny_backward(
    X: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor, fc_weight: torch.Tensor, fc_bias: torch.Tensor
) -> dict[str, torch.Tensor]:
    """Gradients of ``tiny_forward(...).sum()``, computed by hand (no autograd).

    Args:
        as ``tiny_forward``.

    Returns:
        ``{"weight": ..., "bias": ..., "fc_weight": ..., "fc_bias": ...}``, each with the
        shape of the parameter it belongs to.
    """
    ### BEGIN SOLUTION
    # HINT en: redo the forward keeping H, M and the pool indices; d(sum)/d(out) is ones, so dfc_weight = f^T @ ones, dfc_bias = N; dM = ones @ fc_weight^T, then maxpool2d_backward and conv2d_backward
    # HINT es: repite el forward guardando H, M y los índices del pooling; d(suma)/d(salida) son unos, así que dfc_weight = f^T @ unos, dfc_bias = N; dM = unos @ fc_weight^T, luego maxpool2d_backward y conv2d_backward
    # HINT fr: refaites la passe avant en gardant H, M et les indices du pooling ; d(somme)/d(sortie) est une matrice de uns, donc dfc_weight = f^T @ uns, dfc_bias = N ; dM = uns @ fc_weight^T, puis maxpool2d_backward et conv2d_backward
    H = conv2d_unfold(X, weight, bias)
    M, indices = maxpool2d_unfold(H, 2)
    f = M.flatten(1)
    dout = torch.ones(X.shape[0], fc_weight.shape[1], dtype=X.dtype)
    dM = (dout @ fc_weight.t()).view_as(M)
    dH = maxpool2d_backward(dM, indices, H.shape)
    _, dW, db = conv2d_backward(dH, X, weight)
    return {"weight": dW, "bias": db, "fc_weight": f.t() @ dout, "fc_bias": dout.sum(0)}
    ### END SOLUTION
