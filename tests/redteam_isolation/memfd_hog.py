# exercise: output_size
"""Red team (isolation): hold 3.5 GiB in memory that RLIMIT_DATA does not count.

Appended to the reference output_size.py: every call fills memfds (each under the
file-size rlimit) and a shared anonymous mapping, 1.75 GiB each, before answering. A
memory cgroup charges both to the worker, so each call must fail with the
memory-limit message.
"""
import mmap as _mmap
import os as _os

_reference = calculate_out
_held = []


def calculate_out(*args, **kwargs):
    half, piece = 1792 << 20, 32 << 20
    block = b"x" * piece
    for _ in range(half // piece):
        fd = _os.memfd_create("hog")
        _os.write(fd, block)
        _held.append(fd)
    shared = _mmap.mmap(-1, half, flags=_mmap.MAP_SHARED)
    for offset in range(0, half, 4096):
        shared[offset] = 1
    _held.append(shared)
    return _reference(*args, **kwargs)
