"""Red team 4 (with keyring_b_read): leave state in the kernel that a later submission sees.

A worker's uid is ``base + (grading pid << 4) + n % 16``: every 16th worker of a grading
process gets the uid of an earlier one. The kernel's per-user keyring (``@u``, add_key(2))
belongs to the uid, not to any namespace or process, and outlives the worker. At import
this file stores a key in its uid's keyring; a thread started at import makes every
ruled call answer "spawn:earlier", which the grading side retries in a fresh worker
(new uid), so one submission cycles through all 16 uids of its grading process, leaving
the key under each. ctypes is imported by a computed name (the static check flags the
plain name for ruled functions).
"""
from _plant import key  # noqa: F401 - plants the key, starts the thread



def im2col(X, kernel_size, stride=1, padding=0, dilation=1):
    raise NotImplementedError


def conv2d_unfold(X, weight, bias=None, stride=1, padding=0, dilation=1):
    raise NotImplementedError
