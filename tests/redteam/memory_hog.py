"""Red team: every call asks for 3 GiB, more than a worker may hold.

Wraps the reference (defined above it by the test): the memory error must cost these
calls only, with a message naming the memory limit.
"""
_reference = calculate_out


def calculate_out(*args, **kwargs):
    hog = bytearray(3 << 30)
    return _reference(*args, **kwargs) if hog else None
