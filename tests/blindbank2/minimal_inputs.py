"""The smallest input that shows each variant the hidden suites miss (or miss under some ids).

    PYTHONPATH=assignments/cnn python tests/blindbank2/minimal_inputs.py

Each case runs the variant's edited module and the honest one on the same input and prints
both results (or the exception), so the difference is visible at a glance.
"""
from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from variants import HERE, VARIANTS, apply_variant  # noqa: E402

BY_ID = {v.id: v for v in VARIANTS}


def load(variant_id: str, honest: bool = False):
    """The variant's module (or its honest base), imported from source with the base folder on the path."""
    v = BY_ID[variant_id]
    base = HERE / f"honest_{v.base}"
    sys.path.insert(0, str(base))
    source = (base / f"{v.exercise}.py").read_text() if honest else apply_variant(v)
    spec = importlib.util.spec_from_loader(f"{v.exercise}_{variant_id}_{honest}", loader=None)
    module = importlib.util.module_from_spec(spec)
    exec(compile(source, f"{variant_id}.py", "exec"), module.__dict__)
    sys.path.remove(str(base))
    return module


def show(variant_id: str, text: str, run) -> None:
    results = []
    for honest in (True, False):
        try:
            results.append(repr(run(load(variant_id, honest))))
        except Exception as e:  # noqa: BLE001 - the point is to show what the variant raises
            results.append(f"{type(e).__name__}: {str(e)[:90]}")
    print(f"{variant_id}: {text}\n    honest: {results[0]}\n    variant: {results[1]}")


def inplace_pool(m):
    x = torch.tensor([[[1., 2.]]])
    m.MaxPool1D(2)(x)
    return x.tolist()


def cin_cout(m):
    torch.manual_seed(0)
    return m.conv2d_loop(torch.ones(1, 1, 1, 1), torch.ones(2, 1, 1, 1)).flatten().tolist()


def all_ties(m):
    g = m.tiny_backward(torch.zeros(1, 1, 4, 4), torch.ones(1, 1, 3, 3), torch.zeros(1), torch.ones(1, 1), torch.zeros(1))
    return g["bias"].tolist()


CASES = [
    ("os_kernel_zero_ok", "calculate_out((1, 1, 1), k_size=0)", lambda m: m.calculate_out((1, 1, 1), k_size=0)),
    ("os_extra_entries_ignored", "calculate_out((1, 1, 3, 3), k_size=(3, 3, 3))",
     lambda m: m.calculate_out((1, 1, 3, 3), k_size=(3, 3, 3))),
    ("os_minus_one_cancel", "calculate_out((1, 1, 3), k_size=1, stride=2)",
     lambda m: m.calculate_out((1, 1, 3), k_size=1, stride=2)),
    ("os_pad_axes_reversed", "calculate_out((1, 1, 1, 1), k_size=1, padding=(1, 0))",
     lambda m: m.calculate_out((1, 1, 1, 1), k_size=1, padding=(1, 0))),
    ("lc_maxpool1d_inplace", "x = [[[1., 2.]]]; MaxPool1D(2)(x); x afterwards", inplace_pool),
    ("lc_loop_cin_for_cout", "conv2d_loop(ones(1, 1, 1, 1), ones(2, 1, 1, 1)) (channel 1 is never written)", cin_cout),
    ("ic_span_dk", "im2col(ones(1, 1, 3, 1), (2, 1), dilation=(2, 1)).shape",
     lambda m: tuple(m.im2col(torch.ones(1, 1, 3, 1), (2, 1), dilation=(2, 1)).shape)),
    ("ic_row_stride_unpadded", "im2col(arange(2.).view(1, 1, 2, 1), 1, padding=(0, 1))",
     lambda m: m.im2col(torch.arange(2.).view(1, 1, 2, 1), 1, padding=(0, 1)).flatten().tolist()),
    ("mp_backward_float32", "maxpool2d_backward(ones(1, 1, 1, 1, float64), zeros(1, 1, 1, 1, long), (1, 1, 1, 1))",
     lambda m: m.maxpool2d_backward(torch.ones(1, 1, 1, 1, dtype=torch.float64),
                                    torch.zeros(1, 1, 1, 1, dtype=torch.long), (1, 1, 1, 1)).dtype),
    ("mp_view_needs_contiguous", "maxpool2d_unfold(arange(4.).view(1, 1, 2, 2).transpose(2, 3), 2)",
     lambda m: [t.tolist() for t in m.maxpool2d_unfold(torch.arange(4.).view(1, 1, 2, 2).transpose(2, 3), 2)]),
    ("bw_col2im_row_stride_unpadded", "col2im(ones(1, 1, 6), (2, 1), 1, padding=(0, 1))",
     lambda m: m.col2im(torch.ones(1, 1, 6), (2, 1), 1, padding=(0, 1)).flatten().tolist()),
    ("bw_col2im_window_index_hout", "col2im(arange(2.).view(1, 1, 2), (2, 1), 1)",
     lambda m: m.col2im(torch.arange(2.).view(1, 1, 2), (2, 1), 1).flatten().tolist()),
    ("bw_dout_view", "conv2d_backward(arange(4.).view(1, 1, 2, 2).transpose(2, 3), ones(1, 1, 2, 2), ones(1, 1, 1, 1))[2]",
     lambda m: m.conv2d_backward(torch.arange(4.).view(1, 1, 2, 2).transpose(2, 3), torch.ones(1, 1, 2, 2),
                                 torch.ones(1, 1, 1, 1))[2].tolist()),
    ("we_pool_grad_all_ties", "tiny_backward(zeros(1, 1, 4, 4), ones(1, 1, 3, 3), zeros(1), ones(1, 1), zeros(1))['bias']",
     all_ties),
]

if __name__ == "__main__":
    for variant_id, text, run in CASES:
        show(variant_id, text, run)
