"""The command line imports a command's module only when that command runs (fast start), and every
registered command loads and shows its help."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from rtio.cli.group import LAZY_COMMANDS
from rtio.cli.main import app

PROBE = """
import sys
from rtio.cli.main import app
try:
    app({args!r}, prog_name="rtio")
except SystemExit:
    pass
heavy = sorted(m for m in ("pandas", "numpy", "polars", "matplotlib", "statsmodels", "dask",
               "fhir", "scipy") if m in sys.modules)
commands = sorted(m for m in sys.modules if m.startswith("rtio.cli.") and m.endswith("_cmds"))
print(heavy, commands)
"""


def _imported(args: list[str]) -> str:
    done = subprocess.run(
        [sys.executable, "-c", PROBE.format(args=args)], capture_output=True, text=True, check=True
    )
    return done.stdout.strip().splitlines()[-1]


def test_help_and_version_import_no_command_module_and_no_heavy_library() -> None:
    assert _imported(["--help"]) == "[] []"
    assert _imported(["--version"]) == "[] []"


def test_a_command_help_imports_only_its_own_module() -> None:
    assert _imported(["validate", "--help"]) == "[] ['rtio.cli.study_cmds']"


@pytest.mark.parametrize("name", list(LAZY_COMMANDS))
def test_every_registered_command_loads_and_shows_help(name: str) -> None:
    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "--debug" in result.output


def test_the_command_list_shows_each_registered_help_line() -> None:
    result = CliRunner().invoke(app, ["--help"], env={"COLUMNS": "250"})
    assert result.exit_code == 0
    for name, entry in LAZY_COMMANDS.items():
        assert f"{name} " in result.output and entry.help in result.output
