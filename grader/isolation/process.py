"""A worker process as the launcher sees it: the spec that starts it and its captured output."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class WorkerSpec:
    """Everything needed to start a worker; ``wrap_spec`` hooks may rewrite it."""

    argv: list[str]
    cwd: Path
    env: dict[str, str]
    pass_fds: tuple[int, ...]
    workdir: Path  # the submission copy (writable by the worker)
    runtime: Path  # the worker's code (read-only)
    python_prefixes: tuple[Path, ...] = field(default_factory=tuple)  # interpreter + packages (read-only)
    close_after_start: tuple[int, ...] = ()  # fds of pass_fds that are the launcher's to close once started


class Capture(threading.Thread):
    """Drains one pipe, keeping the first ``limit`` bytes and counting the rest."""

    def __init__(self, pipe: Any, limit: int):
        super().__init__(daemon=True)
        self.pipe, self.limit = pipe, limit
        self.kept = bytearray()
        self.dropped = 0

    def run(self) -> None:
        while chunk := self.pipe.read1(1 << 16) if hasattr(self.pipe, "read1") else self.pipe.read(1 << 16):
            room = self.limit - len(self.kept)
            self.kept += chunk[: max(room, 0)]
            self.dropped += max(len(chunk) - max(room, 0), 0)

    def text(self) -> str:
        out = self.kept.decode("utf-8", "replace")
        return out + (f"\n[... {self.dropped} more bytes dropped]" if self.dropped else "")

