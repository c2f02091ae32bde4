"""Grade a blind one-bug bank (tests/blindbank/ or tests/blindbank2/) under N student ids per variant.

A bank is a folder with honest submissions and a ``variants.py`` (its ``VARIANTS``, its
``CONTROLS`` — the unedited honest submissions —, ``honest_folder(variant)`` and
``apply_variant(variant)``). For every exercise this builds a class folder with one
submission per (variant, id): the variant's honest submission with its edit applied, in a
folder named ``<variant>__student-NN`` (the folder's name is the student id, which seeds the
random cases), plus the controls. It grades each class on its own exercise only
(``convkit grade --exercises <ex> --jobs J --seed S``) and writes, per variant: the ids that
caught it (score < max), the tests whose score depends on the id, the tests that lost
points and each failing test's message per id.

    PYTHONPATH=. python benchmarks/blind_bank.py --bank tests/blindbank2 --work /tmp/bb2 [--ids 3] [--jobs 2]
        [--exercises output_size ...] [--variants mp_stride_swapped ...] [--lang en] [--seed 0]

Outputs: WORK/summary.json and a markdown table on stdout (``--table-only``: the table of an
existing summary). Re-running reuses the grades already in WORK/out/<exercise> (convkit grade
is resumable) unless a variant changed.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from types import ModuleType

REPO = Path(__file__).resolve().parents[1]
EXERCISES = ("output_size", "loop_conv", "im2col_conv", "maxpool", "backward", "worked_example", "mnist")


def load_bank(folder: Path) -> ModuleType:
    """The bank's ``variants.py``."""
    spec = importlib.util.spec_from_file_location(f"variants_{folder.name}", folder / "variants.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_class(bank: ModuleType, folder: Path, exercise: str, ids: int, only: set[str] | None = None) -> None:
    """folder/<variant>__student-NN/: the honest files, the variant's file edited (the variants
    named in ``only``, when given, and always the controls)."""
    if folder.exists():
        shutil.rmtree(folder)
    chosen = [v for v in bank.VARIANTS if v.exercise == exercise and (only is None or v.id in only)]
    for variant in bank.CONTROLS + chosen:
        for n in range(1, ids + 1):
            sub = folder / f"{variant.id}__student-{n:02d}"
            sub.mkdir(parents=True)
            for src in bank.honest_folder(variant).glob("*.py"):
                shutil.copy(src, sub / src.name)
            if variant.edits:
                (sub / f"{exercise}.py").write_text(bank.apply_variant(variant))


def grade(folder: Path, out: Path, exercise: str, jobs: int, lang: str, seed: int) -> list[dict]:
    """Run convkit grade on the class, on one exercise; its grades.json submissions."""
    cmd = [sys.executable, "-m", "grader.commands.cli", "grade", str(folder), "--out", str(out),
           "--jobs", str(jobs), "--exercises", exercise, "--no-progress", "--lang", lang, "--seed", str(seed)]
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
    if "ValueError" in message:
        return "expects ValueError"
    if "changed its input" in message:
        return "mutation"
    return "expected vs got"


def table(bank: ModuleType, summary: dict[str, dict]) -> str:
    """Markdown: variant, honest base, exercise, caught/ids, same scores, totals, failing tests, feedback."""
    known = bank.CONTROLS + bank.VARIANTS
    base = {v.id: bank.honest_folder(v).name for v in known}
    order = {v.id: i for i, v in enumerate(known)}
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
    variants = {k: r for k, r in summary.items() if not k.startswith("honest")}
    lines.append("")
    lines.append(f"{len(variants)} variants: {sum(r['caught'] == r['n_ids'] for r in variants.values())} caught under every id, "
                 f"{sum(0 < r['caught'] < r['n_ids'] for r in variants.values())} under some, "
                 f"{sum(r['caught'] == 0 for r in variants.values())} never; "
                 f"{sum(bool(r['varying_tests']) for r in variants.values())} with an id-dependent per-test score; "
                 f"honest (id, exercise) pairs that lost points: "
                 f"{sum(r['caught'] for k, r in summary.items() if k.startswith('honest'))}.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bank", type=Path, default=REPO / "tests" / "blindbank",
                        help="the bank's folder: tests/blindbank (default) or tests/blindbank2")
    parser.add_argument("--work", type=Path, default=Path("/tmp/blind_bank"))
    parser.add_argument("--ids", type=int, default=10)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--lang", default="en")
    parser.add_argument("--seed", type=int, default=0, help="the run seed (convkit grade --seed)")
    parser.add_argument("--exercises", nargs="+", default=list(EXERCISES[:-1]), choices=EXERCISES,
                        help="default: all but mnist (training is the expensive one)")
    parser.add_argument("--variants", nargs="+", help="grade only these variants (and the controls) of the chosen exercises")
    parser.add_argument("--table-only", action="store_true", help="print the table of WORK/summary.json, grade nothing")
    args = parser.parse_args()
    bank = load_bank(args.bank.resolve())
    path = args.work / "summary.json"
    summary = json.loads(path.read_text()) if path.exists() else {}
    for exercise in [] if args.table_only else args.exercises:
        folder = args.work / "class" / exercise
        build_class(bank, folder, exercise, args.ids, set(args.variants) if args.variants else None)
        subs = grade(folder, args.work / "out" / exercise, exercise, args.jobs, args.lang, args.seed)
        for variant, row in summarise(subs, exercise).items():
            summary[f"{variant}:{exercise}" if variant.startswith("honest") else variant] = row
        path.write_text(json.dumps(summary, indent=1, sort_keys=True))
    print(table(bank, summary))


if __name__ == "__main__":
    main()
