"""ClinicalTrials.gov API v2 record for NCT07164690 (written by hand from seed 000) -> protocol skeleton."""

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from rtio.cli.eligibility_cmds import import_ctgov
from rtio.eligibility.ctgov import ctgov_to_protocol, split_criteria

RECORD = Path(__file__).parent / "data" / "NCT07164690_ctgov_v2.json"


def test_seed000_record_skeleton():
    p = ctgov_to_protocol(json.loads(RECORD.read_text(encoding="utf-8")))
    assert p["id"] == "NCT07164690"
    assert (p["status"], p["phase"], p["enrolment"]) == ("NOT_YET_RECRUITING", ["PHASE2"], 32)
    assert p["arms"][0]["label"] == "LDRT" and p["interventions"][0]["type"] == "RADIATION"
    crit = p["eligibility"]
    inc = [c["id"] for c in crit if c["kind"] == "inclusion"]
    exc = [c["id"] for c in crit if c["kind"] == "exclusion"]
    assert inc == ["I1", "I2", "I3", "I4", "I5", "I6", "I7", "I7.1", "I7.2", "I7.3", "I8"]
    assert exc == [f"E{i}" for i in range(1, 15)]
    assert all(c["manual"] and c["rule"] is None for c in crit)
    assert crit[0]["text"] == "Age≥18 years old;"
    assert next(c for c in crit if c["id"] == "E7")["text"] == "Mixed small-cell histology."


def test_split_rejects_text_without_heading():
    with pytest.raises(ValueError, match="heading"):
        split_criteria("* Age >= 18")


def test_numbered_items_and_continuation_lines():
    crit = split_criteria(
        "Inclusion Criteria:\n  1. Age 18-70 years,\n     any gender.\nExclusion Criteria:\n  1. HIV infection"
    )
    assert [(c["id"], c["text"]) for c in crit] == [
        ("I1", "Age 18-70 years, any gender."),
        ("E1", "HIV infection"),
    ]


def test_import_ctgov_command_writes_yaml(tmp_path):
    import typer

    app = typer.Typer()
    app.command()(import_ctgov)
    out = tmp_path / "protocol.yaml"
    res = CliRunner().invoke(app, [str(RECORD), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["eligibility"][6]["id"] == "I7"
