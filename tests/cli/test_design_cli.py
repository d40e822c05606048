"""`rtio design` commands: the seed 004 design from its protocol, and a randomization list."""

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from rtio.cli.main import app

runner = CliRunner()


def test_single_arm_design_from_the_seed004_protocol() -> None:
    result = runner.invoke(
        app, ["design", "single-arm-survival", "--protocol", "ChiCTR2100046715", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["events"], data["patients"]) == (16, 32)


def test_randomize_writes_a_stratified_list(tmp_path: Path) -> None:
    out = tmp_path / "list.csv"
    result = runner.invoke(
        app,
        [
            "design",
            "randomize",
            "--n-per-stratum",
            "12",
            "--arms",
            "immediate,salvage",
            "--stratum",
            "ECOG=0,1",
            "--seed",
            "3",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    assert set(table.columns) >= {"stratum", "block_id", "block_size", "sequence", "arm"}
    assert table["stratum"].nunique() == 2
