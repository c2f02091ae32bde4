"""Stratified random configurations for the hidden suites, small enough for Python loops.

Same code, same grade: a test's cases are built from a fixed list of *strata*, one
case per stratum, each forcing the features a plausible bug needs in order to show
(a batch and several channels, C_in != C_out, a non-square kernel >= 2, a non-square input
and output, a stride >= 2 whose output ``h // stride`` and rounding up both get wrong,
padding reaching both sides, asymmetric dilation on a kernel dimension >= 2 whose span
``d*k`` would drop a window, pooling ties and overlapping
windows sharing an argmax). Only the sizes within a stratum and every value are drawn
from the test's ``rng`` (``random.Random``) and ``gen`` (``torch.Generator``), so they
change with the run seed and the student id and hard-coding fails, while every seed
exercises every feature. No case is degenerate: every output element depends on the
input (some kernel tap of every window falls inside it). ``tests/test_configs.py``
checks these invariants over many seeds; docs/grading.md explains the strata.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence, Union

import torch

from grader.grading.calls import describe_call
from grader.grading.session import StudentProblem

Setting = Union[int, tuple[int, int]]
Pair = tuple[int, int]

# The strata of a 2-D convolution test, in the order a 3-case test uses them.
CONV_STRATA: tuple[str, ...] = ("strided", "padded_dilated", "int_settings")
# The strata of a 2-D max-pool test.
POOL_STRATA: tuple[str, ...] = ("plain", "strided", "overlapping")
# Strata whose gradient a backward test hands in stored transposed in each plane, as
# autograd hands a backward the gradient of an output that a transpose follows: a .view
# that merges a plane's axes fails on it (torch's own backward functions do not). Only
# gradients: whether a forward function must take a transposed X or weight, the contract
# does not say.
TRANSPOSED_GRADIENT_STRATA: frozenset[str] = frozenset({"padded_dilated", "overlapping"})
# Strata drawn in float64 where a test does not choose the dtype (a buffer made float32
# whatever the input's dtype then shows: torch keeps a float64 input's dtype).
FLOAT64_STRATA: frozenset[str] = frozenset({"plain"})


def as_gradient(t: torch.Tensor, stratum: str) -> torch.Tensor:
    """``t`` as a backward test hands it in: stored transposed in each plane (same values,
    not contiguous) when ``stratum`` is one of ``TRANSPOSED_GRADIENT_STRATA``.

    >>> as_gradient(torch.zeros(2, 3, 4), "padded_dilated").stride(), as_gradient(torch.zeros(2, 3), "strided").stride()
    ((12, 1, 3), (3, 1))
    """
    return t.transpose(-1, -2).contiguous().transpose(-1, -2) if stratum in TRANSPOSED_GRADIENT_STRATA else t


def pair(value: Setting) -> Pair:
    """An int or a pair, as a pair."""
    return (value, value) if isinstance(value, int) else tuple(value)


def out_size(size: int, k: int, s: int, p: int, d: int) -> int:
    """The output size torch computes along one dimension (floor division)."""
    return (size + 2 * p - d * (k - 1) - 1) // s + 1


def every_window_sees_input(size: int, k: int, s: int, p: int, d: int) -> bool:
    """Whether every window along one dimension has a kernel tap inside the input
    (otherwise that output is the bias alone and all its gradients vanish).

    Each window's first tap at or past the input's start decides (drawing a class's cases
    asks this of thousands of sizes):

    >>> every_window_sees_input(5, 2, 1, 0, 1), every_window_sees_input(1, 2, 1, 2, 1)
    (True, False)
    """
    for o in range(out_size(size, k, s, p, d)):
        start = o * s - p
        first = max(0, -(start // d))  # ceil(-start / d) taps are still in the padding before
        if first >= k or start + d * first >= size:
            return False
    return True


def reaches_both_pads(size: int, k: int, s: int, p: int, d: int) -> bool:
    """Whether some window reads the padding before the input and some the padding after it."""
    last = (out_size(size, k, s, p, d) - 1) * s - p + d * (k - 1)
    return p > 0 and last >= size


def dilation_matters(size: int, k: int, s: int, p: int, d: int) -> bool:
    """Whether leaving the dilation out of the output size (span k instead of d*(k-1)+1)
    changes it; true where there is no dilation to leave out."""
    return d == 1 or out_size(size, k, s, p, d) != out_size(size, k, s, p, 1)


def swap_matters(size: int, k: int, s: int, p: int, d: int) -> bool:
    """Whether swapping stride and dilation (taps ``s`` apart, windows ``d`` apart) changes
    the output size; true where they are equal (then the values cannot tell either)."""
    return s == d or out_size(size, k, s, p, d) != out_size(size, k, d, p, s)


def floor_matters(size: int, k: int, s: int, p: int, d: int) -> bool:
    """Whether rounding up and ``size // s`` both give a different output size than floor."""
    numerator = size + 2 * p - d * (k - 1) - 1
    return s >= 2 and numerator % s != 0 and out_size(size, k, s, p, d) != size // s


def ends_flush(size: int, k: int, s: int, p: int, d: int) -> bool:
    """Whether the stride (>= 2) divides the room exactly: the last window ends flush with the
    padded input. The other side of floor from ``floor_matters``: folding the formula's
    ``- 1`` and ``+ 1`` into one division, ``(room + 1) // s``, is wrong only here."""
    return s >= 2 and (size + 2 * p - d * (k - 1) - 1) % s == 0


def span_matters(size: int, k: int, s: int, p: int, d: int) -> bool:
    """Whether a dilated kernel's true span d*(k-1)+1 and the tempting d*k give different outputs."""
    return (size + 2 * p - d * (k - 1) - 1) // s != (size + 2 * p - d * k) // s


class NoSize(ValueError):
    """No size meets a stratum's conditions for the drawn settings: draw them again."""


def redraw(build: Callable[[], Any], tries: int = 100) -> Any:
    """``build()`` again until no ``NoSize``: a stratum draws its settings, then sizes that
    fit them; some settings admit none (e.g. floor and ``h // s`` agree whenever k = s, p = 0).
    Deterministic for a seeded ``rng``."""
    for _ in range(tries - 1):
        try:
            return build()
        except NoSize:
            pass
    return build()


def pick_size(rng: random.Random, k: int, s: int, p: int, d: int, wanted: Callable[[int], bool],
              extra: int = 6) -> int:
    """A size in [span - 2p, span - 2p + extra + 2s] with at least two windows, each seeing
    the input, meeting ``wanted``, drawn among all that do (``NoSize`` if none)."""
    low = max(1, d * (k - 1) + 1 - 2 * p)
    choices = [n for n in range(low, low + extra + 2 * s + 1)
               if out_size(n, k, s, p, d) >= 2 and every_window_sees_input(n, k, s, p, d) and wanted(n)]
    if not choices:
        raise NoSize(f"configs: no size fits k={k} s={s} p={p} d={d}")
    return rng.choice(choices)


@dataclass
class ConvCase:
    """Inputs of one 2-D convolution: X batch x C_in x H x W, weight C_out x C_in x kH x kW."""

    X: torch.Tensor
    weight: torch.Tensor
    bias: Optional[torch.Tensor]
    stride: Setting
    padding: Setting
    dilation: Setting
    stratum: str = ""

    @property
    def kernel(self) -> Pair:
        return tuple(self.weight.shape[2:])

    def settings(self) -> dict[str, Setting]:
        """``stride``, ``padding`` and ``dilation`` as keyword arguments."""
        return {"stride": self.stride, "padding": self.padding, "dilation": self.dilation}

    def pairs(self) -> tuple[Pair, Pair, Pair]:
        return pair(self.stride), pair(self.padding), pair(self.dilation)


def in_out_channels(rng: random.Random, most_out: int) -> Pair:
    """(C_in, C_out): C_in 2 or 3, C_out from 2 to ``most_out``, never equal (a loop over
    the input channels where the output channels belong, or a reshape by the wrong one, shows)."""
    c_in = rng.randint(2, 3)
    return c_in, rng.choice([c for c in range(2, most_out + 1) if c != c_in])


def _kernel(rng: random.Random) -> Pair:
    """A non-square kernel, each side >= 2 (a swapped kH/kW loop then shows)."""
    kh, kw = rng.sample([2, 3, 4], 2) if rng.random() < 0.3 else rng.sample([2, 3], 2)
    return kh, kw


def _conv_settings(rng: random.Random, stratum: str, kernel: Pair) -> tuple[Setting, Setting, Setting, list[Callable]]:
    """(stride, padding, dilation, per-dimension size predicates) of one stratum."""
    if stratum == "strided":
        # Strides 2 and 3 (a stride or padding used on the wrong axis shows), stride 2 on the
        # longer kernel side so windows overlap, padding on one axis only, and an output
        # floor, ceil and h // stride disagree on.
        stride = (2, 3) if kernel[0] > kernel[1] else (3, 2)
        padding = tuple(rng.sample([0, 1], 2))
        return stride, padding, (1, 1), [floor_matters, floor_matters]
    if stratum == "padded_dilated":
        # Paddings 1 and 2, each reaching both sides, with an output h // stride gets wrong;
        # dilation 2 on one axis only, with a size whose output leaving the dilation out gets
        # wrong, and whose output the tempting span d*k (not d*(k-1)+1) gets wrong. Stride 2
        # on the undilated axis and 1 on the dilated one: stride and dilation differ on every
        # axis (swapping them moves the taps) and the output size swapping them gives is wrong
        # too. (Stride 3 on the dilated axis admits both size conditions only for k = 4: the
        # span needs the stride to divide the room, and then a kernel <= 3 without its
        # dilation gives the same output.)
        dilated = rng.randrange(2)
        dilation = tuple(2 if axis == dilated else 1 for axis in range(2))
        stride = tuple(1 if axis == dilated else 2 for axis in range(2))
        wanted = lambda n, k, s, p, d: (reaches_both_pads(n, k, s, p, d) and out_size(n, k, s, p, d) != n // s  # noqa: E731
                                        and dilation_matters(n, k, s, p, d) and swap_matters(n, k, s, p, d)
                                        and (d == 1 or span_matters(n, k, s, p, d)))
        return stride, tuple(rng.sample([1, 2], 2)), dilation, [wanted] * 2
    if stratum == "int_settings":
        # Settings as plain ints, as most students call: stride 3 that floor matters for, padding 1.
        # (Stride 2 with padding 1 admits no such size for k = 3 undilated or k = 2 dilated,
        # and a kernel always has one of them: about 1 draw in 20 fitted.)
        return 3, 1, 1, [floor_matters, floor_matters]
    raise ValueError(f"configs: unknown convolution stratum {stratum!r}")


def conv_case(rng: random.Random, gen: torch.Generator, stratum: str = "strided", *,
              dtype: torch.dtype = torch.float32, bias: Optional[bool] = True) -> ConvCase:
    """One convolution of ``stratum`` (see ``CONV_STRATA``): batch >= 2, several channels
    in and out (C_in != C_out), a non-square kernel >= 2, a non-square input and a
    non-square output; ``bias=None`` draws it."""
    def draw() -> tuple:
        kernel = _kernel(rng)
        stride, padding, dilation, wanted = _conv_settings(rng, stratum, kernel)
        sizes: list[int] = []
        outs: list[int] = []
        for axis, (k, s, p, d) in enumerate(zip(kernel, pair(stride), pair(padding), pair(dilation))):
            # A non-square input and a non-square output (an index built with the wrong side shows).
            sizes.append(pick_size(rng, k, s, p, d, lambda n, w=wanted[axis]: w(n, k, s, p, d)
                                   and (not sizes or (n != sizes[0] and out_size(n, k, s, p, d) != outs[0]))))
            outs.append(out_size(sizes[-1], k, s, p, d))
        return kernel, stride, padding, dilation, sizes

    kernel, stride, padding, dilation, sizes = redraw(draw)
    n, (c_in, c_out) = rng.randint(2, 3), in_out_channels(rng, 3)
    X = torch.randn(n, c_in, *sizes, generator=gen, dtype=dtype)
    weight = torch.randn(c_out, c_in, *kernel, generator=gen, dtype=dtype)
    has_bias = rng.random() < 0.7 if bias is None else bias
    b = torch.randn(c_out, generator=gen, dtype=dtype) if has_bias else None
    return ConvCase(X, weight, b, stride, padding, dilation, stratum)


def conv_cases(rng: random.Random, gen: torch.Generator, strata: Sequence[str] = CONV_STRATA,
               **kwargs: Any) -> list[ConvCase]:
    """One case per stratum, in order (``kwargs`` go to ``conv_case``). ``bias=None`` gives
    the first case a bias and the second none (a forgotten bias or a mishandled None shows)."""
    if kwargs.get("bias", True) is None:
        biases = [True, False] + [None] * len(strata)
        return [conv_case(rng, gen, stratum, **{**kwargs, "bias": b}) for stratum, b in zip(strata, biases)]
    return [conv_case(rng, gen, stratum, **kwargs) for stratum in strata]


@dataclass
class PoolCase:
    """Inputs of one 2-D max-pool: H batch x C x height x width."""

    H: torch.Tensor
    kernel_size: Setting
    stride: Optional[Setting]
    stratum: str = ""

    def pairs(self) -> tuple[Pair, Pair]:
        kernel = pair(self.kernel_size)
        return kernel, kernel if self.stride is None else pair(self.stride)


def _pool_settings(rng: random.Random, stratum: str) -> tuple[Setting, Optional[Setting]]:
    if stratum == "plain":  # a non-square kernel, stride=None (= the kernel)
        return _kernel(rng), None
    if stratum == "strided":  # a square kernel as an int, a non-square stride that differs from it
        k = rng.randint(2, 3)
        return k, rng.choice([(1, k + 1), (k + 1, 1), (k - 1, k + 1), (k + 1, k - 1)])
    if stratum == "overlapping":
        # stride < kernel on both axes, and a different stride per axis (a stride used on the
        # wrong axis then shows): the kernel is non-square, so its longer side allows stride 2+.
        kh, kw = _kernel(rng)
        return (kh, kw), rng.choice([(sh, sw) for sh in range(1, kh) for sw in range(1, kw) if sh != sw])
    raise ValueError(f"configs: unknown pooling stratum {stratum!r}")


def _pool_sizes(rng: random.Random, kernel: Pair, stride: Pair) -> list[int]:
    """Height and width, distinct (a flat index built with the wrong side then shows), with at
    least two windows per axis; on some axis a remainder the windows skip (rounding up would
    pool it); on every axis a size other than outputs x stride (a row pitch or plane size
    built from the output's side shows); and, when the stride differs from the kernel, some
    axis whose output ``size // stride`` gets wrong. ``NoSize`` when this draw has none: draw again."""
    sizes: list[int] = []
    for k, s in zip(kernel, stride):
        sizes.append(pick_size(rng, k, s, 0, 1, lambda n, k=k, s=s: not sizes or n != sizes[0]))
    dims = list(zip(sizes, kernel, stride))
    if not any((n - k) % s for n, k, s in dims):
        raise NoSize(f"configs: no remainder in pooling {dims}")
    if any(out_size(n, k, s, 0, 1) * s == n for n, k, s in dims):
        raise NoSize(f"configs: the windows' grid covers an axis exactly in pooling {dims}")
    if kernel != stride and all(out_size(n, k, s, 0, 1) == n // s for n, k, s in dims):
        raise NoSize(f"configs: size // stride is right in pooling {dims}")
    return sizes


def pool_case(rng: random.Random, gen: torch.Generator, stratum: str = "plain", *, ties: bool = False) -> PoolCase:
    """One max-pool of ``stratum`` (see ``POOL_STRATA``; float64 in ``FLOAT64_STRATA``):
    batch >= 2, several channels, a
    non-square input with at least two windows along each axis, a size the windows do not
    cover exactly on some axis, and (unless stride = kernel) an output ``size // stride``
    gets wrong on some axis.

    ``ties`` draws values from {0, 1, 2} and plants a tie for the maximum in the last
    window (its first and last elements). ``overlapping`` also plants, in every plane, a
    maximum shared by the first two windows of the first row, so a backward pass must add
    two gradients at one pixel.
    """
    def draw() -> tuple:
        kernel, stride = _pool_settings(rng, stratum)
        pairs = (pair(kernel), pair(kernel if stride is None else stride))
        return kernel, stride, pairs, _pool_sizes(rng, *pairs)

    kernel, stride, ((kh, kw), (sh, sw)), sizes = redraw(draw)
    shape = (rng.randint(2, 3), rng.randint(2, 3), *sizes)
    dtype = torch.float64 if stratum in FLOAT64_STRATA else torch.float32
    H = torch.randint(0, 3, shape, generator=gen).to(dtype) if ties else torch.randn(*shape, generator=gen, dtype=dtype)
    top = H.max() + 1
    if ties:
        row, col = (out_size(sizes[0], kh, sh, 0, 1) - 1) * sh, (out_size(sizes[1], kw, sw, 0, 1) - 1) * sw
        H[..., row, col] = top
        H[..., row + kh - 1, col + kw - 1] = top
    if stratum == "overlapping":
        # In windows (0, 0) and (0, 1) only (sw < kw), and not in the last row of windows.
        H[..., 0, sw] = top + 1
    return PoolCase(H, kernel, stride, stratum)


def pool_cases(rng: random.Random, gen: torch.Generator, strata: Sequence[str] = POOL_STRATA,
               **kwargs: Any) -> list[PoolCase]:
    """One case per stratum, in order (``kwargs`` go to ``pool_case``)."""
    return [pool_case(rng, gen, stratum, **kwargs) for stratum in strata]


def course_data(ref: Any) -> tuple[torch.Tensor, ...]:
    """The 6x6 example of the course notes: (X, weight, bias, fc_weight, fc_bias)."""
    return ref("worked_example").course_data()


def scaled_course_data(ref: Any, rng: random.Random) -> tuple[torch.Tensor, ...]:
    """The course's example with X and the bias multiplied by a seeded integer from 2 to 4,
    in float64.

    A course test checks it next to the published numbers, so returning those numbers
    scores nothing. Every conv output is multiplied by the same positive integer, so the
    example's ties (and the first-maximum rule that decides them) stay exactly as they are.
    The numbers are whole, so float64 changes none of them; a buffer or constant made in
    float32 whatever the input's dtype then shows (torch keeps the dtype).
    """
    X, weight, bias, fc_weight, fc_bias = course_data(ref)
    k = rng.randint(2, 4)
    return tuple(t.double() for t in (X * k, weight, bias * k, fc_weight, fc_bias))


def conv_reference(case: ConvCase) -> torch.Tensor:
    """``F.conv2d`` of the case: what every student convolution must return."""
    stride, padding, dilation = case.pairs()
    return torch.nn.functional.conv2d(case.X, case.weight, case.bias, stride, padding, dilation)


def check_unchanged_if_it_runs(student: Any, check: Any, module: str, function: str, args: Sequence[Any],
                               names: Sequence[str]) -> None:
    """``function``'s tensor arguments come back unchanged (student API: no function mutates its inputs).

    A call that fails (raises, is missing, is forbidden, times out) is charged by
    ``function``'s own tests and not again here, so a broken function costs its points once.
    """
    try:
        _, after, _ = student.call_and_inputs(module, function, *args)
    except StudentProblem:
        return
    check.unchanged(list(args), after[:len(args)], list(names), function, call=describe_call(function, *args))
