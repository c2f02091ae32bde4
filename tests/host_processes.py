"""The host's processes, seen from a test: which ones a sandboxed worker left running."""
from __future__ import annotations

from pathlib import Path


def host_processes_with(token: str) -> list[int]:
    """Host pids of the processes whose command line holds ``token``."""
    found = []
    for entry in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if token.encode() in entry.read_bytes():
                found.append(int(entry.parent.name))
        except OSError:
            continue
    return found
