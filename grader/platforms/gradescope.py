"""Gradescope: the autograder package (``convkit gradescope build``) and what its
``run_autograder`` runs for each submission (``convkit gradescope grade``).

Gradescope unzips the package into ``/autograder/source``, runs ``setup.sh`` once to
build its image, then for each submission runs ``run_autograder`` with the student's
files in ``/autograder/submission`` and reads ``/autograder/results/results.json``
(schema: ``schemas/gradescope_results.json``). ``AUTOGRADER_ROOT`` replaces
``/autograder`` (tests run the package in a simulated root).

results.json holds, visible at once, the total and one test per exercise (its score and
how many of its tests passed); each hidden test's result and message, and the full
feedback (with notes such as a notebook cell that failed), are tests whose visibility is
``PackageSettings.hidden_visibility`` (default ``after_published``).
"""
from __future__ import annotations

import json
import os
import stat
import tempfile
import zipfile
from pathlib import Path

from grader.course import messages
from grader.grading.feedback import public
from grader.grading.outputs import number
from grader.platforms.autograder import (
    SETTINGS,
    GraderFailure,
    PackageSettings,
    copy_kit,
    fence,
    find_submission,
    grade_one,
    metadata_id,
    pinned_torch,
    script,
)

VISIBILITIES = ("hidden", "after_due_date", "after_published", "visible")
SCHEMA = Path(__file__).with_name("schemas") / "gradescope_results.json"


def build(out: Path, settings: PackageSettings) -> int:
    """Write the autograder zip ``out``: setup.sh, run_autograder, the settings and kit/.

    Returns the number of kit files packed.
    """
    if settings.hidden_visibility not in VISIBILITIES:
        raise ValueError(f"hidden visibility {settings.hidden_visibility!r}: choose one of {', '.join(VISIBILITIES)}")
    with tempfile.TemporaryDirectory(prefix="convkit-gradescope-") as tmp:
        stage = Path(tmp)
        count = copy_kit(stage / "kit")
        settings.write(stage / SETTINGS)
        (stage / "setup.sh").write_text(script("gradescope_setup.sh", torch=pinned_torch()), encoding="utf-8")
        (stage / "run_autograder").write_text(script("gradescope_run_autograder"), encoding="utf-8")
        out.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(stage.rglob("*")):
                if path.is_file():
                    info = zipfile.ZipInfo.from_file(path, path.relative_to(stage).as_posix())
                    executable = path.name in ("setup.sh", "run_autograder") or os.access(path, os.X_OK)
                    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, path.read_bytes())
    return count


def _status(score: float, max_score: float) -> str:
    return "passed" if score >= max_score else "failed"


def results(record: dict, feedback_md: str, seconds: float, settings: PackageSettings) -> dict:
    """Gradescope's results.json for one graded submission (a grades.json record)."""
    lang, hidden = settings.lang, settings.hidden_visibility
    tests, summary = [], [f"**{messages.text('feedback_total', lang)}: {number(record['score'])} / "
                          f"{number(record['max_score'])}**", ""]
    for i, (name, exercise) in enumerate(record["exercises"].items(), start=1):
        passed = sum(t["status"] == "passed" for t in exercise["tests"])
        line = messages.text("platform_exercise_summary", lang, exercise=name, score=number(exercise["score"]),
                             max_score=number(exercise["max_score"]), passed=passed, total=len(exercise["tests"]))
        summary.append(f"- {line}")
        tests.append({"name": name, "number": str(i), "score": exercise["score"], "max_score": exercise["max_score"],
                      "status": _status(exercise["score"], exercise["max_score"]), "output": line,
                      "output_format": "md", "visibility": "visible"})
        for j, test in enumerate(exercise["tests"], start=1):
            label = messages.text(f"feedback_status_{test['status']}", lang)
            message = public(test["message"])
            output = f"{label} ({number(test['score'])} / {number(test['max_score'])})"
            tests.append({"name": f"{name}: {test['name']}", "number": f"{i}.{j}",
                          "status": "passed" if test["status"] == "passed" else "failed",
                          "output": output + (f"\n\n{fence(message)}" if message else ""),
                          "output_format": "md", "visibility": hidden})
    tests.append({"name": messages.text("platform_feedback", lang), "number": str(len(record["exercises"]) + 1),
                  "output": feedback_md, "output_format": "md", "visibility": hidden})
    if hidden != "visible":
        summary += ["", messages.text(f"platform_details_{hidden}", lang)]
    return {"score": record["score"], "execution_time": max(0, round(seconds)), "output": "\n".join(summary),
            "output_format": "md", "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}


def no_files(settings: PackageSettings) -> dict:
    """results.json when the submission holds no exercise file: score 0, and what to upload."""
    return {"score": 0.0, "execution_time": 0, "output": messages.text("platform_no_files", settings.lang, files=", ".join(settings.exercises)),
            "output_format": "md", "visibility": "visible", "stdout_visibility": "hidden", "tests": []}


def grader_failed(settings: PackageSettings) -> dict:
    """results.json when the grader itself failed: no grade is claimed, the student is told."""
    return {"score": 0.0, "execution_time": 0, "output": messages.text("platform_grader_failed", settings.lang),
            "output_format": "md", "visibility": "visible", "stdout_visibility": "hidden", "tests": []}


def grade(root: Path, settings: PackageSettings) -> tuple[dict, str]:
    """Grade ``root/submission`` and write ``root/results/results.json``.

    Returns the results and the grader's own failure ("" when none), which the caller
    reports to the instructor (stderr) with a non-zero exit.
    """
    problem = ""
    folder = find_submission(root / "submission") if (root / "submission").is_dir() else None
    if folder is None:
        document = no_files(settings)
    else:
        try:
            graded = grade_one(folder, metadata_id(root / "submission_metadata.json"), settings)
            document = results(graded.record, graded.feedback_md, graded.seconds, settings)
        except GraderFailure as error:
            problem, document = str(error), grader_failed(settings)
    (root / "results").mkdir(parents=True, exist_ok=True)
    (root / "results" / "results.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n",
                                                   encoding="utf-8")
    return document, problem
