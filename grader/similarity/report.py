"""The similarity outputs: ``similarity.csv`` (every pair) and ``similarity.html`` (the
pairs above the threshold, matched regions side by side)."""
from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Mapping, Sequence

import jinja2

from grader.grading.outputs import write_atomic
from grader.similarity import MAX_SHOWN, THRESHOLD
from grader.similarity.detect import Pair

CSV_HEADER = ["a", "b", "exercise", "similarity", "a_in_b", "b_in_a", "matched_tokens"]

_TEMPLATES = jinja2.Environment(
    loader=jinja2.PackageLoader("grader.similarity", "templates"),
    autoescape=jinja2.select_autoescape(["html", "html.j2"]),
    undefined=jinja2.StrictUndefined,
)


def csv_text(pairs: Sequence[Pair]) -> str:
    """Every pair, most similar first, as CSV."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for pair in pairs:
        writer.writerow([pair.a, pair.b, pair.exercise, f"{pair.similarity:.3f}", f"{pair.a_in_b:.3f}",
                         f"{pair.b_in_a:.3f}", pair.tokens])
    return out.getvalue()


def segments(code: str, slices: Sequence[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``code`` cut into (text, matched) pieces at the matched slices (character offsets)."""
    pieces, position = [], 0
    for start, end in sorted(slices):
        start, end = max(start, position), min(end, len(code))
        if start >= end:
            continue
        pieces += [(code[position:start], False), (code[start:end], True)]
        position = end
    return [piece for piece in pieces + [(code[position:], False)] if piece[0]]


def html_text(pairs: Sequence[Pair], codes: Mapping[str, Mapping[str, str]], threshold: float = THRESHOLD) -> str:
    """The HTML report: the pairs at or above ``threshold`` (at most MAX_SHOWN), side by side."""
    flagged = [pair for pair in pairs if pair.similarity >= threshold]
    shown = [{"pair": pair, "left": segments(codes[pair.exercise][pair.a], pair.slices_a),
              "right": segments(codes[pair.exercise][pair.b], pair.slices_b)} for pair in flagged[:MAX_SHOWN]]
    return _TEMPLATES.get_template("similarity.html.j2").render(
        shown=shown, flagged=len(flagged), total=len(pairs), threshold=threshold, max_shown=MAX_SHOWN)


def write_report(out: Path, pairs: Sequence[Pair], codes: Mapping[str, Mapping[str, str]],
                 threshold: float = THRESHOLD) -> tuple[Path, Path]:
    """Write ``out/similarity.csv`` and ``out/similarity.html`` atomically; their paths."""
    csv_path, html_path = out / "similarity.csv", out / "similarity.html"
    write_atomic(csv_path, csv_text(pairs))
    write_atomic(html_path, html_text(pairs, codes, threshold))
    return csv_path, html_path
