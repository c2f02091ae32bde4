"""Figures of the feedback and the class report, drawn with matplotlib's Agg backend as PNG bytes.

- ``mismatch_png``: a failed tensor comparison's picture (``compare.picture``'s data):
  expected, got and their difference as heatmaps of the first wrong plane, the first wrong
  element boxed, and the input with the window that element reads; for max-pool indices
  the input window with the expected (○) and the chosen (×) position.
- ``histogram_png``: a score distribution (the class report).

Every figure is small (a few tens of KB) and drawn from stored data, so feedback can be
re-rendered in another language without regrading. matplotlib is imported by the first
figure drawn (about 1 s of CPU): a run whose pages need no figure never imports it.
"""
from __future__ import annotations

import functools
import io
import math
from typing import Optional, Sequence

from grader.course import messages

_DPI = 90


@functools.cache
def _pyplot():
    """matplotlib.pyplot on the Agg backend (no display on a grading machine), imported once."""
    import matplotlib

    matplotlib.use("Agg")  # before pyplot
    import matplotlib.pyplot as plt

    return plt


def _array(rows: list) -> list[list[float]]:
    """Stored numbers (None for NaN/inf) as floats matplotlib can draw (NaN shows blank)."""
    return [[math.nan if x is None else float(x) for x in row] for row in rows]


def _png(figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_DPI)
    _pyplot().close(figure)
    return buffer.getvalue()


def _box(axis, row: int, col: int, color: str = "red") -> None:
    from matplotlib.patches import Rectangle

    axis.add_patch(Rectangle((col - 0.5, row - 0.5), 1, 1, fill=False, edgecolor=color, linewidth=2.5))


def _limits(*planes: list[list[float]]) -> tuple[float, float]:
    finite = [x for values in planes for row in values for x in row if math.isfinite(x)]
    return (min(finite), max(finite)) if finite else (0.0, 1.0)


def _heatmap(axis, values: list[list[float]], title: str, origin: Sequence[int], cmap: str = "viridis",
             limits: Optional[tuple[float, float]] = None, colorbar: bool = True) -> None:
    kwargs = {"vmin": limits[0], "vmax": limits[1]} if limits else {}
    image = axis.imshow(values, cmap=cmap, interpolation="nearest", **kwargs)
    if colorbar:
        axis.figure.colorbar(image, ax=axis, fraction=0.046, pad=0.04).ax.tick_params(labelsize=7)
    axis.set_title(title, fontsize=9)
    # Tick labels are what takes matplotlib time: label every few cells only.
    height, width = len(values), len(values[0]) if values else 0
    xs, ys = range(0, width, math.ceil(width / 6)), range(0, height, math.ceil(height / 6))
    axis.set_xticks(xs, [str(origin[1] + c) for c in xs], fontsize=7)
    axis.set_yticks(ys, [str(origin[0] + r) for r in ys], fontsize=7)


def mismatch_png(picture: dict, lang: str) -> Optional[bytes]:
    """The figure of one failed comparison (None when the data has no plane to draw)."""
    expected, got = _array(picture["expected"]), _array(picture["got"])
    if not expected or not expected[0]:
        return None
    source = picture.get("input")
    positions = picture.get("positions")
    panels = 3 + (source is not None)
    figure, axes = _pyplot().subplots(1, panels, figsize=(3.3 * panels, 3.4))
    figure.subplots_adjust(left=0.04, right=0.97, top=0.8, bottom=0.14, wspace=0.45)
    r0, c0 = picture["origin"]
    row, col = picture["at"]
    difference = [[g - e for g, e in zip(grow, erow)] for grow, erow in zip(got, expected)]
    titles = [messages.text("figure_expected", lang), messages.text("figure_got", lang),
              messages.text("figure_difference", lang)]
    # expected and got share one colour scale, so equal colours mean equal numbers
    shared = _limits(expected, got)
    spread = max((abs(x) for x in _limits(difference)), default=1.0) or 1.0
    # one colour bar for the shared scale (on "yours"), one for the difference
    for axis, values, title, limits in zip(axes, (expected, got, difference), titles, (shared, shared, (-spread, spread))):
        _heatmap(axis, values, title, (r0, c0), cmap="coolwarm" if values is difference else "viridis", limits=limits,
                 colorbar=values is not expected)
        _box(axis, row - r0, col - c0)
    if source is not None:
        _input_panel(axes[-1], source, positions, lang)
    plane = ", ".join(str(i) for i in picture.get("plane", []))
    figure.suptitle(messages.text("figure_plane", lang, plane=f"[{plane}]" if plane else "[ ]"), fontsize=10)
    return _png(figure)


def _input_panel(axis, source: dict, positions: Optional[dict], lang: str) -> None:
    """The input crop with the window's cells outlined, and max-pool positions marked."""
    values = _array(source["values"])
    r0, c0 = source["origin"]
    sample, channel = source["plane"]
    _heatmap(axis, values, messages.text("figure_input", lang, sample=sample, channel=channel), (r0, c0), cmap="Greys")
    height, width = len(values), len(values[0]) if values else 0
    for r in source["rows"]:
        for c in source["cols"]:
            if 0 <= r - r0 < height and 0 <= c - c0 < width:
                _box(axis, r - r0, c - c0, color="orange")
    if positions:
        for key, marker, color in (("expected", "o", "limegreen"), ("got", "x", "red")):
            where = positions.get(key)
            if where and 0 <= where[0] - r0 < height and 0 <= where[1] - c0 < width:
                style = {"facecolors": "none", "edgecolors": color} if marker == "o" else {"c": color}
                axis.scatter([where[1] - c0], [where[0] - r0], marker=marker, s=140, linewidths=2.5, **style)
        axis.set_xlabel(messages.text("figure_window", lang), fontsize=8)


def histogram_png(scores: Sequence[float], max_score: float, title: str, lang: str) -> bytes:
    """A histogram of ``scores`` on 0..``max_score``."""
    figure, axis = _pyplot().subplots(figsize=(3.3, 2.3))
    figure.subplots_adjust(left=0.16, right=0.96, top=0.86, bottom=0.2)
    bins = max(1, min(10, int(math.ceil(max_score)) or 1))
    axis.hist(list(scores), bins=bins, range=(0, max_score or 1), color="#3b7dd8", edgecolor="white")
    axis.set_title(title, fontsize=10)
    axis.set_xlabel(messages.text("report_score", lang), fontsize=8)
    axis.set_ylabel(messages.text("report_students", lang), fontsize=8)
    axis.yaxis.get_major_locator().set_params(integer=True)
    axis.tick_params(labelsize=7)
    return _png(figure)
