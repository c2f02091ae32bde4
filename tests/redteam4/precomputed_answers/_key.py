"""The lookup key of one call: the function, its tensors' bytes and its settings (see im2col_conv.py)."""
import hashlib


def key(function, tensors, settings):
    digest = hashlib.sha256(function.encode())
    for tensor in tensors:
        if tensor is None:
            digest.update(b"none")
        else:
            digest.update(f"{tensor.dtype}{tuple(tensor.shape)}".encode())
            digest.update(tensor.numpy().tobytes())
    digest.update(repr(settings).encode())
    return digest.hexdigest()
