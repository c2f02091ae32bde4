"""Describe a call to student code as a failure message shows it: tensors by shape, dtype
and (when not row-major) layout, other values by repr, everything bounded in length.

>>> import torch
>>> describe_call("conv2d_loop", torch.zeros(2, 3, 7, 6), stride=(2, 1))
'conv2d_loop(tensor(2, 3, 7, 6) float32, stride=(2, 1))'
"""
from __future__ import annotations

from typing import Any, Sequence

import torch

from grader.runtime.wire import Opaque

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
        layout = "" if value.is_contiguous() else " non-contiguous"
        return f"tensor{tuple(value.shape)} {str(value.dtype).replace('torch.', '')}{layout}"
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
