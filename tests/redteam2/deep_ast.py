"""Expressions nested far too deep for a recursive AST walk, in a function with a rule.

Before: the static check's recursion (or ast.parse) raised RecursionError on the grading side.
"""
from pathlib import Path

from _reference import source, write


def build(folder: Path) -> None:
    write(folder, "output_size.py", source("output_size"))
    chain = "torch" + ".nn" * 5000
    code = source("maxpool").replace(
        "def maxpool2d_unfold(", f"def _deep():\n    return {chain}\n\n\ndef maxpool2d_unfold(", 1)
    code += "\n\n_SUM = " + " + ".join(["1"] * 200_000) + "\n"
    write(folder, "maxpool.py", code)
