"""Exercise 7 - three small CNNs for MNIST and the loop that trains them.

All three spend about 21-33 thousand parameters: ``build_cnn`` uses torch's layers with
max-pooling, ``build_cnn2d`` your ``Conv2D`` with stride 2 instead of pooling, and
``build_cnn1d`` your ``Conv1D`` on the image read as one 784-long sequence.

>>> sum(p.numel() for p in build_cnn().parameters())
21578
"""
from __future__ import annotations

from typing import Iterable

import torch
import torch.nn as nn

from loop_conv import Conv1D, Conv2D


class Sequence1D(nn.Module):
    """Reads a batch of images (N x 1 x 28 x 28, or already N x 1 x 784) as sequences."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Args: x: batch x 1 x 28 x 28 or batch x 1 x 784. Returns: batch x 1 x 784."""
        return x.reshape(x.shape[0], 1, -1)


def build_cnn() -> nn.Module:
    """Conv(1->8)-ReLU-Pool-Conv(8->16)-ReLU-Pool-Conv(16->32)-ReLU-Linear(1568->10).

    Returns:
        a module mapping batch x 1 x 28 x 28 images to batch x 10 logits.
    """
    ### BEGIN SOLUTION
    # HINT en: nn.Sequential of nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), ... , nn.Flatten(), nn.Linear(32 * 7 * 7, 10)
    # HINT es: nn.Sequential con nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), ... , nn.Flatten(), nn.Linear(32 * 7 * 7, 10)
    # HINT fr: nn.Sequential avec nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), ... , nn.Flatten(), nn.Linear(32 * 7 * 7, 10)
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 10),
    )
    ### END SOLUTION


def build_cnn2d() -> nn.Module:
    """The same budget on your ``Conv2D``: strides 2, 2, 1 replace the pooling layers.

    Returns:
        a module mapping batch x 1 x 28 x 28 images to batch x 10 logits.
    """
    ### BEGIN SOLUTION
    # HINT en: Conv2D(1, 8, stride=2, kernel_size=3, padding=1), ReLU, Conv2D(8, 16, stride=2, ...), ReLU, Conv2D(16, 32, stride=1, ...), ReLU, Flatten, Linear(1568, 10)
    # HINT es: Conv2D(1, 8, stride=2, kernel_size=3, padding=1), ReLU, Conv2D(8, 16, stride=2, ...), ReLU, Conv2D(16, 32, stride=1, ...), ReLU, Flatten, Linear(1568, 10)
    # HINT fr: Conv2D(1, 8, stride=2, kernel_size=3, padding=1), ReLU, Conv2D(8, 16, stride=2, ...), ReLU, Conv2D(16, 32, stride=1, ...), ReLU, Flatten, Linear(1568, 10)
    return nn.Sequential(
        Conv2D(1, 8, stride=2, kernel_size=3, padding=1), nn.ReLU(),
        Conv2D(8, 16, stride=2, kernel_size=3, padding=1), nn.ReLU(),
        Conv2D(16, 32, stride=1, kernel_size=3, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(1568, 10),
    )
    ### END SOLUTION


def build_cnn1d() -> nn.Module:
    """Your ``Conv1D`` on the 784-long sequence: strides 2, 2, 2 and Linear(3136 -> 10).

    Returns:
        a module mapping batch x 1 x 784 (or batch x 1 x 28 x 28) to batch x 10 logits.
    """
    ### BEGIN SOLUTION
    # HINT en: start with a layer that reshapes x to (N, 1, 784), then three Conv1D(kernel_size=3, stride=2, padding=1) with ReLU (1->8->16->32), Flatten and Linear(32 * 98, 10)
    # HINT es: empieza con una capa que cambie x a (N, 1, 784), luego tres Conv1D(kernel_size=3, stride=2, padding=1) con ReLU (1->8->16->32), Flatten y Linear(32 * 98, 10)
    # HINT fr: commencez par une couche qui remet x en forme (N, 1, 784), puis trois Conv1D(kernel_size=3, stride=2, padding=1) avec ReLU (1->8->16->32), Flatten et Linear(32 * 98, 10)
    return nn.Sequential(
        Sequence1D(),
        Conv1D(1, 8, stride=2, kernel_size=3, padding=1), nn.ReLU(),
        Conv1D(8, 16, stride=2, kernel_size=3, padding=1), nn.ReLU(),
        Conv1D(16, 32, stride=2, kernel_size=3, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(32 * 98, 10),
    )
    ### END SOLUTION


def train_epoch(
    model: nn.Module,
    loader: Iterable[tuple[torch.Tensor, torch.Tensor]],
    optimizer: torch.optim.Optimizer,
    criterion: nn.Module,
) -> float:
    """One pass over ``loader``: forward, loss, backward and an optimizer step per batch.

    Args:
        model: maps a batch of images to batch x 10 logits.
        loader: yields ``(images, labels)``.
        optimizer: updates ``model``'s parameters.
        criterion: e.g. ``nn.CrossEntropyLoss()``.

    Returns:
        the mean of the batch losses.
    """
    ### BEGIN SOLUTION
    # HINT en: model.train(); for each batch: optimizer.zero_grad(), loss = criterion(model(images), labels), loss.backward(), optimizer.step(); return the mean of loss.item()
    # HINT es: model.train(); por cada batch: optimizer.zero_grad(), loss = criterion(model(images), labels), loss.backward(), optimizer.step(); devuelve la media de loss.item()
    # HINT fr: model.train() ; pour chaque batch : optimizer.zero_grad(), loss = criterion(model(images), labels), loss.backward(), optimizer.step() ; renvoyez la moyenne des loss.item()
    model.train()
    losses = []
    for images, labels in loader:
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / max(len(losses), 1)
    ### END SOLUTION


def evaluate(model: nn.Module, loader: Iterable[tuple[torch.Tensor, torch.Tensor]]) -> float:
    """Accuracy of ``model`` on ``loader``, in percent, without tracking gradients.

    Args:
        model: maps a batch of images to batch x 10 logits.
        loader: yields ``(images, labels)``.

    Returns:
        100 * correct / total.
    """
    ### BEGIN SOLUTION
    # HINT en: model.eval() and torch.no_grad(); count logits.argmax(1) == labels over all batches
    # HINT es: model.eval() y torch.no_grad(); cuenta logits.argmax(1) == labels en todos los batches
    # HINT fr: model.eval() et torch.no_grad() ; comptez logits.argmax(1) == labels sur tous les batchs
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for images, labels in loader:
            correct += (model(images).argmax(1) == labels).sum().item()
            total += labels.numel()
    return 100.0 * correct / max(total, 1)
    ### END SOLUTION
