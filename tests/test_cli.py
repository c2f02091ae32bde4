"""The convkit command: every subcommand comes from its command module, and --help is fast."""
from __future__ import annotations

import subprocess
import sys

import pytest

from grader.commands import cli


@pytest.mark.parametrize("name", sorted(cli.COMMANDS))
def test_each_subcommand_comes_from_its_module(name: str) -> None:
    parser = cli.build_parser(only=name)
    (action,) = [a for a in parser._actions if a.dest == "command"]
    assert list(action.choices) == [name]


def test_a_light_subcommand_does_not_import_torch(tmp_path) -> None:
    code = (
        "import sys; from grader.commands import cli; "
        f"cli.main(['stubs', '--out', {str(tmp_path)!r}]); "
        "print('torch' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("False"), out


@pytest.mark.parametrize("argv", [["--help"], ["--version"], *([name, "--help"] for name in sorted(cli.COMMANDS))])
def test_help_and_version_import_neither_torch_nor_nbgrader(argv: list[str]) -> None:
    code = (
        "import sys; from grader.commands import cli\n"
        f"try:\n    cli.main({argv!r})\nexcept SystemExit:\n    pass\n"
        "print(sorted({'torch', 'nbgrader'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "[]", out
