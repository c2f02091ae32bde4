"""The course's 6x6 example, forward and by-hand backward, on my own building blocks."""
import torch

from backward import conv2d_backward
from im2col_conv import conv2d_unfold
from maxpool import maxpool2d_backward, maxpool2d_unfold


def tiny_forward(X, weight, bias, fc_weight, fc_bias):
    """conv -> 2x2 max-pool -> flatten -> f @ fc_weight + fc_bias: batch x outputs."""
    H = conv2d_unfold(X, weight, bias)
    M, _ = maxpool2d_unfold(H, 2)
    f = M.reshape(M.shape[0], -1)
    return f @ fc_weight + fc_bias


def tiny_backward(X, weight, bias, fc_weight, fc_bias):
    """Gradients of tiny_forward(...).sum() w.r.t. weight, bias, fc_weight, fc_bias, no autograd."""
    H = conv2d_unfold(X, weight, bias)
    M, idx = maxpool2d_unfold(H, 2)
    N = M.shape[0]
    f = M.reshape(N, -1)                                    # N x F
    g = torch.ones(N, fc_weight.shape[1], dtype=f.dtype)    # d sum / d out
    d_fc_weight = f.t() @ g
    d_fc_bias = g.sum(dim=0)
    dM = (g @ fc_weight.t()).reshape(M.shape)
    dH = maxpool2d_backward(dM, idx, H.shape)
    _, dW, db = conv2d_backward(dH, X, weight)
    return {"weight": dW, "bias": db, "fc_weight": d_fc_weight, "fc_bias": d_fc_bias}
