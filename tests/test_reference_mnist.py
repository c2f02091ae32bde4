"""Exercise 7: the three MNIST models (size, shapes) and the training / evaluation loops."""
from __future__ import annotations

import pytest
import torch
import torch.nn as nn

BUILDERS = {"build_cnn": 21_578, "build_cnn2d": 21_578, "build_cnn1d": 33_370}


@pytest.mark.parametrize("builder, count", BUILDERS.items(), ids=str)
def test_parameter_count_and_logits_shape(ref, gen, builder, count):
    model = getattr(ref("mnist"), builder)()
    assert sum(p.numel() for p in model.parameters()) == count
    assert model(torch.randn(3, 1, 28, 28, generator=gen)).shape == (3, 10)


def test_models_are_built_from_the_right_layers(ref):
    mnist, loop = ref("mnist"), ref("loop_conv")
    layers = lambda model, kind: [m for m in model.modules() if isinstance(m, kind)]
    assert len(layers(mnist.build_cnn(), nn.Conv2d)) == 3 and len(layers(mnist.build_cnn(), nn.MaxPool2d)) == 2
    assert [m.stride for m in layers(mnist.build_cnn2d(), loop.Conv2D)] == [2, 2, 1]
    assert [m.stride for m in layers(mnist.build_cnn1d(), loop.Conv1D)] == [2, 2, 2]


def test_cnn1d_reads_images_and_sequences_alike(ref, gen):
    model = ref("mnist").build_cnn1d()
    images = torch.randn(2, 1, 28, 28, generator=gen)
    torch.testing.assert_close(model(images.view(2, 1, 784)), model(images))


def _separable_batches(gen: torch.Generator, sizes=(16, 16, 16, 5)) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Two classes anyone can tell apart: a bright top half (label 0) or bottom half (label 1)."""
    batches = []
    for size in sizes:
        labels = torch.randint(0, 2, (size,), generator=gen)
        images = torch.rand(size, 1, 28, 28, generator=gen) * 0.3
        rows = torch.arange(28).view(1, 1, 28, 1)
        bright = (rows < 14) == (labels.view(-1, 1, 1, 1) == 0)
        batches.append((images + bright.float(), labels))
    return batches


class _RecordingLoss(nn.Module):
    """Cross-entropy that remembers every batch loss it returned."""

    def __init__(self):
        super().__init__()
        self.losses: list[float] = []

    def forward(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        loss = nn.functional.cross_entropy(logits, labels)
        self.losses.append(loss.item())
        return loss


def test_train_epoch_returns_the_mean_loss_and_lowers_it(ref, gen):
    torch.manual_seed(0)
    mnist = ref("mnist")
    model, batches = mnist.build_cnn(), _separable_batches(gen)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    means = []
    for _ in range(3):
        criterion = _RecordingLoss()
        means.append(mnist.train_epoch(model, batches, optimizer, criterion))
        assert len(criterion.losses) == len(batches)
        assert means[-1] == pytest.approx(sum(criterion.losses) / len(batches))
    assert means[-1] < 0.5 * means[0]
    assert mnist.evaluate(model, batches) == 100.0


def test_evaluate_is_the_percentage_of_correct_predictions_without_gradients(ref, gen):
    torch.manual_seed(1)
    mnist = ref("mnist")
    model = mnist.build_cnn()
    images = [x for x, _ in _separable_batches(gen, sizes=(16, 7))]
    # Labels that agree with the model's prediction on every other image: a known count.
    with torch.no_grad():
        predicted = [model(x).argmax(1) for x in images]
    labels = [torch.where(torch.arange(len(p)) % 2 == 0, p, (p + 1) % 10) for p in predicted]
    correct = sum((p == y).sum().item() for p, y in zip(predicted, labels))
    assert correct == 8 + 4
    grad_enabled = []
    model.register_forward_hook(lambda module, args, out: grad_enabled.append(torch.is_grad_enabled()))
    assert mnist.evaluate(model, list(zip(images, labels))) == pytest.approx(100.0 * correct / 23)
    assert grad_enabled and not any(grad_enabled)
