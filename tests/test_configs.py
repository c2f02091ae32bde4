"""The suites' random configurations are stratified: every targeted feature, every seed.

Same code, same grade (issue 9): for 200 seeds, each stratum of grader/suites/configs.py
must hold its invariants, every case must be non-degenerate (each output element depends
on the input), and the cases a test draws together must cover every feature it targets.
"""
from __future__ import annotations

import itertools
import random

import pytest
import torch
import torch.nn.functional as F

from grader.suites import configs
from grader.suites.configs import (CONV_STRATA, POOL_STRATA, ends_flush, floor_matters, out_size, pair, reaches_both_pads,
                                   span_matters)

SEEDS = range(200)


def draw(seed: int):
    return random.Random(seed), torch.Generator().manual_seed(seed)


def depends_on_input(case: configs.ConvCase) -> bool:
    """Every output element has a kernel tap on the input (not all on padding)."""
    stride, padding, dilation = case.pairs()
    taps = F.conv2d(torch.ones_like(case.X[:1, :1]), torch.ones(1, 1, *case.kernel), None, stride, padding, dilation)
    return bool((taps > 0).all())


def conv_features(case: configs.ConvCase) -> set[str]:
    (sh, sw), (ph, pw), (dh, dw) = case.pairs()
    (kh, kw), (h, w) = case.kernel, tuple(case.X.shape[2:])
    dims = list(zip((h, w), (kh, kw), (sh, sw), (ph, pw), (dh, dw)))
    found = set()
    if case.X.shape[0] >= 2:
        found.add("batch")
    if case.X.shape[1] >= 2 and case.weight.shape[0] >= 2:
        found.add("channels")
    if case.X.shape[1] != case.weight.shape[0]:
        found.add("C_in != C_out")
    if min(kh, kw) >= 2 and kh != kw:
        found.add("non-square kernel")
    if h != w:
        found.add("non-square input")
    if out_size(*dims[0]) != out_size(*dims[1]):
        found.add("non-square output")
    if min(ph, pw) >= 1:
        found.add("padding on both axes")
    if any(floor_matters(*dim) for dim in dims):
        found.add("stride where floor, ceil and h // s differ")
    if all(floor_matters(*dim) for dim in dims):
        found.add("floor matters on both axes")
    if any(reaches_both_pads(*dim) for dim in dims):
        found.add("padding reaching both sides")
    if dh != dw and (kw >= 2 if dw > 1 else kh >= 2):
        found.add("asymmetric dilation")
    if all(out_size(*dim) >= 2 for dim in dims):
        found.add("several windows per axis")
    if sh != sw:
        found.add("a different stride per axis")
    if ph != pw:
        found.add("a different padding per axis")
    if any(k > s for _, k, s, _, _ in dims):
        found.add("overlapping windows")
    if all(out_size(*dim) != dim[0] // dim[2] for dim in dims):
        found.add("h // s wrong on both axes")
    # (size, k, s, p, d): the dilated axis's output without its dilation, and with s and d swapped
    if any(d > 1 for *_, d in dims) and all(out_size(n, k, s, p, d) != out_size(n, k, s, p, 1)
                                            for n, k, s, p, d in dims if d > 1):
        found.add("leaving out the dilation changes the output size")
    if any(d > 1 for *_, d in dims) and all(span_matters(*dim) for dim in dims if dim[4] > 1):
        found.add("a span d*k instead of d*(k-1)+1 changes the dilated axis's output")
    if all(s != d for _, _, s, _, d in dims):
        found.add("stride and dilation differ on every axis")
    if all(out_size(n, k, s, p, d) != out_size(n, k, d, p, s) for n, k, s, p, d in dims):
        found.add("swapping stride and dilation changes the output size on every axis")
    return found


STRATUM_FEATURES = {
    "strided": {"stride where floor, ceil and h // s differ", "floor matters on both axes",
                "a different stride per axis", "a different padding per axis", "overlapping windows"},
    "padded_dilated": {"padding reaching both sides", "asymmetric dilation", "a different padding per axis",
                       "a different stride per axis", "h // s wrong on both axes",
                       "leaving out the dilation changes the output size", "stride and dilation differ on every axis",
                       "a span d*k instead of d*(k-1)+1 changes the dilated axis's output", "padding on both axes",
                       "swapping stride and dilation changes the output size on every axis"},
    "int_settings": {"stride where floor, ceil and h // s differ"},
}
EVERY_CONV = {"batch", "channels", "C_in != C_out", "non-square kernel", "non-square input", "non-square output",
              "several windows per axis"}


@pytest.mark.parametrize("stratum", CONV_STRATA)
def test_each_conv_stratum_has_its_features_for_every_seed(stratum):
    for seed in SEEDS:
        rng, gen = draw(seed)
        case = configs.conv_case(rng, gen, stratum, bias=None)
        missing = (EVERY_CONV | STRATUM_FEATURES[stratum]) - conv_features(case)
        assert not missing, f"seed {seed}, stratum {stratum}: missing {missing} in {case.pairs()}, {case.X.shape}"
        assert depends_on_input(case), f"seed {seed}, stratum {stratum}: an output depends only on padding"
        if stratum == "int_settings":
            assert all(isinstance(v, int) for v in case.settings().values())


def test_conv_strata_together_cover_every_feature_and_change_with_the_seed():
    first = None
    for seed in SEEDS:
        rng, gen = draw(seed)
        cases = configs.conv_cases(rng, gen)
        covered = set().union(*map(conv_features, cases))
        assert covered >= EVERY_CONV | set().union(*STRATUM_FEATURES.values()), seed
        if first is None:
            first = cases[0].X
        else:
            assert not torch.equal(first, cases[0].X) or first.shape != cases[0].X.shape
    rng, gen = draw(7)
    again = configs.conv_cases(*draw(7))
    assert all(torch.equal(a.X, b.X) and a.pairs() == b.pairs() for a, b in zip(configs.conv_cases(rng, gen), again))


def shared_argmax(case: configs.PoolCase) -> bool:
    kernel, stride = case.pairs()
    _, indices = F.max_pool2d(case.H, kernel, stride, return_indices=True)
    plane = indices[0, 0].flatten()
    return plane.unique().numel() < plane.numel()


def has_tie(case: configs.PoolCase) -> bool:
    kernel, stride = case.pairs()
    windows = F.unfold(case.H.flatten(0, 1).unsqueeze(1), kernel, stride=stride)  # NC x kH*kW x L
    maxima = windows.max(1, keepdim=True).values
    return bool(((windows == maxima).sum(1) >= 2).any())


@pytest.mark.parametrize("stratum", POOL_STRATA)
@pytest.mark.parametrize("ties", (False, True))
def test_each_pool_stratum_has_its_features_for_every_seed(stratum, ties):
    for seed in SEEDS:
        case = configs.pool_case(*draw(seed), stratum, ties=ties)
        (kh, kw), (sh, sw) = case.pairs()
        h, w = case.H.shape[2:]
        where = f"seed {seed}, {stratum}, ties={ties}: kernel {case.kernel_size}, stride {case.stride}, {tuple(case.H.shape)}"
        assert case.H.shape[0] >= 2 and case.H.shape[1] >= 2, where
        assert out_size(h, kh, sh, 0, 1) >= 2 and out_size(w, kw, sw, 0, 1) >= 2, where
        assert h != w, where  # a flat index row * height + col shows
        dims = ((h, kh, sh), (w, kw, sw))
        assert any((n - k) % s for n, k, s in dims), where  # a remainder that rounding up would pool
        assert all(out_size(n, k, s, 0, 1) * s != n for n, k, s in dims), where  # a pitch W_out * sW shows
        if (kh, kw) != (sh, sw):  # an output size // stride gets wrong
            assert any(out_size(n, k, s, 0, 1) != n // s for n, k, s in dims), where
        if stratum == "plain":
            assert kh != kw and case.stride is None, where
        if stratum == "strided":
            assert isinstance(case.kernel_size, int) and pair(case.stride) != (kh, kw), where
            assert pair(case.stride)[0] != pair(case.stride)[1], where
        if stratum == "overlapping":
            assert sh < kh and sw < kw and kh != kw and sh != sw and shared_argmax(case), where
        if ties:
            assert has_tie(case), where


def test_channel_counts_differ_for_every_seed():
    for seed in SEEDS:
        for most_out in (3, 4):
            c_in, c_out = configs.in_out_channels(random.Random(seed), most_out)
            assert c_in != c_out and 2 <= min(c_in, c_out) and max(c_in, c_out) <= most_out, (seed, c_in, c_out)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnknownMarkWarning")
def test_output_size_settings_make_floor_matter_on_every_axis():
    from grader.suites.test_output_size import padding_matters, random_setting

    for seed in SEEDS:
        rng = random.Random(seed)
        for n, padded, flush in itertools.product((1, 2, 3), (False, True), (False, True)):
            shape, k, s, d, p = random_setting(rng, n, padded, flush)
            dims = list(zip(shape[2:], k, s, p, d))
            # floor matters on every axis; with flush, one axis ends flush instead (s >= 2
            # divides the room: (room + 1) // s, the formula's -1 and +1 folded, is wrong there)
            flush_axes = [dim for dim in dims if ends_flush(*dim)]
            assert len(flush_axes) == int(flush), (seed, shape, k, s, d, p, flush)
            assert all(floor_matters(*dim) for dim in dims if not ends_flush(*dim)), (seed, shape, k, s, d, p)
            assert all((n_ + 2 * p_ - d_ * (k_ - 1) - 1 + 1) // s_ != out_size(n_, k_, s_, p_, d_)
                       for n_, k_, s_, p_, d_ in flush_axes), (seed, shape)
            # the dilated axis tells d*(k-1)+1 from d*k (size, k, s, p, d order as floor_matters)
            assert all(span_matters(*dim) for dim in dims if dim[4] > 1), (seed, shape, k, s, d, p)
            if n > 1:
                assert len(set(k)) == n and len(set(shape[2:])) == n and sorted(d) == [1] * (n - 1) + [3]
                # the first axis's size on any other axis gives another output ("square input")
                assert all(out_size(shape[2], *dim[1:]) != out_size(*dim) for dim in dims[1:]), (seed, shape)
            if padded:
                # padding one side only changes the output somewhere (p = 1 cannot: see padding_matters)
                assert min(p) >= 1 and any(dim[3] >= 2 and padding_matters(*dim) for dim in dims), (seed, shape, p)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnknownMarkWarning")
def test_output_size_settings_tell_each_axis_from_the_others():
    """A stride, dilation or padding taken from another axis (the first one, or the tuple read
    in reverse) changes an output; strides and paddings differ on every axis."""
    from grader.suites.test_output_size import random_setting

    for seed in SEEDS:
        rng = random.Random(seed)
        for n, padded, flush in itertools.product((2, 3), (False, True), (False, True)):
            shape, k, s, d, p = random_setting(rng, n, padded, flush)
            assert len(set(s)) == n and len(set(p)) == n, (seed, s, p)
            for axis, size in enumerate(shape[2:]):
                true = out_size(size, k[axis], s[axis], p[axis], d[axis])
                for other in range(n):
                    if s[other] != s[axis]:
                        assert out_size(size, k[axis], s[other], p[axis], d[axis]) != true, (seed, shape, s)
                    if d[other] != d[axis]:
                        assert out_size(size, k[axis], s[axis], p[axis], d[other]) != true, (seed, shape, d)
                    if p[other] != p[axis]:
                        assert out_size(size, k[axis], s[axis], p[other], d[axis]) != true, (seed, shape, p)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnknownMarkWarning")
def test_output_size_positional_call_tells_the_contract_order_from_torchs():
    from grader.suites.test_output_size import positional_setting

    for seed in SEEDS:
        shape, k, s, d, p = positional_setting(random.Random(seed))
        dims = list(zip(shape[2:], k, s, p, d))
        assert d != p, (seed, d, p)
        # (size, k, s, p, d) with padding and dilation traded: torch's positional order
        assert any(out_size(n, k_, s_, d_, p_) != out_size(n, k_, s_, p_, d_) for n, k_, s_, p_, d_ in dims), seed


@pytest.mark.filterwarnings("ignore::pytest.PytestUnknownMarkWarning")
def test_output_size_bad_arguments_are_refused_by_their_own_check_only():
    from grader.suites.test_output_size import bad_argument_cases

    for seed in SEEDS:
        (_, _, h, w), exact, cases = bad_argument_cases(random.Random(seed))
        bad = {case.key: kwargs for case, kwargs in cases.items()}
        # exact fit: the kernel spans the padded height, output 1 (valid)
        (kh, _), (sh, _), ph = exact["k_size"], exact["stride"], exact["padding"]
        assert kh == h + 2 * ph and sh >= 2 and out_size(h, kh, sh, ph, 1) == 1, seed
        # one tap longer: floor gives 0, int() truncation 1
        too_large = bad["case_kernel_too_large"]
        kh, (sh, _), ph = too_large["k_size"][0], too_large["stride"], too_large["padding"]
        assert kh == h + 2 * ph + 1 and out_size(h, kh, sh, ph, 1) == 0 and int((h + 2 * ph - kh) / sh) + 1 == 1
        # the negative padding alone is wrong: its output sizes would be >= 1
        negative = bad["case_negative_padding"]
        k, p = pair(negative["k_size"]), pair(negative["padding"])
        assert min(p) < 0 and all(out_size(n, k_, 1, p_, 1) >= 1 for n, k_, p_ in zip((h, w), k, p)), seed
        # a kernel size of 0 alone is wrong: its output sizes would be >= 1
        zero = pair(bad["case_k_size_zero"]["k_size"])
        assert min(zero) == 0 and all(out_size(n, k_, 1, 0, 1) >= 1 for n, k_ in zip((h, w), zero)), seed


@pytest.mark.filterwarnings("ignore::pytest.PytestUnknownMarkWarning")
def test_conv1d_cases_have_a_window_ending_flush_at_stride_two_or_more():
    from grader.suites.configs import every_window_sees_input
    from grader.suites.test_loop_conv import conv1d_setting

    for seed in SEEDS:
        rng = random.Random(seed)
        k, s, p, n = conv1d_setting(rng, "strided")
        assert p == 0 and floor_matters(n, k, s, p, 1), seed
        k, s, p, n = conv1d_setting(rng, "flush")
        # the last window ends exactly at the end of the padded input (range(k, L + 2p, s) misses it)
        assert s >= 2 and p >= 1 and (n + 2 * p - k) % s == 0 and reaches_both_pads(n, k, s, p, 1), seed
        assert out_size(n, k, s, p, 1) >= 2 and every_window_sees_input(n, k, s, p, 1), seed


@pytest.mark.filterwarnings("ignore::pytest.PytestUnknownMarkWarning")
def test_worked_example_inputs_have_a_batch_several_outputs_and_a_dropped_row_or_column():
    from grader.suites.test_worked_example import random_inputs

    for seed in SEEDS:
        for stratum in (0, 1):
            X, weight, _, fc_weight, fc_bias = random_inputs(*draw(seed), stratum)
            conv = X.shape[2] - 2, X.shape[3] - 2
            assert X.shape[0] >= 2 and weight.shape[0] >= 2 and X.shape[2] != X.shape[3]
            assert fc_weight.shape[1] >= 2 and fc_bias.shape == (fc_weight.shape[1],), (seed, stratum)
            assert conv[stratum] % 2 == 1, (seed, stratum, X.shape)
            assert conv[0] // 2 != conv[1] // 2, (seed, stratum, X.shape)  # a non-square pooled output
            # integer data: some 2x2 pooling window of the conv output has a tied maximum in every
            # sample and channel (a gradient routed to every tied maximum shows)
            X, weight, bias, _, _ = random_inputs(*draw(seed), stratum, integers=True)
            conv = F.conv2d(X, weight, bias)
            windows = F.unfold(conv.flatten(0, 1).unsqueeze(1), 2, stride=2)  # N*C_out x 4 x L
            tied = (windows == windows.max(1, keepdim=True).values).sum(1) >= 2  # N*C_out x L
            assert tied.any(1).all(), (seed, stratum)


def test_every_conv_stratum_draws_a_case_for_every_seed():
    """A stratum with no fitting size for a seed would make the grader fail that student."""
    for stratum in CONV_STRATA:
        for seed in range(2000):
            configs.conv_case(random.Random(seed), torch.Generator().manual_seed(seed), stratum)


def test_drawn_biases_include_one_and_none_for_every_seed():
    for seed in SEEDS:
        rng, gen = draw(seed)
        cases = configs.conv_cases(rng, gen, bias=None)
        assert cases[0].bias is not None and cases[1].bias is None, seed


def test_every_window_sees_input_is_its_definition():
    """The closed form agrees with the definition (some tap of each window inside the
    input) on every small setting, so every drawn case stays what it was."""
    from grader.suites.configs import every_window_sees_input, out_size

    for size, k, s, p, d in itertools.product(range(1, 13), range(1, 6), range(1, 4), range(0, 4), range(1, 4)):
        windows = range(max(out_size(size, k, s, p, d), 0))
        defined = all(any(0 <= o * s - p + d * t < size for t in range(k)) for o in windows)
        assert every_window_sees_input(size, k, s, p, d) == defined, (size, k, s, p, d)
