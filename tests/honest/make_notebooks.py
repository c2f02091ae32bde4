"""Write the honest submission's notebooks (tests/honest/notebooks/*.ipynb) from its .py files.

Run from the repository: ``python tests/honest/make_notebooks.py``. Each notebook is what a
student writing from scratch in Jupyter would hand in: a title, a first cell importing
``notebook_import`` (so ``from output_size import ...`` loads output_size.ipynb), then one
code cell per import block / function / class, and a last cell that tries the functions.
tests/test_honest.py checks the committed notebooks match this script's output.
"""
from __future__ import annotations

import ast
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
OUT = HERE / "notebooks"
EXERCISES = ("output_size", "loop_conv", "im2col_conv", "maxpool", "backward", "worked_example", "mnist")
# A cell a student would add to try their work; it runs when the notebook is graded too.
TRIES = {
    "output_size": "print(calculate_out(torch.zeros(1, 1, 6, 6), (3, 3)))",
    "im2col_conv": "print(im2col(torch.arange(9.).view(1, 1, 3, 3), 2))",
    "maxpool": "print(maxpool2d_unfold(torch.arange(16.).view(1, 1, 4, 4), 2))",
}


def cells(source: str) -> list[str]:
    """The module split before each top-level def or class (the docstring left out)."""
    tree = ast.parse(source)
    lines = source.splitlines()
    body = tree.body[1:] if ast.get_docstring(tree) else tree.body
    starts = [node.lineno - 1 for node in body if isinstance(node, (ast.FunctionDef, ast.ClassDef))]
    bounds = [body[0].lineno - 1, *starts, len(lines)]
    return [text for a, b in zip(bounds, bounds[1:]) if (text := "\n".join(lines[a:b]).strip())]


def notebook(name: str) -> str:
    source = (HERE / f"{name}.py").read_text(encoding="utf-8")
    book = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                              "language": "python"}})
    book.cells = [nbformat.v4.new_markdown_cell(f"# {ast.get_docstring(ast.parse(source))}", id=f"{name}-title"),
                  nbformat.v4.new_code_cell("import notebook_import  # my other notebooks become importable",
                                            id=f"{name}-import")]
    book.cells += [nbformat.v4.new_code_cell(text, id=f"{name}-{i}") for i, text in enumerate(cells(source))]
    if name in TRIES:
        book.cells.append(nbformat.v4.new_code_cell(TRIES[name], id=f"{name}-try"))
    return nbformat.writes(book) + "\n"


def render() -> dict[str, str]:
    return {f"{name}.ipynb": notebook(name) for name in EXERCISES}


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    for file, text in render().items():
        (OUT / file).write_text(text, encoding="utf-8")
