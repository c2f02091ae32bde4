"""Worker-side ops of the ``mnist`` exercise: the parts that need live student objects.

They run in the untrusted worker next to the student's ``mnist`` module and return
plain data only; the hidden suite (``grader/suites/test_mnist.py``) decides the grade.
Weights are given by parameter SHAPE, never by name, so the student's attribute names
and layer order do not matter: every parameter shape of each model is distinct.
No test digit reaches the worker: the training op returns the trained weights, which the
grading side tests in the reference architecture.
"""
from __future__ import annotations

import time
import types
from typing import Any

import torch
import torch.nn as nn

from grader.runtime.worker import op, student_attr

BUILDERS = ("build_cnn", "build_cnn2d", "build_cnn1d")


def _build(namespace: types.ModuleType, builder: str) -> nn.Module:
    """The student's ``builder()``, checked to be an ``nn.Module``."""
    if builder not in BUILDERS:
        raise ValueError(f"unknown builder {builder!r}")
    model = student_attr(namespace, builder)()
    if not isinstance(model, nn.Module):
        raise TypeError(f"{builder}() returned {type(model).__name__}, expected an nn.Module")
    return model


def load_by_shape(model: nn.Module, values: list[torch.Tensor], owner: str) -> None:
    """Copy into each parameter of ``model`` the one tensor of ``values`` with its shape."""
    by_shape = {tuple(v.shape): v for v in values}
    used = set()
    for name, parameter in model.named_parameters():
        shape = tuple(parameter.shape)
        if shape not in by_shape:
            expected = ", ".join(str(tuple(s)) for s in by_shape)
            raise ValueError(f"{owner}: parameter {name} has shape {shape}; the model should have exactly these: {expected}")
        if shape in used:
            raise ValueError(f"{owner}: two parameters of shape {shape}; each shape should appear once")
        used.add(shape)
        with torch.no_grad():
            parameter.copy_(by_shape[shape])
    missing = [shape for shape in by_shape if shape not in used]
    if missing:
        raise ValueError(f"{owner}: no parameter of shape {', '.join(map(str, missing))}")


def _as_images(images: torch.Tensor) -> torch.Tensor:
    """N x 28 x 28 uint8 (as sent) -> N x 1 x 28 x 28 float32 in [0, 1], as ``ToTensor()`` gives."""
    return images.unsqueeze(1).float().div(255)


def _batches(images: torch.Tensor, labels: torch.Tensor, size: int) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Fixed, unshuffled (images batch x ..., labels batch) pairs."""
    return list(zip(images.split(size), labels.split(size)))


@op("mnist_describe")
def describe(namespace: types.ModuleType, builder: str, inputs: torch.Tensor) -> dict[str, Any]:
    """A fresh ``builder()`` model's parameter shapes and its output on ``inputs`` (batch x ...)."""
    model = _build(namespace, builder)
    with torch.no_grad():
        output = model(inputs)
    return {"shapes": [tuple(p.shape) for p in model.parameters()], "output": output}


@op("mnist_golden")
def golden(namespace: types.ModuleType, builder: str, values: list[torch.Tensor], inputs: torch.Tensor) -> torch.Tensor:
    """Logits (batch x 10) of ``builder()`` with the given weights (matched by shape) on ``inputs``."""
    model = _build(namespace, builder)
    load_by_shape(model, values, f"{builder}()")
    with torch.no_grad():
        return model(inputs)


def _linear_probe(weight: torch.Tensor, bias: torch.Tensor) -> nn.Module:
    """Flatten + Linear(784 -> 10) with the given weights: a model whose result the grader can recompute."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(weight.shape[1], weight.shape[0]))
    load_by_shape(model, [weight, bias], "probe model")
    return model


@op("mnist_train_epoch_probe")
def train_epoch_probe(namespace: types.ModuleType, weight: torch.Tensor, bias: torch.Tensor, images: torch.Tensor,
                      labels: torch.Tensor, batch_size: int, lr: float) -> dict[str, Any]:
    """The student's ``train_epoch`` on a linear model, fixed batches and plain SGD.

    Returns:
        ``{"loss": what train_epoch returned, "weight": 10 x 784, "bias": 10}`` after the pass.
    """
    model = _linear_probe(weight, bias)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    loss = student_attr(namespace, "train_epoch")(model, _batches(_as_images(images), labels, batch_size),
                                                  optimizer, nn.CrossEntropyLoss())
    return {"loss": loss, "weight": model[1].weight.detach(), "bias": model[1].bias.detach()}


class _Recorder(nn.Module):
    """Wraps a model and notes, at each forward, whether autograd and training mode were on."""

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model
        self.grad_enabled: list[bool] = []
        self.training_mode: list[bool] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.grad_enabled.append(torch.is_grad_enabled())
        self.training_mode.append(self.training)
        return self.model(x)


@op("mnist_evaluate_probe")
def evaluate_probe(namespace: types.ModuleType, weight: torch.Tensor, bias: torch.Tensor, images: torch.Tensor,
                   labels: torch.Tensor, batch_size: int) -> dict[str, Any]:
    """The student's ``evaluate`` on a linear model and fixed batches.

    Returns:
        ``{"accuracy": what evaluate returned, "grad_enabled": [bool per forward], "training": [...]}``.
    """
    model = _Recorder(_linear_probe(weight, bias))
    accuracy = student_attr(namespace, "evaluate")(model, _batches(_as_images(images), labels, batch_size))
    return {"accuracy": accuracy, "grad_enabled": model.grad_enabled, "training": model.training_mode}


@op("mnist_train")
def train(namespace: types.ModuleType, images: torch.Tensor, labels: torch.Tensor, epochs: int, batch_size: int,
          lr: float, seed: int, budget_s: float) -> dict[str, Any]:
    """Train the student's ``build_cnn()`` with their ``train_epoch`` and send back its weights.

    Adam (``lr``), cross-entropy, batches of ``batch_size`` shuffled with ``seed``. An
    epoch is not started when it would likely end past ``budget_s`` seconds. The worker
    never sees a test digit: the grading side loads the weights into the API's
    architecture and tests them.

    Args:
        images: N x 28 x 28 uint8 training digits; labels: N.

    Returns:
        ``{"weights": {name: tensor} (the state dict), "losses": [per epoch], "epoch_seconds": [...]}``.
    """
    torch.manual_seed(seed)
    model = _build(namespace, "build_cnn")
    train_epoch = student_attr(namespace, "train_epoch")
    dataset = torch.utils.data.TensorDataset(_as_images(images), labels)
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size, shuffle=True,
                                         generator=torch.Generator().manual_seed(seed))
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    criterion = nn.CrossEntropyLoss()
    start = time.perf_counter()
    losses, seconds = [], []
    for _ in range(epochs):
        if seconds and time.perf_counter() - start + max(seconds) > budget_s:
            break
        begin = time.perf_counter()
        losses.append(train_epoch(model, loader, optimizer, criterion))
        seconds.append(time.perf_counter() - begin)
    weights = {name: value.detach().clone() for name, value in model.state_dict().items()}
    return {"weights": weights, "losses": losses, "epoch_seconds": seconds}
