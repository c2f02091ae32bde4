"""Shared by the builders: the reference solution's source, which hostile files extend."""
from pathlib import Path

from grader.course.assignment import SOLUTIONS


def source(module: str) -> str:
    return (SOLUTIONS / f"{module}.py").read_text(encoding="utf-8")


def write(folder: Path, name: str, text: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
