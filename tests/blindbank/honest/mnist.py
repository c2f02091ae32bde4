"""Three small CNNs for MNIST and the loops that train and evaluate them."""
import torch
import torch.nn as nn

from loop_conv import Conv1D, Conv2D


class AsSequence(nn.Module):
    """batch x 1 x 28 x 28 (or batch x 1 x 784) -> batch x 1 x 784."""

    def forward(self, x):
        return x.reshape(len(x), 1, -1)


def build_cnn():
    """torch layers with max-pooling: 21,578 parameters, batch x 1 x 28 x 28 -> batch x 10."""
    layers = []
    for c_in, c_out, pool in ((1, 8, True), (8, 16, True), (16, 32, False)):
        layers += [nn.Conv2d(c_in, c_out, 3, padding=1), nn.ReLU()]
        if pool:
            layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(32 * 7 * 7, 10))


def build_cnn2d():
    """The student's Conv2D with strides 2, 2, 1 instead of pooling: 21,578 parameters."""
    layers = []
    for c_in, c_out, stride in ((1, 8, 2), (8, 16, 2), (16, 32, 1)):
        layers += [Conv2D(c_in, c_out, stride=stride, kernel_size=3, padding=1), nn.ReLU()]
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(32 * 7 * 7, 10))


def build_cnn1d():
    """The student's Conv1D over the 784-long sequence, strides 2, 2, 2: 33,370 parameters."""
    layers = [AsSequence()]
    for c_in, c_out in ((1, 8), (8, 16), (16, 32)):
        layers += [Conv1D(c_in, c_out, stride=2, kernel_size=3, padding=1), nn.ReLU()]
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(32 * 98, 10))


def train_epoch(model, loader, optimizer, criterion):
    """One pass over loader; the mean of the batch losses (a float)."""
    model.train()
    losses = []
    for images, labels in loader:
        optimizer.zero_grad()
        loss = criterion(model(images), labels)
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    return sum(losses) / len(losses)


def evaluate(model, loader):
    """Accuracy of model on loader, in percent."""
    model.eval()
    right = seen = 0
    with torch.no_grad():
        for images, labels in loader:
            right += int((model(images).argmax(dim=1) == labels).sum())
            seen += len(labels)
    return 100.0 * right / seen
