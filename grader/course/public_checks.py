"""The public checks: small, visible tests students may run before submitting.

One source for three places: each notebook's autograded test cell shows the checks of
its exercise as source (``grader.authoring.notebooks`` inlines them), the last cell of each
notebook runs them through :func:`report`, and ``convkit check`` does the same on a
student's folder. This file is shipped next to the notebooks as ``convkit_checks.py``
(with the hints and the report's words appended, both generated from the reference solutions
and the catalog grader/course/messages.py), so it imports nothing from the kit and holds no
text of its own in any language.

A check is a function without arguments that uses the student's names as globals
(``calculate_out``, ``maxpool2d_unfold``...) and raises ``AssertionError`` with a
message when the student's result is wrong. To run it against a namespace (a module's
``__dict__`` or a notebook's ``globals()``), its source is executed in that namespace,
after :func:`prelude`: the imports and ``SAY``, the check's messages in the student's
language (the catalog's ``public_*`` entries, named ``SAY["public_..."]`` in a check).

The hidden checks (seeded random comparisons) are not here: they live only in the
nbgrader source notebooks and in the grader's suites.
"""
from __future__ import annotations

import inspect
import json
import re
import textwrap
import traceback
from typing import Callable

import torch
import torch.nn.functional as F

# Import lines a check's source needs when it is executed somewhere else.
PRELUDE = "import torch\nimport torch.nn.functional as F\n"
_SAID = re.compile(r'SAY\["(\w+)"\]')


def course_example():
    """The course's 6x6 image (1 x 1 x 6 x 6), its two 3x3 filters (2 x 1 x 3 x 3) and bias [1, 1]."""
    X = torch.tensor([[[[7., 6., 8., 5., 1., 3.], [8., 6., 5., 3., 5., 5.], [9., 1., 1., 5., 3., 5.],
                        [4., 5., 5., 9., 2., 6.], [9., 5., 3., 1., 2., 2.], [4., 4., 8., 8., 9., 8.]]]])
    weight = torch.tensor([[[[1., 1., 0.], [-1., 1., -1.], [0., -1., -1.]]],
                           [[[1., 1., 0.], [-1., 1., -1.], [-1., 0., -1.]]]])
    return X, weight, torch.tensor([1., 1.])


def check_output_size_course():
    X, weight, bias = course_example()
    assert calculate_out(X, k_size=(3, 3)) == (4, 4), SAY["public_course_size"]
    assert calculate_out((1, 2, 4, 4), k_size=(2, 2), stride=2) == (2, 2), SAY["public_pool_size"]


def check_output_size_torch():
    """The stride 2 does not divide the height's span (12 + 2 - 4 - 1 = 9): the last partial window is dropped."""
    X = torch.zeros(2, 3, 12, 9)
    expected = tuple(F.conv2d(X, torch.zeros(1, 3, 3, 2), stride=(2, 1), padding=1, dilation=2).shape[2:])
    got = calculate_out(X, k_size=(3, 2), stride=(2, 1), dilation=2, padding=1)
    assert tuple(got) == expected, SAY["public_torch_size"].format(expected=expected, got=got)


def check_output_size_errors():
    """A kernel that does not fit raises ValueError. In the second case the span at stride 2 is -1,
    and -1 // 2 + 1 = 0 (int(-1 / 2) + 1 would give 1)."""
    for size, kernel, stride in ((2, 3, 1), (4, 5, 2)):
        try:
            got = calculate_out(torch.zeros(1, 1, size, size), k_size=(kernel, kernel), stride=stride)
        except ValueError:
            continue
        raise AssertionError(SAY["public_kernel_too_big"].format(kernel=kernel, size=size, stride=stride, got=got))


def assert_course_maps(convolve):
    """``convolve(X, weight, bias)`` on the course's example gives its two 4x4 maps (1 x 2 x 4 x 4)."""
    X, weight, bias = course_example()
    got, expected = convolve(X, weight, bias), F.conv2d(X, weight, bias)
    assert torch.allclose(got, expected), SAY["public_course_maps"].format(expected=expected, got=got)


def assert_layer_matches(Layer, x_shape, functional):
    """``Layer(2, 3, stride=2, kernel_size=3, padding=1)`` on a random ``x_shape`` input (batch x 2 x ...)
    equals torch's ``functional`` with the layer's own weights."""
    layer = Layer(2, 3, stride=2, kernel_size=3, padding=1)
    x = torch.randn(*x_shape)
    weight = layer.kernel.weight.view(3, 2, *[3] * (len(x_shape) - 2))
    expected = functional(x, weight, layer.kernel.bias, stride=2, padding=1)
    got = layer(x)
    name, torch_name = Layer.__name__, f"F.{functional.__name__}"
    assert got.shape == expected.shape, SAY["public_shape"].format(layer=name, expected=tuple(expected.shape),
                                                                   got=tuple(got.shape))
    assert torch.allclose(got, expected, atol=1e-5), SAY["public_layer_differs"].format(layer=name, torch=torch_name)


def check_conv2d_loop_course():
    assert_course_maps(conv2d_loop)


def check_conv2d_loop_torch():
    """Stride, padding and dilation differ per dimension, on purpose."""
    torch.manual_seed(0)
    X, weight = torch.randn(2, 2, 7, 8), torch.randn(3, 2, 2, 3)
    settings = dict(stride=(2, 1), padding=(1, 0), dilation=(1, 2))
    expected = F.conv2d(X, weight, None, **settings)
    got = conv2d_loop(X, weight, None, **settings)
    assert got.shape == expected.shape, SAY["public_loop_shape"].format(settings=settings, expected=tuple(expected.shape),
                                                                        got=tuple(got.shape))
    assert torch.allclose(got, expected, atol=1e-5), SAY["public_loop_differs"].format(settings=settings)


def check_conv1d_module():
    torch.manual_seed(0)
    assert_layer_matches(Conv1D, (2, 2, 9), F.conv1d)


def check_conv2d_module():
    torch.manual_seed(0)
    assert_layer_matches(Conv2D, (2, 2, 7, 6), F.conv2d)


def check_maxpool1d_module():
    got = MaxPool1D(2)(torch.tensor([[[1., 3., 2., 0., 5.]]]))
    assert torch.equal(got, torch.tensor([[[3., 2.]]])), SAY["public_maxpool1d"].format(got=got)


def check_im2col_course():
    X, weight, bias = course_example()
    got = im2col(X, kernel_size=3)
    expected = F.unfold(X, kernel_size=3)
    assert got.shape == expected.shape, SAY["public_im2col_shape"].format(
        expected=tuple(expected.shape), got=tuple(got.shape))
    assert torch.equal(got, expected), SAY["public_im2col_order"]


def check_im2col_strided():
    torch.manual_seed(0)
    X = torch.randn(2, 3, 7, 8)
    got = im2col(X, kernel_size=(2, 3), stride=2, padding=(2, 1), dilation=(1, 2))
    expected = F.unfold(X, kernel_size=(2, 3), stride=2, padding=(2, 1), dilation=(1, 2))
    assert got.shape == expected.shape and torch.allclose(got, expected), SAY["public_im2col_strided"]


def check_conv2d_unfold_course():
    assert_course_maps(conv2d_unfold)


def check_maxpool_course():
    X, weight, bias = course_example()
    values, indices = maxpool2d_unfold(F.conv2d(X, weight, bias), 2)
    expected_values, expected_indices = F.max_pool2d(F.conv2d(X, weight, bias), 2, return_indices=True)
    assert torch.equal(values, expected_values), SAY["public_pooled_values"].format(
        expected=expected_values, got=values)
    assert torch.equal(indices, expected_indices), SAY["public_pool_indices"].format(expected=expected_indices,
                                                                                     got=indices)


def check_maxpool_ties():
    """Overlapping 2x3 windows (stride 1 down, 2 across; the last column is left over) on a plane full of ties."""
    H = torch.tensor([[[[1., 3., 2., 0., 2., 2.], [3., 1., 0., 3., 2., 1.], [2., 3., 1., 3., 0., 2.]]]])
    values, indices = maxpool2d_unfold(H, kernel_size=(2, 3), stride=(1, 2))
    expected_values, expected_indices = F.max_pool2d(H, (2, 3), (1, 2), return_indices=True)
    assert values.shape == expected_values.shape and torch.equal(values, expected_values), \
        SAY["public_pooled_values"].format(expected=expected_values, got=values)
    assert torch.equal(indices, expected_indices), SAY["public_pool_ties"].format(expected=expected_indices,
                                                                                  got=indices)


def check_maxpool_backward():
    """A 3x3 pool with stride 1 on a 4x4 input: windows overlap, and two share their argmax (pixel 5)."""
    dout = torch.tensor([[[[1., 2.], [3., 4.]]]])
    indices = torch.tensor([[[[5, 6], [5, 10]]]])
    got = maxpool2d_backward(dout, indices, (1, 1, 4, 4))
    expected = torch.zeros(16)
    expected[[5, 6, 10]] = torch.tensor([1. + 3., 2., 4.])
    assert torch.equal(got, expected.view(1, 1, 4, 4)), SAY["public_pool_backward"].format(
        expected=expected.view(4, 4), got=got)


def check_col2im_ones():
    got = col2im(torch.ones(1, 4, 4), output_size=(3, 3), kernel_size=2)
    expected = torch.tensor([[[[1., 2., 1.], [2., 4., 2.], [1., 2., 1.]]]])
    assert torch.equal(got, expected), SAY["public_col2im_overlap"].format(expected=expected, got=got)


def check_conv2d_backward_autograd():
    torch.manual_seed(0)
    X = torch.randn(2, 2, 5, 5, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(3, 2, 3, 3, dtype=torch.float64, requires_grad=True)
    bias = torch.randn(3, dtype=torch.float64, requires_grad=True)
    out = F.conv2d(X, weight, bias, stride=2, padding=1, dilation=(1, 2))
    dout = torch.randn_like(out)
    out.backward(dout)
    dX, dW, db = conv2d_backward(dout, X.detach(), weight.detach(), stride=2, padding=1, dilation=(1, 2))
    for name, got, expected in (("dX", dX, X.grad), ("dW", dW, weight.grad), ("db", db, bias.grad)):
        assert torch.allclose(got, expected), SAY["public_autograd"].format(name=name)


def check_tiny_forward_course():
    X, weight, bias = course_example()
    got = tiny_forward(X, weight, bias, torch.ones(8, 1), torch.tensor([1.]))
    assert torch.equal(got, torch.tensor([[18.]])), SAY["public_tiny_forward"].format(got=got)


def check_tiny_backward_course():
    """The course's gradients; fc_weight's are the 8 pooled features the fc layer reads."""
    X, weight, bias = course_example()
    grads = tiny_backward(X, weight, bias, torch.ones(8, 1), torch.tensor([1.]))
    assert torch.equal(grads["bias"], torch.tensor([4., 4.])), SAY["public_tiny_bias"].format(got=grads["bias"])
    expected = torch.tensor([[25., 17., 13., 22., 23., 17., 22., 12., 9.], [20., 23., 18., 21., 20., 11., 9., 15., 18.]])
    assert torch.equal(grads["weight"].reshape(2, 9), expected), SAY["public_tiny_weight"].format(
        expected=expected, got=grads["weight"].reshape(2, -1))
    pooled = F.max_pool2d(F.conv2d(X, weight, bias), 2).flatten(1)
    assert grads["fc_weight"].shape == (8, 1) and torch.equal(grads["fc_weight"], pooled.t()), \
        SAY["public_tiny_fc_weight"].format(expected=pooled.t(), got=grads["fc_weight"])
    assert torch.equal(grads["fc_bias"], torch.tensor([1.])), SAY["public_tiny_fc_bias"].format(got=grads["fc_bias"])


def check_cnn_budget():
    for build, count in ((build_cnn, 21578), (build_cnn2d, 21578), (build_cnn1d, 33370)):
        model = build()
        got = sum(p.numel() for p in model.parameters())
        assert got == count, SAY["public_cnn_parameters"].format(builder=build.__name__, expected=count, got=got)
        out = model(torch.zeros(2, 1, 28, 28))
        assert tuple(out.shape) == (2, 10), SAY["public_cnn_logits"].format(builder=build.__name__,
                                                                                            got=tuple(out.shape))


# exercise -> [(check, the student function it exercises)]; the function names the hint.
CHECKS: dict[str, list[tuple[Callable[[], None], str]]] = {
    "output_size": [(check_output_size_course, "calculate_out"), (check_output_size_torch, "calculate_out"),
                    (check_output_size_errors, "calculate_out")],
    "loop_conv": [(check_conv2d_loop_course, "conv2d_loop"), (check_conv2d_loop_torch, "conv2d_loop"),
                  (check_conv1d_module, "Conv1D.forward"),
                  (check_conv2d_module, "Conv2D.forward"), (check_maxpool1d_module, "MaxPool1D.forward")],
    "im2col_conv": [(check_im2col_course, "im2col"), (check_im2col_strided, "im2col"),
                    (check_conv2d_unfold_course, "conv2d_unfold")],
    "maxpool": [(check_maxpool_course, "maxpool2d_unfold"), (check_maxpool_ties, "maxpool2d_unfold"),
                (check_maxpool_backward, "maxpool2d_backward")],
    "backward": [(check_col2im_ones, "col2im"), (check_conv2d_backward_autograd, "conv2d_backward")],
    "worked_example": [(check_tiny_forward_course, "tiny_forward"), (check_tiny_backward_course, "tiny_backward")],
    "mnist": [(check_cnn_budget, "build_cnn")],
}

# Filled in the shipped copy (convkit_checks.py): {lang: {function: hint}} and
# {lang: {"passed", "failed", "hint", "summary": text}} (the catalog's CHECK_WORDS; hint and summary
# are templates).
HINTS: dict[str, dict[str, str]] = {}
WORDS: dict[str, dict[str, str]] = {}
# and {lang: {catalog key: message template}}, the checks' messages (SAY).
SAYINGS: dict[str, dict[str, str]] = {}


# Functions the checks share; a check's source is shown with the ones it calls, so it runs alone.
HELPERS: tuple[Callable, ...] = (course_example, assert_course_maps, assert_layer_matches)


def check_source(exercise: str) -> str:
    """The source of ``exercise``'s checks, after the helpers they call (and the helpers those call)."""
    sources = [textwrap.dedent(inspect.getsource(check)) for check, _ in CHECKS[exercise]]
    helpers: list[str] = []
    for helper in reversed(HELPERS):  # a helper may call an earlier one, so later ones are looked at first
        if any(f"{helper.__name__}(" in source for source in sources + helpers):
            helpers.insert(0, textwrap.dedent(inspect.getsource(helper)))
    return "\n\n".join(helpers + sources)


def said_keys(source: str) -> list[str]:
    """The catalog keys ``source`` names as ``SAY["key"]``, sorted, once each."""
    return sorted(set(_SAID.findall(source)))


def prelude(exercise: str, lang: str, sayings: dict[str, dict[str, str]] | None = None) -> str:
    """What ``exercise``'s checks need before their source: the imports and ``SAY``, their
    messages in ``lang`` (from ``sayings``, by default the ones generated into the shipped copy)."""
    table = (SAYINGS if sayings is None else sayings)[lang]
    said = {key: table[key] for key in said_keys(check_source(exercise))}
    return f"{PRELUDE}SAY = {json.dumps(said, ensure_ascii=False, indent=4)}\n"


def run_checks(exercise: str, namespace: dict, lang: str = "en",
               sayings: dict[str, dict[str, str]] | None = None) -> list[tuple[str, str, str | None]]:
    """Run ``exercise``'s checks with ``namespace`` as their globals, their messages in ``lang``.

    Returns:
        one ``(check name, student function, error message or None)`` per check.
    """
    scope = dict(namespace)
    exec(prelude(exercise, lang, sayings) + check_source(exercise), scope)
    results = []
    for check, target in CHECKS[exercise]:
        try:
            scope[check.__name__]()
            results.append((check.__name__, target, None))
        except NotImplementedError as error:  # a stub: its message names the function and its hint
            results.append((check.__name__, target, f"{type(error).__name__}: {error}"))
        except Exception as error:  # the student's code may raise anything: report it, go on
            message = str(error) if isinstance(error, AssertionError) else (
                f"{type(error).__name__}: {error}\n" + "".join(traceback.format_tb(error.__traceback__)[-1:]))
            results.append((check.__name__, target, message.strip()))
    return results


def report(exercise: str, namespace: dict, lang: str = "en", hints: dict[str, dict[str, str]] | None = None,
           words: dict[str, dict[str, str]] | None = None, sayings: dict[str, dict[str, str]] | None = None) -> bool:
    """Print what passes and, for what fails, the message and the function's hint; True when all pass.

    ``hints``, ``words`` and ``sayings`` default to the ones generated into the shipped copy.
    """
    words, hints = (WORDS if words is None else words)[lang], (HINTS if hints is None else hints).get(lang, {})
    results = run_checks(exercise, namespace, lang, sayings)
    for name, target, message in results:
        if message is None:
            print(f"  [ok] {name}: {words['passed']}")
            continue
        print(f"  [!!] {name}: {words['failed']} ({target})")
        print(textwrap.indent(message, "       "))
        if target in hints and hints[target] not in message:
            print(f"       {words['hint'].format(hint=hints[target])}")
    passed = sum(message is None for _, _, message in results)
    print(words["summary"].format(passed=passed, total=len(results)))
    return passed == len(results)
