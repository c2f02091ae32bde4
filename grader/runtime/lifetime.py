"""A child process that dies with its parent (Linux's PR_SET_PDEATHSIG).

Used by the worker (killed with SIGKILL: nothing of a student's may outlive the grader)
and by each grading process (SIGTERM, so it can stop its own worker first).

>>> die_with_parent(15)  # doctest: +SKIP
"""
from __future__ import annotations

import ctypes
import os
import sys

PR_SET_PDEATHSIG = 1


def die_with_parent(signal_number: int) -> None:
    """Ask Linux to send ``signal_number`` to this process when its parent dies.

    Exits at once when the parent is already gone (it died before the request took
    effect). Elsewhere than Linux it does nothing: the launcher's process-group kill
    still applies.
    """
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, int(signal_number), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(1)
