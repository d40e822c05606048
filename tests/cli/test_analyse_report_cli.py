"""`rtio analyse` and `rtio report` from the command line on a simulated seed-004-protocol study."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from rtio.cli.main import app


def test_analyse_writes_results_beside_the_study_and_prints_a_summary(
    study: Path, runner: CliRunner
) -> None:
    result = runner.invoke(app, ["analyse", str(study)])
    assert result.exit_code == 0, result.output
    results = json.loads((study.parent / "study-analyse.json").read_text())
    assert results["meta"]["protocol_id"] == "ChiCTR2100046715"
    assert results["populations"]["ITT"] == 12
    assert "ORR" in result.output and "PFS" in result.output
    assert f"results: {study.parent / 'study-analyse.json'}" in result.output


def test_analyse_into_an_existing_folder_and_as_json(study: Path, runner: CliRunner) -> None:
    folder = study.parent / "results"
    folder.mkdir()
    result = runner.invoke(app, ["analyse", str(study), "--out", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.output)
    assert printed == json.loads((folder / "results.json").read_text())


def test_report_writes_every_format_with_a_manifest(study: Path, runner: CliRunner) -> None:
    out = study.parent / "rep"
    result = runner.invoke(app, ["report", str(study), "--out", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("report.html", "report.docx", "report.pdf", "results.json", "manifest.json"):
        assert (out / name).stat().st_size > 0, name
    assert any((out / "figures").glob("*.png"))
    assert (out / "report.pdf").read_bytes().startswith(b"%PDF")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"] == "report" and manifest["options"]["format"] == [
        "html",
        "docx",
        "pdf",
    ]
    printed = [line for line in result.output.splitlines() if line.strip()]
    assert str(out / "report.html") in printed
