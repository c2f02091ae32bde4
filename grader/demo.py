"""``convkit demo``: show that every reference exercise agrees with torch."""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn as nn
import torch.nn.functional as F

from grader.reference import load


def _max_error(a: torch.Tensor, b: torch.Tensor) -> float:
    return (a.double() - b.double()).abs().max().item()


def _checks() -> list[tuple[str, Callable[[], str]]]:
    out, loop, im2col, pool, back, tiny, mnist = (
        load(m) for m in ("output_size", "loop_conv", "im2col_conv", "maxpool", "backward", "worked_example", "mnist")
    )
    g = torch.Generator().manual_seed(0)
    X = torch.randn(2, 3, 9, 7, generator=g)
    w = torch.randn(4, 3, 3, 2, generator=g)
    b = torch.randn(4, generator=g)
    conf = dict(stride=(2, 1), padding=(1, 2), dilation=(1, 2))
    ref = F.conv2d(X, w, b, **conf)
    cols = F.unfold(X, (3, 2), conf["dilation"], conf["padding"], conf["stride"])
    values, indices = F.max_pool2d(X, 3, 2, return_indices=True)
    counts = [sum(p.numel() for p in f().parameters()) for f in (mnist.build_cnn, mnist.build_cnn2d, mnist.build_cnn1d)]
    return [
        ("output_size", lambda: f"calculate_out {out.calculate_out(X, (3, 2), **conf)} == F.conv2d {tuple(ref.shape[2:])}"),
        ("loop_conv", lambda: f"conv2d_loop max |error| vs F.conv2d = {_max_error(loop.conv2d_loop(X, w, b, **conf), ref):.1e}"),
        ("im2col_conv", lambda: f"conv2d_unfold max |error| vs F.conv2d = {_max_error(im2col.conv2d_unfold(X, w, b, **conf), ref):.1e}"),
        ("maxpool", lambda: "maxpool2d_unfold indices equal F.max_pool2d: "
            f"{torch.equal(pool.maxpool2d_unfold(X, 3, 2)[1], indices)}, values: {torch.equal(pool.maxpool2d_unfold(X, 3, 2)[0], values)}"),
        ("backward", lambda: "col2im max |error| vs F.fold = "
            f"{_max_error(back.col2im(cols, (9, 7), (3, 2), **conf), F.fold(cols, (9, 7), (3, 2), conf['dilation'], conf['padding'], conf['stride'])):.1e}"),
        ("worked_example", lambda: f"6x6 example forward = {tiny.tiny_forward(*tiny.course_data()).item():g} (course: 18)"),
        ("mnist", lambda: f"parameters cnn/cnn2d/cnn1d = {counts} (course: 21578/21578/33370)"),
    ]


def run(args=None) -> int:
    """Print one line per exercise: the reference's agreement with torch."""
    torch.set_num_threads(1)
    for name, check in _checks():
        print(f"{name:15s} {check()}")
    return 0


def add_parser(subparsers) -> None:
    """Register ``convkit demo``."""
    parser = subparsers.add_parser("demo", help="show the reference solutions agreeing with torch")
    parser.set_defaults(run=run)
