"""PrairieLearn: the external grader folder (``convkit prairielearn build``) and what its
``run.sh`` runs for each submission (``convkit prairielearn grade``).

PrairieLearn's external grader copies the student's files to ``/grade/student``, runs
the question's entry point in the grading image and reads ``/grade/results/results.json``
(schema: ``schemas/prairielearn_results.json``): ``gradable``, ``score`` in 0..1,
``message``, ``output`` and ``tests`` (``name``, ``points``, ``max_points``, ``output``,
``message``). ``GRADE_ROOT`` replaces ``/grade`` (tests run it in a simulated layout).

The folder goes into the course's ``serverFilesCourse/`` (it holds ``run.sh``, ``kit/``
and the settings); ``Dockerfile`` builds the grading image, and ``info.json`` is the
question's ``externalGradingOptions`` to copy (docs/platforms.md).
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

from grader.course import messages
from grader.grading.feedback import public
from grader.grading.outputs import number
from grader.platforms.autograder import (
    SETTINGS,
    GraderFailure,
    PackageSettings,
    copy_kit,
    find_submission,
    grade_one,
    pinned_torch,
    script,
)

SCHEMA = Path(__file__).with_name("schemas") / "prairielearn_results.json"
MOUNT = "/grade/serverFilesCourse/convkit"  # where the folder is when it sits in serverFilesCourse/convkit


def build(out: Path, settings: PackageSettings, *, image: str = "convkit-grader", timeout_s: int = 600) -> int:
    """Write the grader folder ``out`` (replaced if it exists); the number of kit files in it."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    count = copy_kit(out / "kit")
    settings.write(out / SETTINGS)
    (out / "run.sh").write_text(script("prairielearn_run.sh"), encoding="utf-8")
    (out / "run.sh").chmod(0o755)
    (out / "Dockerfile").write_text(script("prairielearn_Dockerfile", torch=pinned_torch()), encoding="utf-8")
    options = {"externalGradingOptions": {"enabled": True, "image": image, "serverFilesCourse": ["convkit/"],
                                          "entrypoint": f"{MOUNT}/run.sh", "timeout": timeout_s}}
    (out / "info.json").write_text(json.dumps(options, indent=2) + "\n", encoding="utf-8")
    return count


def results(record: dict, feedback_md: str, settings: PackageSettings) -> dict:
    """PrairieLearn's results.json for one graded submission (a grades.json record)."""
    lang = settings.lang
    tests, summary = [], []
    for name, exercise in record["exercises"].items():
        passed = sum(t["status"] == "passed" for t in exercise["tests"])
        summary.append(messages.text("platform_exercise_summary", lang, exercise=name, score=number(exercise["score"]),
                                     max_score=number(exercise["max_score"]), passed=passed, total=len(exercise["tests"])))
        for test in exercise["tests"]:
            tests.append({"name": f"{name}: {test['name']}", "points": test["score"], "max_points": test["max_score"],
                          "message": messages.text(f"feedback_status_{test['status']}", lang),
                          "output": public(test["message"])})
    score = record["score"] / record["max_score"] if record["max_score"] else 0.0
    return {"gradable": True, "score": min(1.0, max(0.0, score)), "message": "\n".join(summary),
            "output": feedback_md, "tests": tests}


def not_gradable(key: str, settings: PackageSettings) -> dict:
    """results.json that PrairieLearn shows as "not gradable" (no attempt used up), with why."""
    message = messages.text(key, settings.lang, files=", ".join(settings.exercises))
    return {"gradable": False, "score": 0.0, "message": message, "output": "", "tests": []}


def grade(root: Path, settings: PackageSettings) -> tuple[dict, str]:
    """Grade ``root/student`` and write ``root/results/results.json``.

    Returns the results and the grader's own failure ("" when none), for the caller to
    report (stderr) with a non-zero exit.
    """
    problem = ""
    folder = find_submission(root / "student") if (root / "student").is_dir() else None
    if folder is None:
        document = not_gradable("platform_no_files", settings)
    else:
        try:
            graded = grade_one(folder, "student", settings)
            document = results(graded.record, graded.feedback_md, settings)
        except GraderFailure as error:
            problem, document = str(error), not_gradable("platform_grader_failed", settings)
    (root / "results").mkdir(parents=True, exist_ok=True)
    (root / "results" / "results.json").write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n",
                                                   encoding="utf-8")
    return document, problem
