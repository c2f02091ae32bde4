"""Grade one submission under many student ids (real grader, 2 processes): same code, same grade."""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import Mapping, Sequence

from grader.grading import class_run
from grader.grading.cache import Settings

IDS = tuple(f"student{i:02d}" for i in range(10))


def copies(files: Mapping[str, str] | Path, root: Path, ids: Sequence[str] = IDS) -> dict[str, Path]:
    """``{id: folder}`` with the submission (``{file name: text}`` or a folder's top-level
    files) copied under each id."""
    found = {}
    for student in ids:
        folder = root / student
        folder.mkdir(parents=True)
        if isinstance(files, Path):
            for file in files.iterdir():
                if file.is_file():
                    shutil.copyfile(file, folder / file.name)
        else:
            for name, text in files.items():
                (folder / name).write_text(text, encoding="utf-8")
        found[student] = folder
    return found


def grade_ids(submissions: dict[str, Path], out: Path, exercises: Sequence[str], **settings) -> dict[str, dict]:
    """Every id's result (``grade_submission``'s shape); fails if any could not be graded."""
    run = class_run.grade_all(submissions, out, Settings(exercises=tuple(exercises), **settings), jobs=2,
                              progress=False)
    assert run.failed == {}, run.failed
    return run.results


def per_test_scores(result: dict) -> dict[str, float]:
    """``{"exercise/test": score}`` of one result."""
    return {f"{name}/{t['name']}": t["score"] for name, ex in result["exercises"].items() for t in ex["tests"]}
