"""Which torch routines each exercise forbids (the student API's "may not call").

``RULES`` maps (exercise module, function) to the routines that function may not use.
Each routine is known by its dotted names in source code (read by the static check,
grader/grading/forbidden.py) and by the aten operators it reaches at run time (the
worker's tripwire, grader/runtime/worker.py).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Routine:
    """A forbidden routine: its name for students and how to recognise it."""

    name: str
    qualnames: tuple[str, ...]  # dotted names (and prefixes of them) in source code
    aten: tuple[str, ...] = ()  # aten operator names reached at run time
    autograd: bool = False  # also trip on .backward() / torch.autograd.grad


_CONV_NAMES = ("conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")


CONVOLUTION = Routine(
    "F.conv2d (any torch convolution routine)",
    tuple(f"torch.nn.functional.{n}" for n in _CONV_NAMES)
    + tuple(f"torch.{n}" for n in _CONV_NAMES)
    + ("torch.convolution", "torch._convolution", "torch.nn.Conv1d", "torch.nn.Conv2d", "torch.nn.Conv3d",
       "torch.nn.ConvTranspose1d", "torch.nn.ConvTranspose2d", "torch.nn.ConvTranspose3d",
       "torch.nn.LazyConv2d", "torch.nn.modules.conv", "torch.ops.aten.convolution", "torch.ops.aten.conv2d",
       "torch.ops.aten._convolution", "torch._C._nn.thnn_conv2d", "torch._C._nn.slow_conv3d",
       "torch.mkldnn_convolution", "torch.cudnn_convolution", "torch.nn.grad"),
    ("convolution", "_convolution", "conv2d", "conv1d", "conv3d", "conv_transpose1d", "conv_transpose2d",
     "conv_transpose3d", "thnn_conv2d", "_slow_conv2d_forward", "slow_conv3d", "mkldnn_convolution",
     "cudnn_convolution", "_conv_depthwise2d", "convolution_overrideable", "_nnpack_spatial_convolution"),
)


UNFOLD = Routine(
    "F.unfold",
    ("torch.nn.functional.unfold", "torch.nn.Unfold", "torch.nn.modules.fold.Unfold", "torch._C._nn.im2col",
     "torch.ops.aten.im2col"),
    ("im2col",),
)


FOLD = Routine(
    "F.fold",
    ("torch.nn.functional.fold", "torch.nn.Fold", "torch.nn.modules.fold.Fold", "torch._C._nn.col2im",
     "torch.ops.aten.col2im"),
    ("col2im",),
)


MAX_POOL = Routine(
    "F.max_pool2d",
    ("torch.nn.functional.max_pool2d", "torch.nn.functional.max_pool2d_with_indices",
     "torch.nn.functional.adaptive_max_pool2d", "torch.nn.functional.adaptive_max_pool2d_with_indices",
     "torch.nn.functional.fractional_max_pool2d", "torch.max_pool2d", "torch.nn.MaxPool2d",
     "torch.nn.AdaptiveMaxPool2d", "torch.nn.modules.pooling", "torch._C._nn.max_pool2d_with_indices",
     "torch._C._nn.adaptive_max_pool2d", "torch.ops.aten.max_pool2d", "torch.ops.aten.max_pool2d_with_indices"),
    ("max_pool2d", "max_pool2d_with_indices", "adaptive_max_pool2d", "mkldnn_max_pool2d",
     "fractional_max_pool2d", "quantized_max_pool2d"),
)


AUTOGRAD = Routine(
    "autograd (.backward() / torch.autograd.grad)",
    ("torch.autograd.grad", "torch.autograd.backward", "torch.autograd.functional", "torch.func"),
    (),
    autograd=True,
)


# (exercise module, function) -> the routines that function may not use (student API).
RULES: dict[tuple[str, str], tuple[Routine, ...]] = {
    ("loop_conv", "conv2d_loop"): (CONVOLUTION, UNFOLD),
    ("im2col_conv", "im2col"): (UNFOLD,),
    ("im2col_conv", "conv2d_unfold"): (CONVOLUTION,),
    ("maxpool", "maxpool2d_unfold"): (MAX_POOL,),
    ("backward", "col2im"): (FOLD,),
    ("backward", "conv2d_backward"): (AUTOGRAD,),
    ("worked_example", "tiny_backward"): (AUTOGRAD,),
}


def rules_for(module: str, function: str) -> tuple[Routine, ...]:
    """The routines ``module.function`` may not use (empty when it has no rule)."""
    return RULES.get((module, function), ())


def guard(routines: tuple[Routine, ...]) -> list[dict]:
    """The tripwire description the worker installs while the function runs."""
    return [{"name": r.name, "aten": list(r.aten), "autograd": r.autograd} for r in routines]

