"""Shared study folders for the command-line tests: simulated once per session, copied per test."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from rtio.simulate.protocols import write_protocol_study


@pytest.fixture(scope="session")
def simulated(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, int], Path]:
    """A simulated study of a shipped protocol (n subjects, seed 3), made once per session."""
    made: dict[tuple[str, int], Path] = {}

    def make(protocol: str, n: int = 12) -> Path:
        if (protocol, n) not in made:
            folder = tmp_path_factory.mktemp("sim") / f"{protocol}-{n}"
            made[(protocol, n)] = write_protocol_study(folder, protocol, n, 3)
        return made[(protocol, n)]

    return make


@pytest.fixture
def study(simulated: Callable[[str, int], Path], tmp_path: Path) -> Path:
    """A fresh copy of a 12-subject simulated seed-004-protocol study, in tmp_path/study."""
    return Path(shutil.copytree(simulated("ChiCTR2100046715", 12), tmp_path / "study"))


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(autouse=True)
def _wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich wraps at the terminal width; a wide one keeps messages on one line for the asserts."""
    monkeypatch.setenv("COLUMNS", "250")
