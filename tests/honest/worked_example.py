"""The course's 6x6 network, forward and backward by hand (honest submission, issue 9)."""
import torch

from im2col_conv import conv2d_unfold, im2col
from maxpool import maxpool2d_unfold


def tiny_forward(X, weight, bias, fc_weight, fc_bias):
    conv = conv2d_unfold(X, weight, bias)
    pooled, _ = maxpool2d_unfold(conv, 2)
    return pooled.reshape(X.shape[0], -1) @ fc_weight + fc_bias


def tiny_backward(X, weight, bias, fc_weight, fc_bias):
    conv = conv2d_unfold(X, weight, bias)
    pooled, where = maxpool2d_unfold(conv, 2)
    features = pooled.reshape(X.shape[0], -1)
    upstream = torch.ones(X.shape[0], fc_weight.shape[1], dtype=X.dtype)
    d_features = (upstream @ fc_weight.t()).reshape(pooled.shape)
    d_conv = torch.zeros_like(conv).reshape(conv.shape[0], conv.shape[1], -1)
    for n in range(conv.shape[0]):
        for c in range(conv.shape[1]):
            for flat, grad in zip(where[n, c].reshape(-1).tolist(), d_features[n, c].reshape(-1)):
                d_conv[n, c, flat] += grad
    cols = im2col(X, tuple(weight.shape[2:]))
    d_weight = torch.einsum("nol,nkl->ok", d_conv, cols).reshape(weight.shape)
    return {"weight": d_weight, "bias": d_conv.sum(dim=(0, 2)),
            "fc_weight": features.t() @ upstream, "fc_bias": upstream.sum(0)}
