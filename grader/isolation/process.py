"""A worker process as the launcher sees it: the spec that starts it, its code, its environment, its captured output."""
from __future__ import annotations

import shutil
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

# The worker's code: the grader.runtime package, copied whole into a private runtime folder.
RUNTIME_DIR = Path(__file__).resolve().parents[1] / "runtime"
FOLDER_PREFIX = "convkit-worker-"  # then the grading process's pid, so orphans can be told apart


def write_runtime(runtime: Path) -> None:
    """A private copy of the grader.runtime package under ``runtime`` (so no worker reads the repo)."""
    package = runtime / "grader" / "runtime"
    package.mkdir(parents=True)
    (package.parent / "__init__.py").write_text('"""The worker\'s private copy of its own code."""\n')
    for source in RUNTIME_DIR.glob("*.py"):
        shutil.copyfile(source, package / source.name)


def python_prefixes() -> tuple[Path, ...]:
    """The interpreter's and its packages' install folders, which a worker reads (read-only)."""
    return tuple(dict.fromkeys(Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)))


def worker_env(home: str) -> dict[str, str]:
    """A worker's whole environment, ``home`` (its submission folder) as HOME and TMPDIR."""
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": home,
        "LANG": "C.UTF-8",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "CONVKIT_GRADING": "1",
        "MPLBACKEND": "Agg",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


class Process(Protocol):
    """A started worker as the launcher handles it, whatever started it (cold or warm)."""

    through_bwrap: bool  # its exit status is bwrap's (128 + signal), not the worker's own

    def poll(self) -> int | None:
        """Its return code (negative: killed by that signal), or None while it runs."""

    def wait(self, timeout: float | None) -> int | None:
        """Wait up to ``timeout`` seconds (None: for ever) for it to end; its return code, or None."""

    def kill(self) -> None:
        """SIGKILL it and everything it started."""


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

