"""The grader's folders show its trust boundary: layers, no cycles, and a closed runtime.

The layers are declared once, in pyproject.toml's ``[tool.importlinter]`` (commands ->
features -> suites -> grading -> isolation -> course -> runtime). Every import counts,
including imports inside functions.
"""
from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

from grader.course.assignment import EXERCISES, LANGUAGES, NOTEBOOKS, REPO, STUBS, solution_path

RUNTIME = REPO / "grader" / "runtime"


def test_every_layer_imports_only_from_layers_below_it() -> None:
    lint = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache"], cwd=REPO,
                          capture_output=True, text=True)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def _cycle(graph: grimp.ImportGraph) -> list[str]:
    """One import cycle among grader's modules, or [] (depth-first search)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str]:
        state[module] = 1
        path.append(module)
        for target in sorted(graph.find_modules_directly_imported_by(module)):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        state[module] = 2
        path.pop()
        return []

    for module in sorted(graph.modules):
        if module not in state and (found := visit(module)):
            return found
    return []


def test_no_import_cycles() -> None:
    cycle = _cycle(grimp.build_graph("grader"))
    assert not cycle, " -> ".join(cycle)


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            roots.add(node.module)
        elif isinstance(node, ast.ImportFrom):
            roots.add("grader.runtime")  # a relative import stays inside the package
    return roots


@pytest.mark.parametrize("path", sorted(RUNTIME.glob("*.py")), ids=lambda p: p.name)
def test_the_runtime_imports_only_the_standard_library_torch_and_itself(path: Path) -> None:
    allowed = lambda name: (name.split(".")[0] in sys.stdlib_module_names or name.split(".")[0] == "torch"
                            or name == "grader.runtime" or name.startswith("grader.runtime."))
    assert not {name for name in _imported_roots(path) if not allowed(name)}


@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_exercise_has_all_its_parts(exercise: str) -> None:
    parts = [solution_path(exercise), STUBS / f"{exercise}.py", REPO / "grader" / "course" / "lessons" / f"{exercise}.md",
             REPO / "grader" / "suites" / f"test_{exercise}.py",
             *(NOTEBOOKS / lang / "cnn" / f"{exercise}.ipynb" for lang in LANGUAGES)]
    missing = [str(part.relative_to(REPO)) for part in parts if not part.is_file()]
    assert not missing, f"{exercise} lacks {', '.join(missing)} (see CONTRIBUTING.md, adding an exercise)"


def _layout_folders() -> set[str]:
    """The folders the README's layout table names (backquoted paths in its first column)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    table = text.split("## Layout", 1)[1].split("\n## ", 1)[0]
    first_cells = [line.split("|")[1] for line in table.splitlines() if line.startswith("| `")]
    return {name.strip("/") for cell in first_cells for name in re.findall(r"`([^`]+)`", cell)}


def test_the_readme_layout_table_matches_the_tree() -> None:
    named = _layout_folders()
    assert all((REPO / folder).is_dir() for folder in named), sorted(f for f in named if not (REPO / f).is_dir())
    packages = {f"grader/{p.name}" for p in (REPO / "grader").iterdir() if (p / "__init__.py").is_file()}
    top = {p.name for p in REPO.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name != "grader"
           and p.name not in ("out", "build") and not p.name.endswith(".egg-info")}
    assert packages <= named, sorted(packages - named)
    assert {t for t in top if t != "solutions"} <= named | {"solutions"}, sorted(top - named)


def _dist(name: str) -> str:
    """A distribution's name as pip compares them (PEP 503: case and runs of -_. do not matter)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _declared_closure() -> set[str]:
    """The distributions ``pip install convkit`` brings: pyproject's dependencies and theirs,
    with the extras each requirement asks for (``dask[distributed]``) and no others."""
    import tomllib
    from importlib import metadata

    def parse(requirement: str) -> tuple[str, set[str]]:
        head = re.match(r"\s*([A-Za-z0-9._-]+)\s*(?:\[([^\]]*)\])?", requirement)
        return _dist(head[1]), {e.strip() for e in (head[2] or "").split(",") if e.strip()}

    pending = [parse(r) for r in tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]]
    found: set[str] = set()
    while pending:
        dist, extras = pending.pop()
        if dist in found and not extras:
            continue
        found.add(dist)
        try:
            requires = metadata.requires(dist) or []
        except metadata.PackageNotFoundError:
            continue
        for requirement in requires:
            wanted = re.search(r"extra\s*==\s*['\"]([^'\"]+)['\"]", requirement)
            if wanted is None or wanted[1] in extras:
                pending.append(parse(requirement))
    return found


def test_everything_the_grader_imports_is_installed_by_its_own_dependencies() -> None:
    # The kit's tests run in a venv with the dev extras; Gradescope's and PrairieLearn's
    # images install the kit alone, so a module only the dev extras bring breaks grading there.
    from importlib import metadata

    owners = metadata.packages_distributions()
    declared = _declared_closure()
    missing = {}
    for path in (REPO / "grader").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else [])
            # pip: every venv has it (./kit and the platform images make one).
            for top in {n.partition(".")[0] for n in names} - set(sys.stdlib_module_names) - {"grader", "pip"}:
                dists = {_dist(d) for d in owners.get(top, [])}
                if not dists & declared:
                    missing.setdefault(top, []).append(str(path.relative_to(REPO)))
    assert not missing, f"imported by the grader, not installed by pyproject's dependencies: {missing}"
