"""The course's 6x6 example: forward and a hand-written backward."""
import torch

from backward import conv2d_backward
from im2col_conv import conv2d_unfold
from maxpool import maxpool2d_backward, maxpool2d_unfold


def tiny_forward(X, weight, bias, fc_weight, fc_bias):
    """conv -> 2x2 max-pool -> flatten -> linear: batch x outputs."""
    conv = conv2d_unfold(X, weight, bias)
    pooled, _ = maxpool2d_unfold(conv, 2)
    return pooled.reshape(X.shape[0], -1) @ fc_weight + fc_bias


def tiny_backward(X, weight, bias, fc_weight, fc_bias):
    """Gradients of tiny_forward(...).sum() w.r.t. weight, bias, fc_weight, fc_bias."""
    N = X.shape[0]
    conv = conv2d_unfold(X, weight, bias)
    pooled, idx = maxpool2d_unfold(conv, 2)
    feats = pooled.reshape(N, -1)                                # N x F
    g_out = torch.ones(N, fc_weight.shape[1], dtype=X.dtype)     # d sum / d out
    g_fc_weight = feats.t() @ g_out
    g_fc_bias = g_out.sum(dim=0)
    g_feats = g_out @ fc_weight.t()
    g_conv = maxpool2d_backward(g_feats.reshape(pooled.shape), idx, conv.shape)
    _, g_weight, g_bias = conv2d_backward(g_conv, X, weight)
    return {"weight": g_weight, "bias": g_bias, "fc_weight": g_fc_weight, "fc_bias": g_fc_bias}
