"""Compare what a student's code returned with the expected result, and explain.

Every check raises ``Mismatch`` (an ``AssertionError``: the test's status becomes
"failed") with a message that teaches: which stage broke ("maxpool2d_unfold:
indices"), the expected and actual shape or dtype, or the first wrong element's
index, the input window that element reads, the expected and actual values and how
many elements differ, plus the call that produced it (argument shapes and settings).
A value mismatch also carries a ``picture``: the first wrong (sample, channel) plane of
expected and got around the first wrong element (at most ``CROP`` x ``CROP`` numbers), and
the input window that element reads, for the feedback's figure and grid
(grader/grading/figures.py). Messages are ``messages.Text``, rendered in any language later.
All checks use the grading process's own torch on values rebuilt by ``grader/runtime/wire.py``,
so nothing the student returned can take part in deciding.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Optional, Sequence

import torch

from grader.course import messages
from grader.course.messages import Localized, Text
from grader.grading.calls import describe
from grader.grading.session import StudentError

CROP = 16  # the picture's planes are at most CROP x CROP numbers: results stay small

# (rtol, atol) per dtype: float32 results are sums of a few hundred products of O(1) numbers.
TOLERANCES: dict[torch.dtype, tuple[float, float]] = {
    torch.float16: (1e-2, 1e-2),
    torch.float32: (1e-4, 1e-4),
    torch.float64: (1e-7, 1e-9),
}


class Mismatch(AssertionError):
    """The student's result is wrong; the message says how.

    ``message`` is a ``messages.Text`` (rendered in any language by the grader) or a plain
    string in ``lang``; ``picture`` is a failed comparison's small data (see ``Checker.tensor``);
    ``misconception`` (a ``Text``), when set, names the mistake for the class report.
    """

    def __init__(self, message: "Text | str", lang: str = "en", picture: Optional[dict] = None,
                 misconception: "Text | str | None" = None):
        super().__init__(messages.render(message, lang))
        self.text, self.picture, self.misconception = message, picture, misconception


def _numbers(expected: float | int | bool, actual: float | int | bool) -> tuple[str, str]:
    """Both numbers with 6 significant digits, or as many more (up to 17, which tell any two
    float64 apart) as it takes for two different values not to print the same."""
    if not (isinstance(expected, float) or isinstance(actual, float)):
        return str(expected), str(actual)
    for digits in range(6, 18):
        shown = f"{expected:.{digits}g}", f"{actual:.{digits}g}"
        if shown[0] != shown[1]:
            break
    return shown


class Checker:
    """The checks a hidden test makes, with messages in one language.

    ``explain(actual)``, when given, returns the misconceptions whose mistake produces the
    wrong result ``actual`` (grader/grading/misconceptions.py); a failure states them.
    """

    def __init__(self, lang: str, explain: Callable[[Any], list[dict[str, str]]] | None = None):
        self.lang = lang
        self.explain = explain

    def _fail(self, key: str, call: str, result: Any = None, _picture: Optional[dict] = None, **fields: Any) -> None:
        message = Text(key, **fields)
        if call:
            message = message + Text("call", call=call)
        named = [Localized(sentences) for sentences in self.explain(result)] if self.explain and result is not None else []
        if len(named) == 1:
            message = message + Text("misconception", sentence=named[0])
        elif named:  # one input cannot tell them apart: say so rather than assert either
            message = message + Text("misconceptions")
            for sentence in named:
                message = message + Text("misconception_item", sentence=sentence)
        raise Mismatch(message, self.lang, _picture, named[0] if named else None)

    def stage(self, function: str, part: str) -> str:
        return messages.stage(function, part, self.lang)

    def tensor(self, actual: Any, expected: torch.Tensor, function: str, part: str, *, call: str = "",
               window: "Window | None" = None, exact: bool = False) -> None:
        """``actual`` must be a tensor of ``expected``'s shape and dtype with close values."""
        stage = messages.stage_text(function, part)
        if type(actual) is not torch.Tensor:
            self._fail("not_tensor", call, actual, stage=stage, got=describe(actual))
        if tuple(actual.shape) != tuple(expected.shape):
            self._fail("shape", call, actual, stage=stage, expected=tuple(expected.shape), actual=tuple(actual.shape))
        if actual.dtype != expected.dtype:
            self._fail("dtype", call, actual, stage=stage, expected=str(expected.dtype), actual=str(actual.dtype))
        if exact or not expected.is_floating_point():
            wrong = actual != expected
        else:
            rtol, atol = TOLERANCES[expected.dtype]
            wrong = ~torch.isclose(actual, expected, rtol=rtol, atol=atol)
        if bool(wrong.any()):
            # argmax of the flat mask, not nonzero(): that would hold every wrong index
            # (gigabytes for a large wrong result); this costs one byte per element.
            index = _unravel(int(wrong.flatten().to(torch.uint8).argmax()), tuple(wrong.shape))
            shown_expected, shown_actual = _numbers(expected[index].item(), actual[index].item())
            self._fail("value", call, actual, picture(actual, expected, wrong, index, window), stage=stage,
                       index=index, window=window.text(index) if window else "",
                       expected=shown_expected, actual=shown_actual, count=int(wrong.sum()), total=wrong.numel())

    def value(self, actual: Any, expected: Any, function: str, part: str, *, call: str = "") -> None:
        """Exact equality of plain values (ints, tuples of ints, strings), types included."""
        if type(actual) is not type(expected) or actual != expected or _types(actual) != _types(expected):
            self._fail("scalar", call, actual, stage=messages.stage_text(function, part), expected=describe(expected),
                       actual=describe(actual))

    def parts(self, actual: Any, parts: Sequence[str], function: str, *, call: str = "") -> None:
        """``actual`` must be a tuple (or list) of ``len(parts)`` results; ``parts`` are their
        ``part_*`` catalog names, e.g. ``("values", "indices")``."""
        if type(actual) not in (tuple, list) or len(actual) != len(parts):
            named = [Text(f"part_{part}") for part in parts]
            listed = Text(None, *[piece for name in named for piece in (", ", name)][1:])
            self._fail("not_tuple", call, actual, stage=messages.stage_text(function, "output"), count=len(parts),
                       parts=listed, got=describe(actual))

    def computed_through(self, scaled: Any, actual: torch.Tensor, scale: float, function: str, part: str,
                         helper: str, *, call: str = "") -> None:
        """``scaled``, ``function``'s ``part`` when its ``helper`` returned ``scale`` times its
        result, must be ``scale`` times ``actual``, the part as computed normally: the part
        is computed through ``helper``, as the contract asks."""
        rtol, atol = TOLERANCES.get(actual.dtype, (0.0, 0.0))
        if (type(scaled) is not torch.Tensor or scaled.shape != actual.shape or scaled.dtype != actual.dtype
                or not torch.allclose(scaled, scale * actual, rtol=rtol, atol=atol)):
            self._fail("not_through", call, stage=messages.stage_text(function, part), helper=helper,
                       scale=f"{scale:g}")

    def raises_value_error(self, run: Callable[[], Any], function: str, case: Text, *, call: str = "") -> None:
        """``run()`` (a student call) must raise ValueError; anything else fails the test.

        ``case`` names the bad input in every language (a catalog ``case_*`` entry).
        """
        stage = messages.stage_text(function, "output")
        try:
            got = run()
        except StudentError as error:
            if not error.is_a("ValueError"):
                self._fail("raised_other", call, stage=stage, case=case, type=error.type_name,
                           error=error.fields["error"])
            return
        self._fail("should_raise", call, got, stage=stage, case=case, got=describe(got))

    def unchanged(self, before: Sequence[Any], after: Sequence[Any], names: Sequence[str], function: str,
                  *, call: str = "") -> None:
        """Each tensor argument must come back from the worker bit-for-bit as it was sent."""
        for name, old, new in zip(names, before, after):
            if type(old) is torch.Tensor and (type(new) is not torch.Tensor or new.shape != old.shape
                                               or new.dtype != old.dtype or not torch.equal(new, old)):
                self._fail("mutated", call, stage=messages.stage_text(function, "inputs"), name=name)

    # ---------------------------------------------------------- input windows
    def conv_window(self, kernel: Sequence[int], stride: Sequence[int], padding: Sequence[int],
                    dilation: Sequence[int], *, source: Optional[torch.Tensor] = None, pooled: bool = False) -> "Window":
        """For an output index (n, c, i, j) of a 2-D conv/pool: the input rows and columns it reads.

        ``source`` (batch x channel x height x width) is the input, drawn in the picture;
        ``pooled``: output channel c reads input channel c only (pooling), and integer
        results are positions in the input plane (max-pool indices).
        """

        def text(index: tuple[int, ...]) -> Text:
            i, j = index[-2], index[-1]
            rows = _span(i, kernel[0], stride[0], padding[0], dilation[0])
            cols = _span(j, kernel[1], stride[1], padding[1], dilation[1])
            return Text("window_conv", rows=rows, cols=cols, padding=Text("window_padding") if any(padding) else "")

        def region(index: tuple[int, ...]) -> tuple[list[int], list[int]]:
            i, j = index[-2], index[-1]
            return ([i * stride[0] - padding[0] + dilation[0] * t for t in range(kernel[0])],
                    [j * stride[1] - padding[1] + dilation[1] * t for t in range(kernel[1])])

        return Window(self.lang, text, region, source, pooled)

    def length_window(self, kernel: int, stride: int, padding: int) -> "Window":
        """For an output index (n, c, i) of a 1-D conv/pool: the input positions it reads."""

        def text(index: tuple[int, ...]) -> Text:
            return Text("window_length", positions=_span(index[-1], kernel, stride, padding, 1))

        return Window(self.lang, text)

    def column_window(self, kernel: Sequence[int], stride: Sequence[int], padding: Sequence[int],
                      dilation: Sequence[int], out_width: int) -> "Window":
        """For an im2col index (n, row, l): the kernel element and the input pixel it copies."""

        def text(index: tuple[int, ...]) -> Text:
            row, l = index[-2], index[-1]
            channel, rest = divmod(row, kernel[0] * kernel[1])
            ki, kj = divmod(rest, kernel[1])
            i, j = divmod(l, out_width)
            return Text("window_col", channel=channel, ki=ki, kj=kj, window=(i, j),
                        row=i * stride[0] - padding[0] + ki * dilation[0],
                        col=j * stride[1] - padding[1] + kj * dilation[1])

        return Window(self.lang, text)

    def pixel_window(self) -> "Window":
        """For an image index (n, c, r, c) built by summing windows (col2im, input gradients)."""
        return Window(self.lang, lambda index: Text("window_pixel", row=index[-2], col=index[-1]))


class Window:
    """What an output element reads: a sentence (``text(index)``) and, for 2-D windows, the
    input rows and columns (``region(index)``) of ``source`` to draw."""

    def __init__(self, lang: str, text: Callable[[tuple[int, ...]], Text],
                 region: Optional[Callable[[tuple[int, ...]], tuple[list[int], list[int]]]] = None,
                 source: Optional[torch.Tensor] = None, pooled: bool = False):
        self.lang, self.text, self.region, self.source, self.pooled = lang, text, region, source, pooled

    def __call__(self, index: tuple[int, ...]) -> str:
        return self.text(index).render(self.lang)


# ------------------------------------------------------------------ pictures

def _plain(values: torch.Tensor) -> list:
    """A small tensor as nested lists of JSON numbers (non-finite values as None)."""
    def clean(x: float | int) -> float | int | None:
        if isinstance(x, float):
            return round(x, 6) if math.isfinite(x) else None
        return x
    return [[clean(x) for x in row] for row in values.tolist()]


def _crop_start(center: int, size: int) -> int:
    return max(0, min(center - CROP // 2, size - CROP))


def _plane(t: torch.Tensor) -> torch.Tensor:
    """The tensor as (planes x height x width): the last two dimensions are the plane."""
    if t.dim() == 1:
        return t.reshape(1, 1, -1)
    return t.reshape(-1, t.shape[-2], t.shape[-1])


def picture(actual: torch.Tensor, expected: torch.Tensor, wrong: torch.Tensor, index: tuple[int, ...],
            window: Optional[Window]) -> Optional[dict]:
    """The data of a failed comparison's figure, bounded: at most CROP x CROP numbers per plane.

    ``{"index", "plane", "at": [row, col], "origin": [row, col], "expected", "got", "wrong", "input": {"plane",
    "origin", "values", "rows", "cols"} | None, "positions": {"expected", "got"} | None}``:
    the first wrong (sample, channel) plane's crop around the first wrong element, and the
    crop of the input plane that element reads, with the window's rows and columns in input
    coordinates (negative or past the edge: padding).
    """
    if expected.dim() == 0 or expected.numel() == 0:
        return None
    exp, act, bad = _plane(expected.detach()), _plane(actual.detach()), _plane(wrong)
    row, col = (index[-2], index[-1]) if expected.dim() >= 2 else (0, index[-1])
    prefix = index[:-2] if expected.dim() >= 2 else index[:-1]
    plane = 0
    for size, i in zip(expected.shape[:len(prefix)], prefix):
        plane = plane * size + i
    r0, c0 = _crop_start(row, exp.shape[1]), _crop_start(col, exp.shape[2])
    crop = (plane, slice(r0, r0 + CROP), slice(c0, c0 + CROP))
    data = {"index": list(index), "plane": list(prefix), "at": [row, col], "origin": [r0, c0], "expected": _plain(exp[crop]),
            "got": _plain(act[crop].to(exp.dtype)), "wrong": bad[crop].int().tolist(), "input": None, "positions": None}
    if window is not None and window.region is not None and window.source is not None and window.source.dim() == 4:
        data["input"], data["positions"] = _input(window, index, expected, actual)
    return data


def _input(window: Window, index: tuple[int, ...], expected: torch.Tensor,
           actual: torch.Tensor) -> tuple[Optional[dict], Optional[dict]]:
    """The crop of the input plane the first wrong element reads, and max-pool positions."""
    source = window.source.detach()
    n = index[0] if len(index) == 4 else 0
    channel = index[1] if window.pooled and len(index) == 4 else 0
    if n >= source.shape[0] or channel >= source.shape[1]:
        return None, None
    rows, cols = window.region(index)
    height, width = source.shape[-2:]
    r0 = _crop_start(min(max(rows[0], 0), height - 1), height)
    c0 = _crop_start(min(max(cols[0], 0), width - 1), width)
    values = source[n, channel, r0:r0 + CROP, c0:c0 + CROP]
    positions = None
    if window.pooled and not expected.is_floating_point():
        def where(flat: int) -> Optional[list[int]]:
            return list(divmod(flat, width)) if 0 <= flat < height * width else None
        positions = {"expected": where(int(expected[index])), "got": where(int(actual[index]))}
    return ({"plane": [n, channel], "origin": [r0, c0], "values": _plain(values.to(torch.float64)),
             "rows": rows, "cols": cols}, positions)


def _span(i: int, k: int, s: int, p: int, d: int) -> str:
    start = i * s - p
    stop = start + d * (k - 1)
    return f"{start}, {start + d}, ..., {stop}" if d > 1 and k > 2 else (f"{start}, {stop}" if d > 1 else f"{start}..{stop}")


def _unravel(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    """The index of element ``flat`` of a row-major tensor of ``shape``."""
    index = []
    for size in reversed(shape):
        flat, i = divmod(flat, size)
        index.append(i)
    return tuple(reversed(index))


def _types(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return (type(value), tuple(_types(v) for v in value))
    return type(value)
