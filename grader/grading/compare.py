"""Compare what a student's code returned with the expected result, and explain.

Every check raises ``Mismatch`` (an ``AssertionError``: the test's status becomes
"failed") with a message that teaches: which stage broke ("maxpool2d_unfold:
indices"), the expected and actual shape or dtype, or the first wrong element's
index, the input window that element reads, the expected and actual values and how
many elements differ, plus the call that produced it (argument shapes and settings).
All checks use the grading process's own torch on values rebuilt by ``grader/runtime/wire.py``,
so nothing the student returned can take part in deciding.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import torch

from grader.course import messages
from grader.grading.session import StudentError
from grader.runtime.wire import Opaque

Window = Callable[[tuple[int, ...]], str]

# (rtol, atol) per dtype: float32 results are sums of a few hundred products of O(1) numbers.
TOLERANCES: dict[torch.dtype, tuple[float, float]] = {
    torch.float16: (1e-2, 1e-2),
    torch.float32: (1e-4, 1e-4),
    torch.float64: (1e-7, 1e-9),
}


class Mismatch(AssertionError):
    """The student's result is wrong; the message says how."""


# A description names at most this many items of a list, tuple or dict, this deep, and is
# at most DESCRIBE_CHARS long: a returned list of a million items costs a few lines.
DESCRIBE_ITEMS = 8
DESCRIBE_DEPTH = 4
DESCRIBE_CHARS = 400


def describe(value: Any) -> str:
    """A short description of an argument or result: tensors by dtype and shape, bounded in length."""
    text = _describe(value, 0)
    return text if len(text) <= DESCRIBE_CHARS else text[: DESCRIBE_CHARS - 1] + "…"


def _describe(value: Any, depth: int) -> str:
    if type(value) is torch.Tensor:
        return f"tensor{tuple(value.shape)} {str(value.dtype).replace('torch.', '')}"
    if isinstance(value, Opaque):
        return f"{value.type} object"
    if isinstance(value, (list, tuple, dict)):
        if depth >= DESCRIBE_DEPTH:
            return "[…]" if isinstance(value, list) else ("(…)" if isinstance(value, tuple) else "{…}")
        items = list(value.items())[:DESCRIBE_ITEMS] if isinstance(value, dict) else list(value[:DESCRIBE_ITEMS])
        if isinstance(value, dict):
            parts = [f"{_describe(k, depth + 1)}: {_describe(v, depth + 1)}" for k, v in items]
        else:
            parts = [_describe(v, depth + 1) for v in items]
        if len(value) > DESCRIBE_ITEMS:
            parts.append(f"… {len(value) - DESCRIBE_ITEMS} more")
        inner = ", ".join(parts)
        if isinstance(value, list):
            return f"[{inner}]"
        if isinstance(value, dict):
            return "{" + inner + "}"
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, str) and len(value) > DESCRIBE_CHARS:
        return repr(value[:DESCRIBE_CHARS]) + "…"
    return repr(value)


def describe_call(function: str, *args: Any, **kwargs: Any) -> str:
    """E.g. ``conv2d_loop(X=tensor(2, 3, 7, 6) float32, ..., stride=(2, 1))``."""
    parts = [describe(a) for a in args] + [f"{k}={describe(v)}" for k, v in kwargs.items()]
    return f"{function}({', '.join(parts)})"


def describe_module_call(cls: str, args: Sequence[Any], x: Any) -> str:
    """E.g. ``Conv2D(3, 4, 2, 3, 1)(tensor(2, 3, 7, 7) float32)``: build, then apply."""
    return f"{describe_call(cls, *args)}({describe(x)})"


def _number(x: float | int | bool) -> str:
    return f"{x:.6g}" if isinstance(x, float) else str(x)


class Checker:
    """The checks a hidden test makes, with messages in one language.

    ``explain(actual)``, when given, returns the misconceptions whose mistake produces the
    wrong result ``actual`` (grader/grading/misconceptions.py); a failure states them.
    """

    def __init__(self, lang: str, explain: Callable[[Any], list[str]] | None = None):
        self.lang = lang
        self.explain = explain

    def _fail(self, key: str, call: str, result: Any = None, **fields: Any) -> None:
        suffix = messages.text("call", self.lang, call=call) if call else ""
        if self.explain is not None and result is not None:
            suffix += "".join(messages.text("misconception", self.lang, sentence=s) for s in self.explain(result))
        raise Mismatch(messages.text(key, self.lang, **fields) + suffix)

    def stage(self, function: str, part: str) -> str:
        return messages.stage(function, part, self.lang)

    def tensor(self, actual: Any, expected: torch.Tensor, function: str, part: str, *, call: str = "",
               window: Window | None = None, exact: bool = False) -> None:
        """``actual`` must be a tensor of ``expected``'s shape and dtype with close values."""
        stage = self.stage(function, part)
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
            self._fail("value", call, actual, stage=stage, index=index, window=window(index) if window else "",
                       expected=_number(expected[index].item()), actual=_number(actual[index].item()),
                       count=int(wrong.sum()), total=wrong.numel())

    def value(self, actual: Any, expected: Any, function: str, part: str, *, call: str = "") -> None:
        """Exact equality of plain values (ints, tuples of ints, strings), types included."""
        if type(actual) is not type(expected) or actual != expected or _types(actual) != _types(expected):
            self._fail("scalar", call, actual, stage=self.stage(function, part), expected=describe(expected),
                       actual=describe(actual))

    def raises_value_error(self, run: Callable[[], Any], function: str, case: str, *, call: str = "") -> None:
        """``run()`` (a student call) must raise ValueError; anything else fails the test."""
        stage = self.stage(function, "output")
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
                self._fail("mutated", call, stage=self.stage(function, "inputs"), name=name)

    # ---------------------------------------------------------- input windows
    def conv_window(self, kernel: Sequence[int], stride: Sequence[int], padding: Sequence[int],
                    dilation: Sequence[int]) -> Window:
        """For an output index (n, c, i, j) of a 2-D conv/pool: the input rows and columns it reads."""

        def window(index: tuple[int, ...]) -> str:
            i, j = index[-2], index[-1]
            rows = _span(i, kernel[0], stride[0], padding[0], dilation[0])
            cols = _span(j, kernel[1], stride[1], padding[1], dilation[1])
            pad = messages.text("window_padding", self.lang) if any(padding) else ""
            return messages.text("window_conv", self.lang, rows=rows, cols=cols, padding=pad)

        return window

    def length_window(self, kernel: int, stride: int, padding: int) -> Window:
        """For an output index (n, c, i) of a 1-D conv/pool: the input positions it reads."""

        def window(index: tuple[int, ...]) -> str:
            return messages.text("window_length", self.lang, positions=_span(index[-1], kernel, stride, padding, 1))

        return window

    def column_window(self, kernel: Sequence[int], stride: Sequence[int], padding: Sequence[int],
                      dilation: Sequence[int], out_width: int) -> Window:
        """For an im2col index (n, row, l): the kernel element and the input pixel it copies."""

        def window(index: tuple[int, ...]) -> str:
            row, l = index[-2], index[-1]
            channel, rest = divmod(row, kernel[0] * kernel[1])
            ki, kj = divmod(rest, kernel[1])
            i, j = divmod(l, out_width)
            return messages.text("window_col", self.lang, channel=channel, ki=ki, kj=kj, window=(i, j),
                                 row=i * stride[0] - padding[0] + ki * dilation[0],
                                 col=j * stride[1] - padding[1] + kj * dilation[1])

        return window

    def pixel_window(self) -> Window:
        """For an image index (n, c, r, c) built by summing windows (col2im, input gradients)."""

        def window(index: tuple[int, ...]) -> str:
            return messages.text("window_pixel", self.lang, row=index[-2], col=index[-1])

        return window


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
