"""study -> SDTM -> study reproduces every column of every table, for every shipped protocol and
each exchange format, and the import report accounts for every source row."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from rtio.cli.main import app

from .conftest import PROTOCOLS, read_report, reconciled, study_differences

runner = CliRunner()


def _round_trip(simulated, protocol, fmt, tmp_path):
    sdtm, back = tmp_path / "sdtm", tmp_path / "back"
    res = runner.invoke(
        app, ["export", "sdtm", str(simulated[protocol]), "--out", str(sdtm), "--format", fmt]
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app, ["import", "sdtm", str(sdtm), "--protocol", protocol, "--out", str(back)]
    )
    assert res.exit_code == 0, res.output
    return sdtm, back


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_sdtm_round_trip_is_exact(simulated, protocol, tmp_path):
    _, back = _round_trip(simulated, protocol, "xpt", tmp_path)
    assert study_differences(simulated[protocol], back) == []
    report = read_report(back)
    assert report["ok"] and report["validation"]["ok"]
    assert reconciled(report)
    # the only rows without a place are the subject visits (SV): the study format has no visit table
    assert {r["source"] for r in report["rejected"]} <= {"SV"}
    assert all(r["kind"] == "not_imported" for r in report["rejected"])


@pytest.mark.parametrize(
    ("protocol", "fmt"),
    [
        ("ChiCTR2100046715", "dataset-json"),
        ("lv2026-escc-induction-rt", "csv"),
        pytest.param("ChiCTR2100046715", "csv", marks=pytest.mark.slow),
        pytest.param("lv2026-escc-induction-rt", "dataset-json", marks=pytest.mark.slow),
    ],
)
def test_sdtm_round_trip_in_every_format(simulated, protocol, fmt, tmp_path):
    sdtm, back = _round_trip(simulated, protocol, fmt, tmp_path)
    suffix = {"dataset-json": ".json", "csv": ".csv"}[fmt]
    assert (sdtm / f"dm{suffix}").exists()
    assert study_differences(simulated[protocol], back) == []


def test_imported_study_runs_derive_analyse_report(simulated, tmp_path):
    _, back = _round_trip(simulated, "ChiCTR2100046715", "xpt", tmp_path)
    res = runner.invoke(app, ["validate", str(back)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["derive", str(back), "--out", str(tmp_path / "derived")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["analyse", str(back), "--out", str(tmp_path / "results.json")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(
        app, ["report", str(back), "--format", "html", "--out", str(tmp_path / "report")]
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "report" / "report.html").exists() or any(
        (tmp_path / "report").glob("*.html")
    )
