"""Grade the blind one-bug bank (tests/blindbank/) under N student ids per variant.

For every exercise it builds a class folder with one submission per (variant, id): the
honest submission of tests/blindbank/honest/ with the variant's edit applied, in a folder
named ``<variant>__student-NN`` (the folder's name is the student id, which seeds the
random cases), plus the unedited honest submission as control. It grades each class on its
own exercise only (``convkit grade --exercises <ex> --jobs J``) and writes, per variant:
the ids that caught it (score < max), whether every test's score is the same under every
id, the tests that lost points and one message per test.

    PYTHONPATH=. python benchmarks/blind_bank.py --work /tmp/blind_bank [--ids 10] [--jobs 2]
        [--exercises output_size ...] [--variants mp_stride_swapped ...] [--lang en]

Outputs: WORK/summary.json and a markdown table on stdout. Re-running reuses the grades
already in WORK/out/<exercise> (convkit grade is resumable) unless a variant changed.
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "blindbank"))
from variants import HONEST, VARIANTS, Variant, apply_variant  # noqa: E402

EXERCISES = ("output_size", "loop_conv", "im2col_conv", "maxpool", "backward", "worked_example", "mnist")
CONTROL = Variant("honest", "", [], "the unedited honest submission")


def build_class(folder: Path, exercise: str, ids: int, only: set[str] | None = None) -> None:
    """folder/<variant>__student-NN/: the honest files, the variant's file edited (the variants
    named in ``only``, when given, and always the honest control)."""
    if folder.exists():
        shutil.rmtree(folder)
    for variant in [CONTROL] + [v for v in VARIANTS if v.exercise == exercise and (only is None or v.id in only)]:
        for n in range(1, ids + 1):
            sub = folder / f"{variant.id}__student-{n:02d}"
            sub.mkdir(parents=True)
            for src in HONEST.glob("*.py"):
                shutil.copy(src, sub / src.name)
            if variant.edits:
                (sub / f"{exercise}.py").write_text(apply_variant(variant))


def grade(folder: Path, out: Path, exercise: str, jobs: int, lang: str) -> list[dict]:
    """Run convkit grade on the class; its grades.json submissions."""
    cmd = [sys.executable, "-m", "grader.commands.cli", "grade", str(folder), "--out", str(out),
           "--jobs", str(jobs), "--exercises", exercise, "--no-progress", "--lang", lang, "--seed", "0"]
    subprocess.run(cmd, check=True, cwd=REPO)
    return json.loads((out / "grades.json").read_text())["submissions"]


def summarise(submissions: list[dict], exercise: str) -> dict[str, dict]:
    """Per variant: caught ids, per-test scores by id, one message per failing test."""
    by_variant: dict[str, dict] = defaultdict(lambda: {"ids": {}, "messages": {}, "statuses": defaultdict(set)})
    for sub in submissions:
        variant, sid = sub["student"].split("__")
        tests = sub["exercises"][exercise]["tests"]
        row = by_variant[variant]
        row["ids"][sid] = {t["name"]: t["score"] for t in tests}
        row["max"] = {t["name"]: t["max_score"] for t in tests}
        for t in tests:
            if t["score"] < t["max_score"]:
                row["statuses"][t["name"]].add(t["status"])
                row["messages"].setdefault(t["name"], t["message"])
    result = {}
    for variant, row in by_variant.items():
        ids = row["ids"]
        caught = sorted(sid for sid, scores in ids.items() if any(scores[t] < row["max"][t] for t in scores))
        tests = sorted(row["max"])
        varying = [t for t in tests if len({scores[t] for scores in ids.values()}) > 1]
        failing = {t: sum(scores[t] < row["max"][t] for scores in ids.values()) for t in tests}
        result[variant] = {
            "exercise": exercise,
            "n_ids": len(ids),
            "caught": len(caught),
            "same_scores": not varying,
            "varying_tests": varying,
            "failing_tests": {t: n for t, n in failing.items() if n},
            "statuses": {t: sorted(s) for t, s in row["statuses"].items()},
            "scores": {sid: sum(s.values()) for sid, s in sorted(ids.items())},
            "max": sum(row["max"].values()),
            "messages": row["messages"],
        }
    return result


def feedback_kind(message: str) -> str:
    """What a failing test's message gives the student, in a word or two."""
    if "common mistake" in message:
        return "names the mistake"
    if " raised " in message:
        return "traceback"
    if "expected shape" in message or "expected dtype" in message:
        return "shape/dtype"
    if "expected ValueError" in message:
        return "expects ValueError"
    if "changed its input" in message:
        return "mutation"
    return "expected vs got"


def table(summary: dict[str, dict]) -> str:
    """A markdown table: variant, exercise, caught/ids, same scores, tests that caught it."""
    lines = ["| variant | exercise | caught | same per-test scores | score | tests that lost points (ids) | feedback (en) |",
             "|---|---|---|---|---|---|---|"]
    order = {v.id: i for i, v in enumerate([CONTROL] + VARIANTS)}
    for variant, r in sorted(summary.items(), key=lambda kv: (EXERCISES.index(kv[1]["exercise"]), order[kv[0].split(":")[0]])):
        scores = sorted(set(r["scores"].values()))
        score = "/".join(f"{s:g}" for s in scores) + f" of {r['max']:g}"
        tests = ", ".join(f"{t} ({n})" for t, n in r["failing_tests"].items()) or "-"
        lines.append(f"| {variant.split(':')[0]} | {r['exercise']} | {r['caught']}/{r['n_ids']} | "
                     f"{'yes' if r['same_scores'] else 'NO: ' + ', '.join(r['varying_tests'])} | {score} | {tests} | "
                     f"{', '.join(sorted({feedback_kind(m) for m in r['messages'].values()})) or '-'} |")
    bank = {k: r for k, r in summary.items() if not k.startswith("honest")}
    pairs = sum(r["n_ids"] for r in bank.values())
    caught = sum(r["caught"] for r in bank.values())
    lines.append("")
    lines.append(f"{len(bank)} variants, {caught} of {pairs} (variant, id) pairs caught; "
                 f"{sum(r['caught'] == r['n_ids'] for r in bank.values())} caught under every id, "
                 f"{sum(r['caught'] == 0 for r in bank.values())} under none; "
                 f"{sum(not r['same_scores'] for r in bank.values())} with a per-test score that depends on the id; "
                 f"honest: {sum(r['caught'] for k, r in summary.items() if k.startswith('honest'))} ids lost points.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/blind_bank"))
    parser.add_argument("--ids", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--exercises", nargs="+", default=list(EXERCISES[:-1]), choices=EXERCISES,
                        help="default: all but mnist (training is the expensive one)")
    parser.add_argument("--variants", nargs="+", choices=sorted(v.id for v in VARIANTS),
                        help="grade only these variants (and the honest control) of the chosen exercises")
    parser.add_argument("--table-only", action="store_true", help="print the table of WORK/summary.json, grade nothing")
    args = parser.parse_args()
    summary_path = args.work / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    for exercise in [] if args.table_only else args.exercises:
        folder = args.work / "class" / exercise
        build_class(folder, exercise, args.ids, set(args.variants) if args.variants else None)
        subs = grade(folder, args.work / "out" / exercise, exercise, args.jobs, args.lang)
        for variant, row in summarise(subs, exercise).items():
            summary[f"{variant}:{exercise}" if variant == "honest" else variant] = row
        summary_path.write_text(json.dumps(summary, indent=1, sort_keys=True))
    print(table(summary))


if __name__ == "__main__":
    main()
