"""Reading a whole message from a stream socket: the wire's frames and the zygote's setup.

Standard library only, so the zygote can use it before it imports torch.
"""
from __future__ import annotations

import socket
import time


def read_exactly(sock: socket.socket, count: int, deadline: float | None = None) -> bytes:
    """``count`` bytes from ``sock``; EOFError if the other side closes first.

    ``deadline`` (``time.monotonic()`` seconds) bounds the whole read, so a sender cannot
    stall the reader by dripping bytes: TimeoutError past it.

    >>> a, b = socket.socketpair(); a.sendall(b"abc"); read_exactly(b, 3)
    b'abc'
    """
    chunks, remaining = [], count
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no complete reply before the deadline")
            sock.settimeout(left)
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the other side closed the connection")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
