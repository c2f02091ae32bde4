"""The 6x6 worked example: forward, and backward by the chain rule written out."""
from __future__ import annotations

import torch

from backward import conv2d_backward
from im2col_conv import conv2d_unfold
from maxpool import maxpool2d_backward, maxpool2d_unfold


def tiny_forward(X, weight, bias, fc_weight, fc_bias):
    """conv (stride 1, no padding) -> 2x2 max-pool -> flatten -> f @ fc_weight + fc_bias."""
    pooled, _ = maxpool2d_unfold(conv2d_unfold(X, weight, bias), 2)
    return torch.addmm(fc_bias, pooled.flatten(1), fc_weight)


def tiny_backward(X, weight, bias, fc_weight, fc_bias):
    """Gradients of tiny_forward(...).sum(), each shaped like its parameter, no autograd."""
    conv = conv2d_unfold(X, weight, bias)
    pooled, where = maxpool2d_unfold(conv, 2)
    feats = pooled.flatten(1)
    batch, outputs = feats.shape[0], fc_weight.shape[1]
    # d sum / d out is 1 everywhere, so the sums below replace products with a ones matrix
    grad_fc_weight = feats.sum(dim=0).unsqueeze(1).expand(-1, outputs).clone()
    grad_fc_bias = torch.full((outputs,), float(batch), dtype=fc_bias.dtype)
    grad_feats = fc_weight.sum(dim=1).expand(batch, -1)
    grad_conv = maxpool2d_backward(grad_feats.reshape(pooled.shape), where, conv.shape)
    _, grad_weight, grad_bias = conv2d_backward(grad_conv, X, weight)
    return {"weight": grad_weight, "bias": grad_bias, "fc_weight": grad_fc_weight, "fc_bias": grad_fc_bias}
