"""`rtio validate` exits 0 on a valid study and 1 with the problems listed otherwise."""

import json
from pathlib import Path

from typer.testing import CliRunner

from rtio.cli.main import app

runner = CliRunner()


def test_validate_valid_study_exits_zero(valid_study: Path) -> None:
    result = runner.invoke(app, ["validate", str(valid_study)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output and "0 warnings" in result.output


def test_validate_broken_study_exits_one_with_json(
    study_tables, write_study, tmp_path: Path
) -> None:
    tables = {**study_tables, "subjects.csv": study_tables["subjects.csv"].replace(",F,", ",X,")}
    result = runner.invoke(app, ["validate", str(write_study(tmp_path / "b", tables)), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["n_errors"] == 1
    (issue,) = report["issues"]
    assert (issue["file"], issue["row"], issue["column"], issue["value"]) == (
        "subjects.csv",
        3,
        "sex",
        "X",
    )
