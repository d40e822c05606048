"""``rtio derive`` on a simulated seed-004 study: tables written, one PFS/OS row per subject, and
PD dates taken from the first scan showing progression."""

from __future__ import annotations

import pandas as pd
from typer.testing import CliRunner

from rtio.cli.main import app


def test_rtio_derive_writes_adrs_and_adtte(tmp_path):
    runner = CliRunner()
    study = tmp_path / "study"
    res = runner.invoke(
        app, ["simulate", "ChiCTR2100046715", "--n", "12", "--seed", "3", "--out", str(study)]
    )
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["derive", str(study), "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "baseline window 14 days" in res.output  # seed 004: baseline CT within 14 days
    adrs = pd.read_csv(tmp_path / "out" / "adrs.csv")
    adtte = pd.read_csv(tmp_path / "out" / "adtte.csv")
    assert set(adrs["paramcd"]) == {"OVR", "BOR", "CBOR"}
    assert (adrs["paramcd"] == "CBOR").sum() == 12
    assert (adtte["paramcd"] == "PFS").sum() == 12
    assert (adtte["paramcd"] == "OS").sum() == 12
    pfs = adtte[adtte["paramcd"] == "PFS"].set_index("subject_id")
    first_pd = (
        adrs[(adrs["paramcd"] == "OVR") & (adrs["avalc"] == "PD")]
        .groupby("subject_id")["adt"]
        .min()
    )
    for sid, date in first_pd.items():
        if pfs.loc[sid, "cnsr"] == 0 and pfs.loc[sid, "evntdesc"].startswith("Progressive"):
            assert pfs.loc[sid, "adt"] == date
