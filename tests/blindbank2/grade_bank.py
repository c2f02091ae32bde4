"""Grade the second blind bank (tests/blindbank2/) under N student ids per variant.

For every exercise: a class folder with the two honest submissions (honest_a, honest_b) and
every variant of that exercise, each as ``<variant>__student-NN`` (the folder name is the
student id, which seeds the random cases); graded with ``convkit grade --exercises <ex>``
on that exercise only. Writes WORK/summary.json (per variant: ids caught, per-test scores
by id, failing tests, one message per failing test) and prints a markdown table.

    OMP_NUM_THREADS=1 PYTHONPATH=. python tests/blindbank2/grade_bank.py --work /tmp/b2 [--ids 3] [--jobs 2]
        [--exercises output_size ...] [--table-only]
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))
from variants import VARIANTS, Variant, apply_variant  # noqa: E402

EXERCISES = ("output_size", "loop_conv", "im2col_conv", "maxpool", "backward", "worked_example")
CONTROLS = [Variant("honest_a", "", "a", [], "honest A"), Variant("honest_b", "", "b", [], "honest B")]


def build_class(folder: Path, exercise: str, ids: int) -> None:
    """folder/<variant>__student-NN/: the base honest folder's files, the variant's file edited."""
    if folder.exists():
        shutil.rmtree(folder)
    for variant in CONTROLS + [v for v in VARIANTS if v.exercise == exercise]:
        for n in range(1, ids + 1):
            sub = folder / f"{variant.id}__student-{n:02d}"
            sub.mkdir(parents=True)
            for src in (HERE / f"honest_{variant.base}").glob("*.py"):
                shutil.copy(src, sub / src.name)
            if variant.edits:
                (sub / f"{exercise}.py").write_text(apply_variant(variant))


def grade(folder: Path, out: Path, exercise: str, jobs: int) -> list[dict]:
    """Run convkit grade on the class, on one exercise; its grades.json submissions."""
    cmd = [sys.executable, "-m", "grader.commands.cli", "grade", str(folder), "--out", str(out),
           "--jobs", str(jobs), "--exercises", exercise, "--no-progress"]
    subprocess.run(cmd, check=True, cwd=REPO)
    return json.loads((out / "grades.json").read_text())["submissions"]


def summarise(submissions: list[dict], exercise: str) -> dict[str, dict]:
    """Per variant: ids that lost points, per-test scores by id, one message per failing test."""
    rows: dict[str, dict] = defaultdict(lambda: {"ids": {}, "messages": {}})
    for sub in submissions:
        variant, sid = sub["student"].split("__")
        tests = sub["exercises"][exercise]["tests"]
        row = rows[variant]
        row["ids"][sid] = {t["name"]: t["score"] for t in tests}
        row["max"] = {t["name"]: t["max_score"] for t in tests}
        for t in tests:
            if t["score"] < t["max_score"]:
                row["messages"].setdefault(t["name"], {})[sid] = t["message"]
    result = {}
    for variant, row in rows.items():
        ids, top = row["ids"], row["max"]
        result[variant] = {
            "exercise": exercise,
            "n_ids": len(ids),
            "caught": sum(any(s[t] < top[t] for t in s) for s in ids.values()),
            "varying_tests": [t for t in sorted(top) if len({s[t] for s in ids.values()}) > 1],
            "failing_tests": {t: n for t in sorted(top) if (n := sum(s[t] < top[t] for s in ids.values()))},
            "totals": {sid: sum(s.values()) for sid, s in sorted(ids.items())},
            "per_test": ids,
            "max": sum(top.values()),
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
    if "expected ValueError" in message or "ValueError" in message:
        return "expects ValueError"
    if "changed its input" in message:
        return "mutation"
    return "expected vs got"


def table(summary: dict[str, dict]) -> str:
    """Markdown: variant, base, exercise, caught/ids, same scores, totals, failing tests, feedback."""
    base = {v.id: v.base for v in CONTROLS + VARIANTS}
    order = {v.id: i for i, v in enumerate(CONTROLS + VARIANTS)}
    lines = ["| variant | base | exercise | caught | same per-test scores | score | tests that lost points (ids) | feedback (en) |",
             "|---|---|---|---|---|---|---|---|"]
    for key, r in sorted(summary.items(), key=lambda kv: (EXERCISES.index(kv[1]["exercise"]), order[kv[0].split(":")[0]])):
        vid = key.split(":")[0]
        score = "/".join(f"{s:g}" for s in sorted(set(r["totals"].values()))) + f" of {r['max']:g}"
        tests = ", ".join(f"{t} ({n})" for t, n in r["failing_tests"].items()) or "-"
        kinds = sorted({feedback_kind(m) for per_id in r["messages"].values() for m in per_id.values()})
        same = "yes" if not r["varying_tests"] else "NO: " + ", ".join(r["varying_tests"])
        lines.append(f"| {vid} | {base[vid]} | {r['exercise']} | {r['caught']}/{r['n_ids']} | {same} | {score} | "
                     f"{tests} | {', '.join(kinds) or '-'} |")
    bank = {k: r for k, r in summary.items() if not k.startswith("honest")}
    lines.append("")
    lines.append(f"{len(bank)} variants: {sum(r['caught'] == r['n_ids'] for r in bank.values())} caught under every id, "
                 f"{sum(0 < r['caught'] < r['n_ids'] for r in bank.values())} under some, "
                 f"{sum(r['caught'] == 0 for r in bank.values())} under none; "
                 f"{sum(bool(r['varying_tests']) for r in bank.values())} with an id-dependent per-test score; "
                 f"honest (id, exercise) pairs that lost points: "
                 f"{sum(r['caught'] for k, r in summary.items() if k.startswith('honest'))}.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=Path("/tmp/blindbank2"))
    parser.add_argument("--ids", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--exercises", nargs="+", default=list(EXERCISES), choices=EXERCISES)
    parser.add_argument("--table-only", action="store_true")
    args = parser.parse_args()
    path = args.work / "summary.json"
    summary = json.loads(path.read_text()) if path.exists() else {}
    for exercise in [] if args.table_only else args.exercises:
        folder = args.work / "class" / exercise
        build_class(folder, exercise, args.ids)
        for variant, row in summarise(grade(folder, args.work / "out" / exercise, exercise, args.jobs), exercise).items():
            summary[f"{variant}:{exercise}" if variant.startswith("honest") else variant] = row
        path.write_text(json.dumps(summary, indent=1, sort_keys=True))
    print(table(summary))


if __name__ == "__main__":
    main()
