# Generated from grader/course/public_checks.py by `convkit notebooks`; do not edit.
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

HINTS = {
 "en": {
  "Conv1D.forward": "pad x, then for every window start i (step self.stride) apply self.kernel to x[:, :, i:i+k].reshape(N, -1) and torch.stack the results on dim 2",
  "Conv2D.forward": "get (H_out, W_out) from calculate_out, pad x, apply self.kernel to every flattened window, stack on dim 2 and reshape to (N, out, H_out, W_out)",
  "Conv2dFunction.backward": "call conv2d_backward with the saved tensors; return None for bias when there was none and for the three int arguments",
  "Conv2dFunction.forward": "save X and weight with ctx.save_for_backward, keep stride/padding/dilation on ctx, and return conv2d_unfold(X, weight, bias, ...)",
  "MaxPool1D.forward": "for each block x[:, :, i:i+p] take torch.max(..., dim=2).values and stack them on dim 2; a trailing partial block is dropped",
  "build_cnn": "nn.Sequential of nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), ... , nn.Flatten(), nn.Linear(32 * 7 * 7, 10)",
  "build_cnn1d": "start with a layer that reshapes x to (N, 1, 784), then three Conv1D(kernel_size=3, stride=2, padding=1) with ReLU (1->8->16->32), Flatten and Linear(32 * 98, 10)",
  "build_cnn2d": "Conv2D(1, 8, stride=2, kernel_size=3, padding=1), ReLU, Conv2D(8, 16, stride=2, ...), ReLU, Conv2D(16, 32, stride=1, ...), ReLU, Flatten, Linear(1568, 10)",
  "calculate_out": "for each spatial dim use floor division: (in + 2p - d*(k-1) - 1) // s + 1, and raise ValueError for bad arguments",
  "col2im": "view cols as (N, C, kH, kW, H_out, W_out); for each kernel element (i, j) add its (H_out, W_out) block into a zero padded image at rows i*d + s*[0..H_out) and cols j*d + s*[0..W_out); finally crop the padding",
  "conv2d_backward": "X_col = im2col(X, ...), dH = dout.reshape(N, C_out, L); dW = (dH @ X_col^T) summed over the batch, db = dout summed over (0, 2, 3), dX = col2im(W_row^T @ dH, ...)",
  "conv2d_loop": "pad X with F.pad, then for n, co, i, j take the dilated window X[n, :, i*s : i*s + d*(k-1)+1 : d, ...] and compute (patch * weight[co]).sum() + bias[co]",
  "conv2d_unfold": "X_col = im2col(X, ...), W_row = weight.reshape(C_out, -1); multiply (torch.bmm with W_row.expand(N, -1, -1)), add bias.view(1, -1, 1), reshape to (N, C_out, H_out, W_out)",
  "evaluate": "model.eval() and torch.no_grad(); count logits.argmax(1) == labels over all batches",
  "im2col": "pad X, take windows with Tensor.unfold on dims 2 and 3 (size d*(k-1)+1, step s), keep every d-th element, then permute to (N, C, kH, kW, H_out, W_out) and reshape",
  "maxpool2d_backward": "start from zeros of shape (N*C, H*W) and scatter_add_ each dout value at its index along dim 1, then reshape to input_shape",
  "maxpool2d_unfold": "F.unfold(H, kernel, stride=stride) -> reshape (N, C, kH*kW, L) -> .max(dim=2); turn the in-window argmax (r, c) of window (i, j) into (i*sH + r) * W + (j*sW + c)",
  "tiny_backward": "redo the forward keeping H, M and the pool indices; d(sum)/d(out) is ones, so dfc_weight = f^T @ ones, dfc_bias = N; dM = ones @ fc_weight^T, then maxpool2d_backward and conv2d_backward",
  "tiny_forward": "H = conv2d_unfold(X, weight, bias); M, _ = maxpool2d_unfold(H, 2); return M.flatten(1) @ fc_weight + fc_bias",
  "train_epoch": "model.train(); for each batch: optimizer.zero_grad(), loss = criterion(model(images), labels), loss.backward(), optimizer.step(); return the mean of loss.item()"
 },
 "es": {
  "Conv1D.forward": "rellena x y, para cada inicio de ventana i (paso self.stride), aplica self.kernel a x[:, :, i:i+k].reshape(N, -1) y apila los resultados con torch.stack en dim 2",
  "Conv2D.forward": "obtén (H_out, W_out) con calculate_out, rellena x, aplica self.kernel a cada ventana aplanada, apila en dim 2 y cambia la forma a (N, out, H_out, W_out)",
  "Conv2dFunction.backward": "llama a conv2d_backward con los tensores guardados; devuelve None para bias si no había y para los tres argumentos enteros",
  "Conv2dFunction.forward": "guarda X y weight con ctx.save_for_backward, deja stride/padding/dilation en ctx y devuelve conv2d_unfold(X, weight, bias, ...)",
  "MaxPool1D.forward": "para cada bloque x[:, :, i:i+p] toma torch.max(..., dim=2).values y apílalos en dim 2; el bloque final incompleto se descarta",
  "build_cnn": "nn.Sequential con nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), ... , nn.Flatten(), nn.Linear(32 * 7 * 7, 10)",
  "build_cnn1d": "empieza con una capa que cambie x a (N, 1, 784), luego tres Conv1D(kernel_size=3, stride=2, padding=1) con ReLU (1->8->16->32), Flatten y Linear(32 * 98, 10)",
  "build_cnn2d": "Conv2D(1, 8, stride=2, kernel_size=3, padding=1), ReLU, Conv2D(8, 16, stride=2, ...), ReLU, Conv2D(16, 32, stride=1, ...), ReLU, Flatten, Linear(1568, 10)",
  "calculate_out": "para cada dimensión espacial usa división entera: (in + 2p - d*(k-1) - 1) // s + 1, y lanza ValueError ante argumentos inválidos",
  "col2im": "ve cols como (N, C, kH, kW, H_out, W_out); para cada elemento del kernel (i, j) suma su bloque (H_out, W_out) en una imagen rellena con ceros, filas i*d + s*[0..H_out) y columnas j*d + s*[0..W_out); al final recorta el relleno",
  "conv2d_backward": "X_col = im2col(X, ...), dH = dout.reshape(N, C_out, L); dW = (dH @ X_col^T) sumado sobre el batch, db = dout sumado sobre (0, 2, 3), dX = col2im(W_row^T @ dH, ...)",
  "conv2d_loop": "rellena X con F.pad y, para n, co, i, j, toma la ventana dilatada X[n, :, i*s : i*s + d*(k-1)+1 : d, ...] y calcula (patch * weight[co]).sum() + bias[co]",
  "conv2d_unfold": "X_col = im2col(X, ...), W_row = weight.reshape(C_out, -1); multiplica (torch.bmm con W_row.expand(N, -1, -1)), suma bias.view(1, -1, 1) y cambia la forma a (N, C_out, H_out, W_out)",
  "evaluate": "model.eval() y torch.no_grad(); cuenta logits.argmax(1) == labels en todos los batches",
  "im2col": "rellena X, toma las ventanas con Tensor.unfold en las dims 2 y 3 (tamaño d*(k-1)+1, paso s), conserva uno de cada d elementos, permuta a (N, C, kH, kW, H_out, W_out) y cambia la forma",
  "maxpool2d_backward": "parte de ceros de forma (N*C, H*W) y acumula con scatter_add_ cada valor de dout en su índice a lo largo de dim 1; luego cambia la forma a input_shape",
  "maxpool2d_unfold": "F.unfold(H, kernel, stride=stride) -> reshape (N, C, kH*kW, L) -> .max(dim=2); convierte el argmax dentro de la ventana (r, c) de la ventana (i, j) en (i*sH + r) * W + (j*sW + c)",
  "tiny_backward": "repite el forward guardando H, M y los índices del pooling; d(suma)/d(salida) son unos, así que dfc_weight = f^T @ unos, dfc_bias = N; dM = unos @ fc_weight^T, luego maxpool2d_backward y conv2d_backward",
  "tiny_forward": "H = conv2d_unfold(X, weight, bias); M, _ = maxpool2d_unfold(H, 2); devuelve M.flatten(1) @ fc_weight + fc_bias",
  "train_epoch": "model.train(); por cada batch: optimizer.zero_grad(), loss = criterion(model(images), labels), loss.backward(), optimizer.step(); devuelve la media de loss.item()"
 },
 "fr": {
  "Conv1D.forward": "appliquez le remplissage à x puis, pour chaque début de fenêtre i (avec le pas self.stride), appliquez self.kernel à x[:, :, i:i+k].reshape(N, -1) et empilez les résultats avec torch.stack sur la dim 2",
  "Conv2D.forward": "obtenez (H_out, W_out) avec calculate_out, appliquez le remplissage à x, appliquez self.kernel à chaque fenêtre aplatie, empilez sur la dim 2 et remettez en forme (N, out, H_out, W_out)",
  "Conv2dFunction.backward": "appelez conv2d_backward avec les tenseurs sauvegardés ; renvoyez None pour bias s'il n'y en avait pas, ainsi que pour les trois arguments entiers",
  "Conv2dFunction.forward": "sauvegardez X et weight avec ctx.save_for_backward, gardez stride/padding/dilation dans ctx et renvoyez conv2d_unfold(X, weight, bias, ...)",
  "MaxPool1D.forward": "pour chaque bloc x[:, :, i:i+p], prenez torch.max(..., dim=2).values et empilez-les sur la dim 2 ; un dernier bloc incomplet est ignoré",
  "build_cnn": "nn.Sequential avec nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), ... , nn.Flatten(), nn.Linear(32 * 7 * 7, 10)",
  "build_cnn1d": "commencez par une couche qui remet x en forme (N, 1, 784), puis trois Conv1D(kernel_size=3, stride=2, padding=1) avec ReLU (1->8->16->32), Flatten et Linear(32 * 98, 10)",
  "build_cnn2d": "Conv2D(1, 8, stride=2, kernel_size=3, padding=1), ReLU, Conv2D(8, 16, stride=2, ...), ReLU, Conv2D(16, 32, stride=1, ...), ReLU, Flatten, Linear(1568, 10)",
  "calculate_out": "pour chaque dimension spatiale, utilisez la division entière : (in + 2p - d*(k-1) - 1) // s + 1, et levez ValueError pour les arguments invalides",
  "col2im": "voyez cols comme (N, C, kH, kW, H_out, W_out) ; pour chaque élément du noyau (i, j), ajoutez son bloc (H_out, W_out) dans une image complétée de zéros, aux lignes i*d + s*[0..H_out) et aux colonnes j*d + s*[0..W_out) ; enfin retirez le remplissage",
  "conv2d_backward": "X_col = im2col(X, ...), dH = dout.reshape(N, C_out, L) ; dW = (dH @ X_col^T) sommé sur le batch, db = dout sommé sur (0, 2, 3), dX = col2im(W_row^T @ dH, ...)",
  "conv2d_loop": "appliquez le remplissage à X avec F.pad puis, pour n, co, i, j, prenez la fenêtre dilatée X[n, :, i*s : i*s + d*(k-1)+1 : d, ...] et calculez (patch * weight[co]).sum() + bias[co]",
  "conv2d_unfold": "X_col = im2col(X, ...), W_row = weight.reshape(C_out, -1) ; multipliez (torch.bmm avec W_row.expand(N, -1, -1)), ajoutez bias.view(1, -1, 1) et remettez en forme (N, C_out, H_out, W_out)",
  "evaluate": "model.eval() et torch.no_grad() ; comptez logits.argmax(1) == labels sur tous les batchs",
  "im2col": "complétez X par le remplissage, prenez les fenêtres avec Tensor.unfold sur les dims 2 et 3 (taille d*(k-1)+1, pas s), gardez un élément sur d, puis permutez en (N, C, kH, kW, H_out, W_out) et changez la forme",
  "maxpool2d_backward": "partez de zéros de forme (N*C, H*W) et accumulez avec scatter_add_ chaque valeur de dout à son indice le long de la dim 1, puis remettez en forme input_shape",
  "maxpool2d_unfold": "F.unfold(H, kernel, stride=stride) -> reshape (N, C, kH*kW, L) -> .max(dim=2) ; transformez l'argmax (r, c) interne à la fenêtre (i, j) en (i*sH + r) * W + (j*sW + c)",
  "tiny_backward": "refaites la passe avant en gardant H, M et les indices du pooling ; d(somme)/d(sortie) est une matrice de uns, donc dfc_weight = f^T @ uns, dfc_bias = N ; dM = uns @ fc_weight^T, puis maxpool2d_backward et conv2d_backward",
  "tiny_forward": "H = conv2d_unfold(X, weight, bias) ; M, _ = maxpool2d_unfold(H, 2) ; renvoyez M.flatten(1) @ fc_weight + fc_bias",
  "train_epoch": "model.train() ; pour chaque batch : optimizer.zero_grad(), loss = criterion(model(images), labels), loss.backward(), optimizer.step() ; renvoyez la moyenne des loss.item()"
 }
}
WORDS = {
 "en": {
  "failed": "FAILED",
  "hint": "hint: {hint}",
  "passed": "passed",
  "summary": "{passed}/{total} public checks pass"
 },
 "es": {
  "failed": "FALLA",
  "hint": "pista: {hint}",
  "passed": "pasa",
  "summary": "{passed}/{total} comprobaciones públicas pasan"
 },
 "fr": {
  "failed": "ÉCHEC",
  "hint": "piste : {hint}",
  "passed": "réussi",
  "summary": "{passed}/{total} vérifications publiques réussies"
 }
}
SAYINGS = {
 "en": {
  "public_autograd": "{name} differs from autograd's gradient",
  "public_cnn_logits": "{builder}: expected 2 x 10 logits, got {got}",
  "public_cnn_parameters": "{builder}: expected {expected} parameters, got {got}",
  "public_col2im_overlap": "overlapping windows add up: expected\n{expected}\ngot\n{got}",
  "public_course_maps": "the course's feature maps are\n{expected}\nyou give\n{got}",
  "public_course_size": "the 6x6 image and a 3x3 kernel give a 4x4 feature map",
  "public_im2col_order": "im2col of the 6x6 image: columns differ from F.unfold (check the row order c, i, j)",
  "public_im2col_shape": "im2col of the 6x6 image: expected shape {expected}, got {got}",
  "public_im2col_strided": "im2col with stride/padding/dilation differs from F.unfold",
  "public_kernel_too_big": "a {kernel}x{kernel} kernel does not fit in a {size}x{size} image (stride {stride}): calculate_out must raise ValueError, it returned {got}",
  "public_layer_differs": "{layer} differs from {torch} with the same weights",
  "public_loop_differs": "{settings}, 2x3 kernel: your output differs from F.conv2d",
  "public_loop_shape": "{settings}, 2x3 kernel: expected shape {expected}, got {got}",
  "public_maxpool1d": "MaxPool1D(2) of [1, 3, 2, 0, 5] is [3, 2], you give {got}",
  "public_pool_backward": "each gradient goes to its index, and windows sharing an argmax add up: expected\n{expected}\ngot\n{got}",
  "public_pool_indices": "indices: expected\n{expected}\ngot\n{got}\nindices are flat positions in the 4x4 plane, ties go to the first maximum",
  "public_pool_size": "a 2x2 pool with stride 2 halves 4x4",
  "public_pool_ties": "indices: expected\n{expected}\ngot\n{got}\nties go to the first maximum in row-major order, as a flat position in the 3x6 plane",
  "public_pooled_values": "pooled values: expected\n{expected}\ngot\n{got}",
  "public_shape": "{layer} output shape: expected {expected}, got {got}",
  "public_tiny_bias": "bias gradient: expected [4, 4], got {got}",
  "public_tiny_fc_bias": "fc_bias gradient: expected [1.], got {got}",
  "public_tiny_fc_weight": "fc_weight gradient: expected the pooled features as a column (8 x 1), f^T @ dout\n{expected}\ngot\n{got}",
  "public_tiny_forward": "the course's network gives [[18.]], you give {got}",
  "public_tiny_weight": "weight gradient: expected rows\n{expected}\ngot\n{got}\ntied windows: only the first maximum receives the gradient",
  "public_torch_size": "stride (2, 1), padding 1, dilation 2: torch gives {expected}, you give {got} (a window that does not fit entirely is not counted: round down)"
 },
 "es": {
  "public_autograd": "{name} difiere del gradiente de autograd",
  "public_cnn_logits": "{builder}: se esperaban 2 x 10 logits, se obtuvo {got}",
  "public_cnn_parameters": "{builder}: se esperaban {expected} parámetros, se obtuvo {got}",
  "public_col2im_overlap": "las ventanas traslapadas se suman: se esperaba\n{expected}\nse obtuvo\n{got}",
  "public_course_maps": "los feature maps del curso son\n{expected}\ntú das\n{got}",
  "public_course_size": "la imagen de 6x6 y un kernel de 3x3 dan un feature map de 4x4",
  "public_im2col_order": "im2col de la imagen de 6x6: las columnas difieren de F.unfold (revisa el orden de las filas c, i, j)",
  "public_im2col_shape": "im2col de la imagen de 6x6: se esperaba la forma {expected}, se obtuvo {got}",
  "public_im2col_strided": "im2col con stride/padding/dilation difiere de F.unfold",
  "public_kernel_too_big": "un kernel de {kernel}x{kernel} no cabe en una imagen de {size}x{size} (stride {stride}): calculate_out debe lanzar ValueError, devolvió {got}",
  "public_layer_differs": "{layer} difiere de {torch} con los mismos pesos",
  "public_loop_differs": "{settings}, kernel de 2x3: tu salida difiere de F.conv2d",
  "public_loop_shape": "{settings}, kernel de 2x3: se esperaba la forma {expected}, se obtuvo {got}",
  "public_maxpool1d": "MaxPool1D(2) de [1, 3, 2, 0, 5] es [3, 2], tú das {got}",
  "public_pool_backward": "cada gradiente va a su índice, y las ventanas que comparten el argmax se suman: se esperaba\n{expected}\nse obtuvo\n{got}",
  "public_pool_indices": "índices: se esperaba\n{expected}\nse obtuvo\n{got}\nlos índices son posiciones planas en el plano de 4x4; en un empate gana el primer máximo",
  "public_pool_size": "un pooling de 2x2 con stride 2 reduce 4x4 a la mitad",
  "public_pool_ties": "índices: se esperaba\n{expected}\nse obtuvo\n{got}\nen un empate gana el primer máximo en orden de filas, como posición plana en el plano de 3x6",
  "public_pooled_values": "valores del pooling: se esperaba\n{expected}\nse obtuvo\n{got}",
  "public_shape": "forma de salida de {layer}: se esperaba {expected}, se obtuvo {got}",
  "public_tiny_bias": "gradiente de bias: se esperaba [4, 4], se obtuvo {got}",
  "public_tiny_fc_bias": "gradiente de fc_bias: se esperaba [1.], se obtuvo {got}",
  "public_tiny_fc_weight": "gradiente de fc_weight: se esperaban las características del pooling como columna (8 x 1), f^T @ dout\n{expected}\nse obtuvo\n{got}",
  "public_tiny_forward": "la red del curso da [[18.]], tú das {got}",
  "public_tiny_weight": "gradiente de weight: se esperaban las filas\n{expected}\nse obtuvo\n{got}\nventanas empatadas: solo el primer máximo recibe el gradiente",
  "public_torch_size": "stride (2, 1), padding 1, dilation 2: torch da {expected}, tú das {got} (una ventana que no cabe entera no cuenta: redondea hacia abajo)"
 },
 "fr": {
  "public_autograd": "{name} diffère du gradient calculé par autograd",
  "public_cnn_logits": "{builder} : 2 x 10 logits attendus, obtenu {got}",
  "public_cnn_parameters": "{builder} : {expected} paramètres attendus, obtenu {got}",
  "public_col2im_overlap": "les fenêtres qui se chevauchent s'additionnent : attendu\n{expected}\nobtenu\n{got}",
  "public_course_maps": "les cartes de caractéristiques du cours sont\n{expected}\nvous donnez\n{got}",
  "public_course_size": "l'image 6x6 et un noyau 3x3 donnent une carte de caractéristiques 4x4",
  "public_im2col_order": "im2col de l'image 6x6 : les colonnes diffèrent de F.unfold (vérifiez l'ordre des lignes c, i, j)",
  "public_im2col_shape": "im2col de l'image 6x6 : forme attendue {expected}, forme obtenue {got}",
  "public_im2col_strided": "im2col avec pas/remplissage/dilatation diffère de F.unfold",
  "public_kernel_too_big": "un noyau {kernel}x{kernel} ne tient pas dans une image {size}x{size} (pas {stride}) : calculate_out doit lever ValueError, elle a renvoyé {got}",
  "public_layer_differs": "{layer} diffère de {torch} avec les mêmes poids",
  "public_loop_differs": "{settings}, noyau 2x3 : votre sortie diffère de F.conv2d",
  "public_loop_shape": "{settings}, noyau 2x3 : forme attendue {expected}, forme obtenue {got}",
  "public_maxpool1d": "MaxPool1D(2) de [1, 3, 2, 0, 5] vaut [3, 2], vous donnez {got}",
  "public_pool_backward": "chaque gradient va à son indice, et les fenêtres qui partagent leur argmax s'additionnent : attendu\n{expected}\nobtenu\n{got}",
  "public_pool_indices": "indices : attendu\n{expected}\nobtenu\n{got}\nles indices sont des positions à plat dans le plan 4x4 ; en cas d'égalité, le premier maximum l'emporte",
  "public_pool_size": "un pooling 2x2 de pas 2 divise 4x4 par deux",
  "public_pool_ties": "indices : attendu\n{expected}\nobtenu\n{got}\nen cas d'égalité, le premier maximum dans l'ordre des lignes l'emporte, comme position à plat dans le plan 3x6",
  "public_pooled_values": "valeurs après pooling : attendu\n{expected}\nobtenu\n{got}",
  "public_shape": "forme de sortie de {layer} : attendu {expected}, obtenu {got}",
  "public_tiny_bias": "gradient de bias : attendu [4, 4], obtenu {got}",
  "public_tiny_fc_bias": "gradient de fc_bias : attendu [1.], obtenu {got}",
  "public_tiny_fc_weight": "gradient de fc_weight : attendu les caractéristiques après pooling en colonne (8 x 1), f^T @ dout\n{expected}\nobtenu\n{got}",
  "public_tiny_forward": "le réseau du cours donne [[18.]], vous donnez {got}",
  "public_tiny_weight": "gradient de weight : lignes attendues\n{expected}\nobtenu\n{got}\nfenêtres avec égalité : seul le premier maximum reçoit le gradient",
  "public_torch_size": "pas (2, 1), remplissage 1, dilatation 2 : torch donne {expected}, vous donnez {got} (une fenêtre qui ne tient pas entièrement ne compte pas : arrondissez vers le bas)"
 }
}
