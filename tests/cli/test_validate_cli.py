"""`rtio validate` exits 0 on a valid study and 1 with the problems listed otherwise."""

import json
from pathlib import Path

from typer.testing import CliRunner

from rtio.cli.main import app


def test_validate_valid_study_exits_zero(study: Path, runner: CliRunner) -> None:
    result = runner.invoke(app, ["validate", str(study)])
    assert result.exit_code == 0, result.output
    assert "valid" in result.output and "0 errors" in result.output


def test_validate_broken_study_exits_one_with_json(study: Path, runner: CliRunner) -> None:
    subjects = study / "subjects.csv"
    lines = subjects.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[2].split(",")  # spreadsheet row 3
    cells[header.index("sex")] = "X"
    lines[2] = ",".join(cells)
    subjects.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["validate", str(study), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert report["n_errors"] >= 1
    issue = next(i for i in report["issues"] if i["column"] == "sex")
    assert (issue["file"], issue["row"], issue["value"]) == ("subjects.csv", 3, "X")
