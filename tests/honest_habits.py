"""Honest submissions of red team 10 (tests/test_redteam10.py), written at test time: the
reference solution with one habit of a student's added (exact text edits that must match
once, as grader/course/mutation.py's, or lines appended), so no reference code is copied
here and a change to the solutions cannot silently void one.

Each returns ``{file name: text}``; the test adds the reference modules it lacks.
"""
from __future__ import annotations

import json

from grader.course.assignment import solution_path

Files = dict[str, str]
SUBMISSIONS: dict[str, Files] = {}


def sub(name: str, file: str, story: str, edits: tuple = (), append: str = "") -> None:
    """``file`` of the reference with ``edits`` made and ``append`` added, ``story`` first in its docstring."""
    source = solution_path(file.removesuffix(".py")).read_text(encoding="utf-8")
    for old, new in edits:
        if source.count(old) != 1:
            raise ValueError(f"{name}: the edit no longer matches {file} exactly once: {old[:60]!r}")
        source = source.replace(old, new)
    SUBMISSIONS[name] = {file: '"""' + story.strip() + "\n\n" + source.removeprefix('"""') + append}


def doctest_notebook() -> Files:
    """The course's maxpool notebook, solved as the reference, plus a cell a student adds to
    run the docstring examples with doctest (which ends with ``sys.settrace(None)``)."""
    from grader.authoring import notebooks

    files = notebooks.render("en", solutions=True)
    notebook = json.loads(files["maxpool.ipynb"])
    notebook["cells"].append({"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": [
        "# my own check: run the examples in my docstrings\n", "import doctest\n",
        "doctest.run_docstring_examples(maxpool2d_unfold, globals(), name='maxpool2d_unfold')\n"]})
    return {"maxpool.ipynb": json.dumps(notebook, indent=1), "notebook_import.py": files["notebook_import.py"]}


sub("honest_recursion_fallback", "loop_conv.py", """HONEST (redteam10): the reference loop_conv, except conv2d_loop walks the output
positions with a small recursive helper (one level per output row) and, like much
"try the elegant version first" code, falls back to the plain loops when Python's
recursion limit is reached (RecursionError caught). The result is always the reference's.
The module lowers nothing and sets no limit; the large test inputs reach the limit.""",
 edits=[("""    for n in range(N):
        for co in range(C_out):
            for i in range(H_out):
                for j in range(W_out):
                    top, left = i * sH, j * sW
                    patch = Xp[n, :, top : top + dH * (kH - 1) + 1 : dH, left : left + dW * (kW - 1) + 1 : dW]
                    out[n, co, i, j] = (patch * weight[co]).sum()""",
"""    def cell(n, co, i, j):
        top, left = i * sH, j * sW
        patch = Xp[n, :, top : top + dH * (kH - 1) + 1 : dH, left : left + dW * (kW - 1) + 1 : dW]
        out[n, co, i, j] = (patch * weight[co]).sum()

    def rows(n, co, i):  # one recursion level per output row (and per depth probe)
        if i == H_out:
            return
        for j in range(W_out):
            cell(n, co, i, j)
        rows(n, co, i + 1)

    def probe(depth):  # how deep can I recurse here? (a student's check before choosing)
        return 0 if depth == 0 else 1 + probe(depth - 1)

    try:
        probe(sys.getrecursionlimit())  # too deep on purpose: always falls back below
        for n in range(N):
            for co in range(C_out):
                rows(n, co, 0)
    except RecursionError:
        for n in range(N):
            for co in range(C_out):
                for i in range(H_out):
                    for j in range(W_out):
                        cell(n, co, i, j)"""), ("import torch\n", "import sys\n\nimport torch\n")])

sub("honest_stdlib_mix", "maxpool.py", """HONEST (redteam10): the reference maxpool, with the standard library a student
sprinkles around: logging (basicConfig at import, debug/info in the ruled call),
warnings.warn for an overlapping window (default stacklevel), traceback.print_exc of an exception raised and
caught, a namedtuple, a dataclass, an Enum and typing at import and in the call,
inspect.signature, functools.lru_cache, a generator and contextlib.contextmanager timing
with time.perf_counter. The pooling is the reference's F.unfold code.""",
 edits=[("import torch\n", """import contextlib
import dataclasses
import enum
import functools
import inspect
import logging
import time
import traceback
import warnings
from collections import namedtuple

import torch
"""), ("    N, C, H_in, W_in = H.shape\n", """    log.debug("maxpool2d_unfold%s", inspect.signature(maxpool2d_unfold))
    if any(s < k for s, k in zip(stride, kernel)):
        warnings.warn("overlapping windows: some inputs are pooled twice")
    try:
        raise _Odd(f"kernel {kernel} stride {stride}")
    except _Odd:
        traceback.print_exc(limit=3)
    with _timed("unfold") as spent:
        Geometry = namedtuple("Geometry", "kernel stride")
        geometry = Geometry(kernel, stride)
        note = _Note(Mode.UNFOLD, geometry.kernel)
        assert list(_count(3)) == [0, 1, 2] and _square(3) == 9 and note.mode is Mode.UNFOLD
    log.info("spent %.1e s", spent[0])
    N, C, H_in, W_in = H.shape
""")], append='''

logging.basicConfig(level=logging.DEBUG, format="%(name)s %(funcName)s: %(message)s")
log = logging.getLogger("maxpool")


class _Odd(Exception):
    pass


class Mode(enum.Enum):
    UNFOLD = "unfold"
    LOOP = "loop"


@dataclasses.dataclass(frozen=True)
class _Note:
    mode: Mode
    kernel: tuple


@functools.lru_cache(maxsize=None)
def _square(n: int) -> int:
    return n * n


def _count(n):
    yield from range(n)


@contextlib.contextmanager
def _timed(what):
    spent = [0.0]
    start = time.perf_counter()
    try:
        yield spent
    finally:
        spent[0] = time.perf_counter() - start
''')

sub("honest_out_buffer", "im2col_conv.py", """HONEST (redteam10): the reference im2col_conv, except conv2d_unfold preallocates
its output (batch x C_out x H_out x W_out) and lets torch.bmm write into it with
``out=``; bmm resizes the buffer to batch x C_out x L (same number of elements), with
torch's "An output with one or more elements was resized" UserWarning, and the result
is viewed back. Values equal the reference's.""",
 edits=[("""    if bias is None:
        H_col = torch.bmm(W_row, X_col)""", """    if bias is None:
        H_col = torch.empty(N, C_out, H_out, W_out, dtype=X.dtype)
        torch.bmm(W_row, X_col, out=H_col)""")])

sub("honest_numpy_windows", "maxpool.py", """HONEST (redteam10): maxpool2d_unfold with numpy doing the indexing bookkeeping
(np.unravel_index-free: np.arange/np.add.outer tables converted with torch.from_numpy)
and the max through the reference's F.unfold. Plain numpy arithmetic, no numpy routine
of the forbidden kind.""",
 edits=[("""    corner = (torch.arange(H_out).view(-1, 1) * (sH * W_in) + torch.arange(W_out) * sW).view(-1)
    offset = (torch.arange(kH).view(-1, 1) * W_in + torch.arange(kW)).view(-1)""",
"""    corner = torch.from_numpy(np.add.outer(np.arange(H_out) * (sH * W_in), np.arange(W_out) * sW).reshape(-1))
    offset = torch.as_tensor(np.add.outer(np.arange(kH) * W_in, np.arange(kW)).reshape(-1))"""),
        ("import torch\n", "import numpy as np\nimport torch\n")])

sub("honest_mnist_workers", "mnist.py", """HONEST (redteam10): the reference mnist, with what a training script adds:
train_epoch shows a tqdm bar, and at import a quick pipeline check iterates a
DataLoader with num_workers=2 over a few random images (torch sets its SIGCHLD handler
for the worker processes and keeps it).""",
 edits=[("    for images, labels in loader:\n        optimizer.zero_grad()", "    for images, labels in tqdm(loader, leave=False, disable=None):\n        optimizer.zero_grad()"),
        ("import torch\n", "import torch\nfrom tqdm.auto import tqdm\n")],
 append='''

def _pipeline_check() -> int:
    data = torch.utils.data.TensorDataset(torch.rand(64, 1, 28, 28), torch.randint(0, 10, (64,)))
    loader = torch.utils.data.DataLoader(data, batch_size=16, num_workers=2)
    return sum(len(labels) for _, labels in loader)


assert _pipeline_check() == 64
''')

sub("honest_plots_torchvision_import", "maxpool.py", """HONEST (redteam10): the reference maxpool, plus what a notebook exported to .py
keeps at import: matplotlib.pyplot (a figure of a pooled example drawn, shown and
closed), torchvision and its transforms imported. No library runs in the ruled call.""",
 append='''

import matplotlib.pyplot as plt
import torchvision  # noqa: F401
from torchvision import transforms  # noqa: F401

_values, _indices = maxpool2d_unfold(torch.arange(16.).view(1, 1, 4, 4))
_fig, _ax = plt.subplots()
_ax.imshow(_values[0, 0])
plt.show()
plt.close(_fig)
''')

sub("honest_warn_stacklevel", "maxpool.py", """HONEST (redteam10): the reference maxpool, plus one line the warnings documentation
recommends: ``warnings.warn(..., stacklevel=2)`` when windows overlap, so the warning
names the caller's line. The caller of a ruled function is the grader's worker, whose
module globals get the ``__warningregistry__`` that warnings keeps per calling module.""",
 edits=[("    N, C, H_in, W_in = H.shape\n", """    if any(s < k for s, k in zip(stride, kernel)):
        warnings.warn("overlapping windows: some inputs are pooled twice", stacklevel=2)
    N, C, H_in, W_in = H.shape
"""), ("import torch\n", "import warnings\n\nimport torch\n")])

SUBMISSIONS["honest_doctest_notebook"] = doctest_notebook()

# Honest bank 3 (stop 26): habits an outside tester's correct submissions had that the guard refused.
sub("honest_prints_tensors", "maxpool.py", """HONEST (bank 3): the reference maxpool, plus the debugging a student leaves in:
the pooled values printed, an f-string and a warning naming a tensor, a debug log line with
a tensor argument and logging set to DEBUG. Printing a tensor steps off torch's mode stack
in torch._tensor_str, which the guard took for tampering.""",
 edits=[("    values, within = cols.max(dim=2)  # torch.max keeps the first maximum on ties\n",
         """    values, within = cols.max(dim=2)  # torch.max keeps the first maximum on ties
    print("pooled", values[0, 0])
    note = f"argmax inside the windows: {within[0, 0]}"
    logging.debug("%s; windows %s", note, cols[0, 0])
    if values.numel() > 10**6:
        warnings.warn(f"large output {values.shape}: {values.flatten()[:3]}")
"""), ("import torch\n", "import logging\nimport warnings\n\nimport torch\n")],
 append="\nlogging.basicConfig(level=logging.DEBUG)\n")

sub("honest_promote_types", "loop_conv.py", """HONEST (bank 3): the reference loop_conv, with the output's dtype from
torch.promote_types (mixed dtypes are the student's choice: the contract leaves them open).""",
 edits=[("    out = torch.zeros(N, C_out, H_out, W_out, dtype=X.dtype)\n",
         "    out = torch.zeros(N, C_out, H_out, W_out, dtype=torch.promote_types(X.dtype, weight.dtype))\n")])

sub("honest_local_dataclass", "maxpool.py", """HONEST (bank 3): the reference maxpool, with the window's settings in a dataclass
defined inside the function. With string annotations (the stubs' ``from __future__ import
annotations``) dataclasses looks the module up in sys.modules, which lacked a module
graded beside stand-ins.""",
 edits=[("    (kH, kW), (sH, sW) = kernel, stride\n", """    @dataclasses.dataclass
    class Window:
        size: tuple[int, int]
        step: tuple[int, int]

    window = Window(kernel, stride)
    (kH, kW), (sH, sW) = window.size, window.step
"""), ("import torch\n", "import dataclasses\n\nimport torch\n")])

sub("honest_tqdm", "loop_conv.py", """HONEST (bank 3): the reference loop_conv with a progress bar over the batch in
conv2d_loop (Python loops are slow) and a bar at import, as a notebook cell leaves one.
tqdm's code was "another library", and its monitor thread, started by the first bar, made
every later ruled call refuse to run beside it.""",
 edits=[("        for co in range(C_out):\n            for i in range(H_out):",
         "        for co in tqdm(range(C_out), desc=\"conv2d_loop\", leave=False):\n            for i in range(H_out):"),
        ("import torch\n", "from tqdm import tqdm\n\nimport torch\n")],
 append="\nfor _ in tqdm(range(3), desc=\"warming up\"):  # a bar at import\n    pass\n")
