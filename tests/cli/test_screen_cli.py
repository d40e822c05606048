"""``rtio screen`` on a small candidates file."""

import json

import pandas as pd
from typer.testing import CliRunner

import rtio.cli.eligibility_cmds as cmds
from rtio.cli.main import app

CRITERIA = [
    {
        "id": "I1",
        "kind": "inclusion",
        "text": "ECOG 0-1",
        "rule": {"fact": "ecog", "in": [0, 1]},
        "manual": False,
    },
    {
        "id": "I2",
        "kind": "inclusion",
        "text": "ANC >= 1.5 x10^9/L within 7 days",
        "rule": {"fact": "anc", "op": ">=", "value": 1.5, "unit": "10^9/L", "within_days": 7},
        "manual": False,
    },
]


def test_screen_command_writes_study_screening_table(tmp_path, monkeypatch):
    monkeypatch.setattr(cmds, "_criteria", lambda *_: CRITERIA)
    pd.DataFrame(
        {
            "candidate_id": ["a", "b", "c"],
            "screening_date": ["2026-01-10"] * 3,
            "ecog": [0, 2, 1],
            "anc": [2.0, 2.0, 1.2],
            "anc_unit": ["10^9/L", "10^9/L", "10^3/uL"],
            "anc_date": ["2026-01-08", "2026-01-08", "2026-01-03"],
        }
    ).to_csv(tmp_path / "cand.csv", index=False)
    out = tmp_path / "screening.csv"
    res = CliRunner().invoke(
        app, ["screen", "P", str(tmp_path / "cand.csv"), "--out", str(out), "--json"]
    )
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output)
    assert summary["screened"] == 3 and summary["excluded"] == 2 and summary["eligible"] == 1
    table = pd.read_csv(out)
    assert table["outcome"].tolist() == ["pending", "excluded", "excluded"]
    assert table["reason"].tolist()[1:] == ["I1", "I2"]
    assert table["screening_date"].tolist() == ["2026-01-10"] * 3
