"""Grade the kit's mutant bank (grader/course/mutants.py): what do the hidden suites catch?

Each mutant is the reference solutions with one bug. It is written to a temporary
submission folder and graded by the real grader (``grader.grading.class_run.grade_all``,
in parallel grading processes) under several student ids, on its own exercise and,
unless ``own_only``, on the exercises that import that exercise (a bug in
``calculate_out`` also shows in ``im2col``...). A mutant is *caught* under an id when at
least one of those tests does not pass. ``convkit mutants`` prints, per mutant, the
tests that caught it and its catch rate over the ids; an instructor who edits a suite
runs it to see what the edit lets through.

Every mutant of one run is graded in one class run: the class run's student key is
``<mutant id>@<student id>`` and :func:`grade_planned` (run in each grading process)
looks up, in the run's ``plan.json``, the real student id (it picks the random
configurations) and the exercises to grade.
"""
from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from grader.authoring.examples import reference_files
from grader.course.assignment import EXERCISES
from grader.course.dependencies import importers
from grader.course.mutants import BANK, Mutant
from grader.grading.cache import Settings
from grader.grading.class_run import grade_all

PLAN = "plan.json"
DEFAULT_IDS = 10  # also in grader/commands/mutants.py, for a torch-free --help


def student_ids(count: int) -> tuple[str, ...]:
    """``count`` student ids: student-01, student-02, ..."""
    return tuple(f"student-{k:02d}" for k in range(1, count + 1))


def scope(mutant: Mutant, own_only: bool) -> tuple[str, ...]:
    """The exercises a mutant is graded on: its own, plus (unless ``own_only``) those importing it."""
    return (mutant.exercise,) if own_only else (mutant.exercise, *importers(mutant.exercise))


def write_submission(mutant: Mutant, folder: Path) -> None:
    """The reference's exercise modules with ``mutant`` applied, as one submission folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, source in reference_files().items():
        if name == f"{mutant.exercise}.py":
            source = mutant.apply(source)
        (folder / name).write_text(source, encoding="utf-8")


def grade_planned(folder: Path, key: str, *, seed: int, lang: str, exercises: Sequence[str],
                  budget_s: float | None) -> dict:
    """A ``grade_fn`` for the class run: grade ``key``'s mutant as its planned student id and exercises."""
    from grader.grading.submission import grade_submission

    plan = json.loads((Path(folder).parent / PLAN).read_text(encoding="utf-8"))[key]
    return grade_submission(folder, plan["student"], seed=seed, lang=lang, exercises=plan["exercises"],
                            budget_s=budget_s)


@dataclass
class Outcome:
    """How one mutant fared: per student id, the tests that did not pass (name -> message)."""

    mutant: Mutant
    exercises: tuple[str, ...]
    caught_by: dict[str, dict[str, str]] = field(default_factory=dict)  # student -> {exercise/test: message}
    failed: dict[str, str] = field(default_factory=dict)  # student -> grader problem (not graded)
    scores: dict[str, dict[str, float]] = field(default_factory=dict)  # student -> {exercise/test: score}

    def escaped(self) -> list[str]:
        """Student ids under which every test passed."""
        return [s for s, tests in self.caught_by.items() if not tests]

    def unstable(self) -> dict[str, dict[str, float]]:
        """The tests whose score is not the same under every graded id: test -> {student: score}.

        Same code, same grade: a deterministic submission must score each test alike under
        every student id, however the id changes the random cases.
        """
        tests = sorted({test for per_test in self.scores.values() for test in per_test})
        by_test = {test: {s: per_test.get(test, float("nan")) for s, per_test in self.scores.items()} for test in tests}
        return {test: by_id for test, by_id in by_test.items() if len(set(by_id.values())) > 1}

    def named(self, lang: str) -> int:
        """Under how many ids a failing test's message states the mutant's own misconception."""
        sentence = self.mutant.misconception[lang]
        return sum(any(sentence in message for message in tests.values()) for tests in self.caught_by.values())


def grade_bank(mutants: Sequence[Mutant] = BANK, students: Sequence[str] = student_ids(DEFAULT_IDS), *,
               own_only: bool = False, jobs: int = 1, seed: int = 0, lang: str = "en",
               progress: bool = False) -> list[Outcome]:
    """Grade every mutant under every student id; one :class:`Outcome` per mutant, in order."""
    with tempfile.TemporaryDirectory(prefix="convkit-mutants-") as tmp:
        root = Path(tmp) / "submissions"
        plan, submissions = {}, {}
        for mutant in mutants:
            write_submission(mutant, root / mutant.id)
            for student in students:
                key = f"{mutant.id}@{student}"
                plan[key] = {"student": student, "exercises": list(scope(mutant, own_only))}
                submissions[key] = root / mutant.id
        (root / PLAN).write_text(json.dumps(plan), encoding="utf-8")
        # The settings' exercises only key the cache; grade_planned grades each key's own set.
        run = grade_all(submissions, Path(tmp) / "out", Settings(seed=seed, lang=lang, exercises=EXERCISES),
                        jobs=jobs, grade_fn=grade_planned, progress=progress)
    outcomes = []
    for mutant in mutants:
        outcome = Outcome(mutant, scope(mutant, own_only))
        for student in students:
            key = f"{mutant.id}@{student}"
            if key in run.failed:
                outcome.failed[student] = run.failed[key]
                continue
            tests = {f"{exercise}/{test['name']}": test for exercise in outcome.exercises
                     for test in run.results[key]["exercises"][exercise]["tests"]}
            outcome.caught_by[student] = {name: t["message"] for name, t in tests.items() if t["status"] != "passed"}
            outcome.scores[student] = {name: t["score"] for name, t in tests.items()}
        outcomes.append(outcome)
    return outcomes


def select(ids: Sequence[str] = (), exercises: Sequence[str] = ()) -> tuple[Mutant, ...]:
    """The bank's mutants with these ids and of these exercises (all when empty).

    Raises:
        ValueError: an unknown mutant id or exercise.
    """
    known = {m.id for m in BANK}
    unknown = sorted(set(ids) - known) + sorted(set(exercises) - set(EXERCISES))
    if unknown:
        raise ValueError(f"unknown mutant(s) or exercise(s): {', '.join(unknown)}")
    return tuple(m for m in BANK if (not ids or m.id in ids) and (not exercises or m.exercise in exercises))


def report(outcomes: Sequence[Outcome], lang: str = "en") -> str:
    """Per mutant: catch rate over the ids, the tests that caught it (with how often), escapes."""
    lines = []
    for outcome in outcomes:
        graded = len(outcome.caught_by)
        caught = graded - len(outcome.escaped())
        counts: dict[str, int] = {}
        for tests in outcome.caught_by.values():
            for name in tests:
                counts[name] = counts.get(name, 0) + 1
        tests = ", ".join(f"{name} {n}/{graded}" for name, n in sorted(counts.items())) or "none"
        mark = "ok  " if graded and caught == graded and not outcome.failed and not outcome.unstable() else "MISS"
        lines.append(f"{mark} {outcome.mutant.id} ({outcome.mutant.exercise}): caught {caught}/{graded}, "
                     f"misconception named {outcome.named(lang)}/{graded}; tests: {tests}")
        if outcome.escaped():
            lines.append(f"     escaped under: {', '.join(outcome.escaped())}")
        for test, by_id in outcome.unstable().items():
            lines.append(f"     not the same score under every id: {test}: "
                         + ", ".join(f"{student} {score:g}" for student, score in sorted(by_id.items())))
        for student, error in sorted(outcome.failed.items()):
            lines.append(f"     not graded under {student}: {error}")
    total = sum(len(o.caught_by) for o in outcomes)
    caught = total - sum(len(o.escaped()) for o in outcomes)
    lines.append(f"{caught} of {total} mutant-id pairs caught; "
                 f"{sum(1 for o in outcomes if not o.escaped() and not o.failed)} of {len(outcomes)} mutants caught under every id; "
                 f"{sum(1 for o in outcomes if not o.unstable())} of {len(outcomes)} with the same score per test under every id")
    return "\n".join(lines)
