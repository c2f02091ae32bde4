# exercise: maxpool
"""An honest bug: maxpool2d_backward turns the per-plane indices into global ones IN
PLACE (``indices += offsets``) before one flat scatter. Its result is right, but the
caller's ``indices`` are changed (student API: "A function must not mutate its inputs").
maxpool2d_unfold is the reference's, so the one fault is the mutation.
"""


def maxpool2d_backward(dout, indices, input_shape):
    N, C, H, W = (int(n) for n in input_shape)
    indices += (torch.arange(N * C) * (H * W)).view(N, C, 1, 1)
    grad = torch.zeros(N * C * H * W, dtype=dout.dtype)
    grad.index_add_(0, indices.reshape(-1), dout.reshape(-1))
    return grad.view(N, C, H, W)
