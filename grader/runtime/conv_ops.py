"""Worker ops for the convolution exercises: student nn.Modules and autograd Functions.

Runs inside the worker (see ``grader/runtime/worker.py``): it may import only the standard
library, torch and the worker. Every op returns plain data; the grading side checks it.
"""
from __future__ import annotations

import types

import torch

from grader.runtime.worker import op, student_attr


def _build(namespace: types.ModuleType, cls: str, args: list) -> torch.nn.Module:
    module = student_attr(namespace, cls)(*args)
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"{cls}(...) is a {type(module).__name__}, not a torch.nn.Module")
    return module


@op("module_parameters")
def module_parameters(namespace: types.ModuleType, cls: str, args: list) -> dict:
    """``{parameter name: shape}`` of ``cls(*args)``, e.g. ``{"kernel.weight": (16, 27)}``."""
    return {name: tuple(p.shape) for name, p in _build(namespace, cls, args).named_parameters()}


@op("module_forward")
def module_forward(namespace: types.ModuleType, cls: str, args: list, state: dict, x: torch.Tensor) -> torch.Tensor:
    """``cls(*args)`` with parameters loaded from ``state`` (strict), applied to ``x``."""
    module = _build(namespace, cls, args)
    module.load_state_dict(state, strict=True)
    with torch.no_grad():
        return module(x)


@op("call_through")
def call_through(namespace: types.ModuleType, function: str, helper: str, scale: float, args: list,
                 kwargs: dict) -> object:
    """``function(*args, **kwargs)`` while the module's ``helper`` returns ``scale`` times its result.

    A result the function computes through ``helper`` (linearly, as ``dX`` through ``col2im``)
    comes back ``scale`` times larger; one computed another way comes back unchanged.
    """
    original, target = student_attr(namespace, helper), student_attr(namespace, function)

    def scaled(*inner_args, **inner_kwargs):
        return original(*inner_args, **inner_kwargs) * scale

    setattr(namespace, helper, scaled)
    try:
        return target(*args, **kwargs)
    finally:
        setattr(namespace, helper, original)


@op("function_forward_backward")
def function_forward_backward(
    namespace: types.ModuleType, cls: str, inputs: list, args: list, dout: torch.Tensor
) -> dict:
    """Apply the autograd Function ``cls`` to ``inputs`` (+ plain ``args``) and backprop ``dout``.

    Tensor inputs become leaves that require grad; a None input (no bias) stays None.

    Returns:
        ``{"output": tensor, "grads": [grad of each input, None where not a tensor]}``.
    """
    function = student_attr(namespace, cls)
    if not (isinstance(function, type) and issubclass(function, torch.autograd.Function)):
        raise TypeError(f"{cls} is not a torch.autograd.Function subclass")
    leaves = [t.clone().requires_grad_(True) if isinstance(t, torch.Tensor) else t for t in inputs]
    output = function.apply(*leaves, *args)
    if not isinstance(output, torch.Tensor):
        raise TypeError(f"{cls}.apply returned a {type(output).__name__}, not a tensor")
    if output.shape != dout.shape:
        return {"output": output.detach(), "grads": [None] * len(leaves)}  # the grading side reports the shape
    # A scalar backward: backward(dout) would import sympy (about 1 s) to compare shapes.
    (output * dout).sum().backward()
    grads = [leaf.grad if isinstance(leaf, torch.Tensor) else None for leaf in leaves]
    return {"output": output.detach(), "grads": grads}
