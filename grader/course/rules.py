"""Which torch routines each exercise forbids (the student API's "may not call").

``RULES`` maps (exercise module, function) to a ``Rule``:

- the routines the function may not use, known by their dotted names in source code
  (read by the static check, grader/grading/forbidden.py) and by the aten operators
  they reach (used to NAME a trip in the student's feedback);
- the aten operators the function MAY reach at run time (``allowed``): the worker's
  guard (grader/runtime/guard.py) trips on every other operator, so a private alias
  of a forbidden routine (a 3-D pooling on depth 1, an internal slow convolution)
  trips although no list of forbidden names mentions it;
- whether it may use autograd.

The allowlists were derived by running the reference solutions and honest variants
(plain loops, einsum, as_strided, index gathering: tests/guard_variants/) under a
recording dispatch mode (tests/test_guard_allowlist.py keeps them in step), then
widened to the elementary operators honest code reaches: elementwise arithmetic and
comparisons, views, reductions, matrix products, indexing, cat/stack/pad, creation.
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Routine:
    """A forbidden routine: its name for students and how to recognise it."""

    name: str
    qualnames: tuple[str, ...]  # dotted names (and prefixes of them) in source code
    aten: tuple[str, ...] = ()  # aten operators it reaches: names a trip (the allowlists decide)
    autograd: bool = False  # the routine is autograd itself (static check: .backward())


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
     "cudnn_convolution", "_conv_depthwise2d", "convolution_overrideable", "_nnpack_spatial_convolution",
     # what F.conv2d's and F.conv_transpose2d's kernels call for a dilated or transposed one
     "slow_conv_dilated2d", "slow_conv_dilated3d", "slow_conv_transpose2d", "slow_conv_transpose3d"),
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
     "fractional_max_pool2d", "quantized_max_pool2d", "max_pool1d", "max_pool1d_with_indices", "max_pool3d",
     "max_pool3d_with_indices", "adaptive_max_pool1d", "adaptive_max_pool3d", "fractional_max_pool3d",
     "max_unpool2d", "max_unpool3d"),
)


AUTOGRAD = Routine(
    "autograd (.backward() / torch.autograd.grad)",
    ("torch.autograd.grad", "torch.autograd.backward", "torch.autograd.functional", "torch.func"),
    (),
    autograd=True,
)



# Another library doing the work runs no aten operator, so no allowlist sees it: named in the
# source it is found here; run at run time, the guard's trace hook catches its Python code
# (grader/runtime/guard.py, LIBRARIES). numpy's array basics stay allowed.
OTHER_LIBRARIES = Routine(
    "another library's routine (scipy, scikit-learn, pandas, numpy.fft, numpy.convolve...)",
    ("scipy", "sklearn", "skimage", "cv2", "pandas", "mlxtend", "torchvision", "numpy.fft", "numpy.convolve",
     "numpy.correlate", "numpy.core", "numpy._core"),
)


# Elementary operators honest code reaches (aten names, overloads left out). Everything
# else trips in a ruled function: convolutions, im2col/col2im, pooling, every *_backward
# (autograd's own derivative formulas), FFTs, and operators added to torch later.
_ELEMENTWISE = (
    "abs", "abs_", "add", "add_", "sub", "sub_", "rsub", "mul", "mul_", "div", "div_", "neg", "neg_",
    "pow", "pow_", "sqrt", "rsqrt", "exp", "exp_", "log", "log_", "log1p", "expm1", "sigmoid", "tanh",
    "relu", "relu_", "clamp", "clamp_", "clamp_min", "clamp_max", "clip", "floor", "ceil", "round", "trunc",
    "frac", "sign", "reciprocal", "remainder", "fmod", "floor_divide", "maximum", "minimum", "fmax", "fmin",
    "where", "masked_fill", "masked_fill_", "addcmul", "addcdiv", "lerp", "square", "erf", "sin", "cos",
    "fill", "fill_", "zero_", "copy", "copy_", "eq", "ne", "lt", "le", "gt", "ge", "logical_and",
    "logical_or", "logical_not", "logical_xor", "bitwise_and", "bitwise_or", "bitwise_not", "bitwise_xor",
    "isnan", "isinf", "isfinite", "isclose", "allclose", "equal", "nan_to_num", "sgn",
)
_CONVERSIONS = (
    "_to_copy", "to", "clone", "detach", "detach_", "alias", "lift_fresh", "lift_fresh_copy",
    "_local_scalar_dense", "item", "contiguous", "type_as", "is_nonzero", "is_same_size", "result_type",
    "promote_types", "can_cast",
    "_assert_async", "_unsafe_view", "resize_", "set_", "_copy_from", "_copy_from_and_resize",
)
_VIEWS = (
    "view", "view_as", "reshape", "_reshape_alias", "as_strided", "expand", "expand_as", "permute",
    "transpose", "transpose_", "t", "t_", "unsqueeze", "unsqueeze_", "squeeze", "squeeze_", "flatten",
    "unflatten", "unfold", "slice", "select", "narrow", "split", "split_with_sizes", "unsafe_split", "chunk",
    "unbind", "movedim", "moveaxis", "flip", "roll", "repeat", "tile", "repeat_interleave", "diagonal",
    "diag", "diag_embed", "tril", "triu", "swapaxes", "swapdims", "broadcast_to", "broadcast_tensors",
    "meshgrid", "view_as_real", "ravel",
)
_REDUCTIONS = (
    "sum", "mean", "prod", "max", "min", "amax", "amin", "aminmax", "argmax", "argmin", "cumsum", "cumprod",
    "cummax", "cummin", "sort", "argsort", "topk", "kthvalue", "std", "var", "std_mean", "var_mean", "norm",
    "linalg_vector_norm", "frobenius_norm", "logsumexp", "_softmax", "_log_softmax", "softmax", "log_softmax",
    "count_nonzero", "nonzero", "all", "any", "median", "unique", "_unique2", "bincount",
)
_PRODUCTS = (
    "mm", "bmm", "matmul", "addmm", "baddbmm", "addbmm", "addmv", "mv", "dot", "vdot", "einsum", "tensordot",
    "outer", "ger", "linear", "kron",
)
_INDEXING = (
    "index", "index_put", "index_put_", "_index_put_impl_", "index_select", "index_add", "index_add_",
    "index_copy", "index_copy_", "index_fill", "index_fill_", "gather", "scatter", "scatter_", "scatter_add",
    "scatter_add_", "scatter_reduce", "scatter_reduce_", "masked_select", "masked_scatter", "masked_scatter_",
    "take", "take_along_dim", "select_scatter", "slice_scatter", "as_strided_scatter", "diagonal_scatter",
    "put_", "index_reduce", "index_reduce_",
)
_JOINS = ("cat", "concat", "concatenate", "stack", "hstack", "vstack", "dstack", "pad", "constant_pad_nd")
_CREATION = (
    "arange", "zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like",
    "empty_strided", "new_zeros", "new_ones", "new_empty", "new_full", "new_empty_strided", "eye", "linspace",
    "scalar_tensor", "tensor", "rand", "randn", "randint", "rand_like", "randn_like", "normal_", "uniform_",
    "bernoulli", "bernoulli_", "randperm", "one_hot",
)
ELEMENTARY: frozenset[str] = frozenset(_ELEMENTWISE + _CONVERSIONS + _VIEWS + _REDUCTIONS + _PRODUCTS + _INDEXING
                                       + _JOINS + _CREATION)


@dataclass(frozen=True)
class Rule:
    """What one ruled function may not use (``routines``, ``autograd``) and may reach (``allowed``)."""

    routines: tuple[Routine, ...]
    allowed: frozenset[str] = ELEMENTARY
    autograd: bool = True  # False: no autograd engine run inside the function (no backward, no grad)


_WITH_UNFOLD = ELEMENTARY | {"im2col"}
# A hand-written backward may use forward routines (a convolution of dout, F.fold) but
# never autograd, nor autograd's own derivative formulas (convolution_backward...).
_FORWARD_ROUTINES = _WITH_UNFOLD | {"col2im"} | {
    name for name in CONVOLUTION.aten if "backward" not in name} | set(MAX_POOL.aten)


# (exercise module, function) -> its rule (student API: "may not call ...").
RULES: dict[tuple[str, str], Rule] = {
    ("loop_conv", "conv2d_loop"): Rule((CONVOLUTION, UNFOLD, OTHER_LIBRARIES)),
    ("im2col_conv", "im2col"): Rule((UNFOLD, OTHER_LIBRARIES)),
    ("im2col_conv", "conv2d_unfold"): Rule((CONVOLUTION, OTHER_LIBRARIES), _WITH_UNFOLD),
    ("maxpool", "maxpool2d_unfold"): Rule((MAX_POOL, OTHER_LIBRARIES), _WITH_UNFOLD),
    ("backward", "col2im"): Rule((FOLD, OTHER_LIBRARIES), _WITH_UNFOLD),
    ("backward", "conv2d_backward"): Rule((AUTOGRAD, OTHER_LIBRARIES), _FORWARD_ROUTINES, autograd=False),
    # Applied to the op that runs forward and backward (autograd runs the student's backward,
    # which builds on conv2d_backward): never torch's own convolution gradients
    # (torch.nn.grad, convolution_backward); F.conv2d named in its source is flagged, but
    # runs at run time, since the forward builds on conv2d_unfold, whose stand-in is F.conv2d.
    ("backward", "Conv2dFunction"): Rule((CONVOLUTION, OTHER_LIBRARIES), _FORWARD_ROUTINES),
    # Built on the student's own conv2d_unfold and maxpool2d_unfold (student API): torch's
    # convolution or pooling named in its source is flagged; at run time they run, since
    # the stand-ins of those two are F.conv2d and F.max_pool2d.
    ("worked_example", "tiny_forward"): Rule((CONVOLUTION, MAX_POOL, OTHER_LIBRARIES), _FORWARD_ROUTINES),
    ("worked_example", "tiny_backward"): Rule((AUTOGRAD, OTHER_LIBRARIES), _FORWARD_ROUTINES, autograd=False),
}
ROUTINES: tuple[Routine, ...] = (CONVOLUTION, UNFOLD, FOLD, MAX_POOL, AUTOGRAD, OTHER_LIBRARIES)


def rules_for(module: str, function: str) -> Rule | None:
    """The rule of ``module.function`` (None when it has none)."""
    return RULES.get((module, function))


def guard(rule: Rule | None) -> dict | None:
    """What the worker's guard enforces while the function runs (None: unguarded).

    The allowlist (about 270 aten names) goes as one space-separated string: it travels
    with every ruled call, and one string costs the wire one value instead of hundreds.

    >>> guard(Rule(allowed=frozenset({"mul", "add"}), routines=(), autograd=False))
    {'allowed': 'add mul', 'autograd': False}
    """
    if rule is None:
        return None
    return {"allowed": " ".join(sorted(rule.allowed)), "autograd": rule.autograd}


def routine_of(operator: str) -> Routine | None:
    """The forbidden routine an aten operator belongs to, to name a trip (None: just an operator)."""
    return next((r for r in ROUTINES if operator in r.aten), None)
