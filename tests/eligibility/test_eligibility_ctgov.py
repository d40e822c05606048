"""ClinicalTrials.gov API v2 record for NCT07164690 (written by hand from seed 000) -> a protocol
that loads, with the free-text criteria manual and the structured limits as rules."""

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from rtio.cli.eligibility_cmds import import_ctgov
from rtio.eligibility.ctgov import ctgov_to_protocol, split_criteria
from rtio.protocol import parse_protocol

RECORD = Path(__file__).parent / "data" / "NCT07164690_ctgov_v2.json"


def test_seed000_record_skeleton():
    data = ctgov_to_protocol(json.loads(RECORD.read_text(encoding="utf-8")))
    p = parse_protocol(data, "record")
    assert p.id == "NCT07164690"
    assert (p.phase, p.planned_enrollment, p.design.type) == ("2", 32, "single_arm")
    assert "NOT_YET_RECRUITING" in (p.design.text or "")
    assert p.arms[0].label == "LDRT" and p.arms[0].type == "experimental"
    assert "Radiation: Low Dose Radiation Therapy" in (p.arms[0].description or "")
    crit = data["eligibility"]
    inc = [c["id"] for c in crit if c["kind"] == "inclusion"]
    exc = [c["id"] for c in crit if c["kind"] == "exclusion"]
    assert inc == [
        "I1",
        "I2",
        "I3",
        "I4",
        "I5",
        "I6",
        "I7",
        "I7.1",
        "I7.2",
        "I7.3",
        "I8",
        "AGE_MIN",
    ]
    assert exc == [f"E{i}" for i in range(1, 15)]
    assert all(c["manual"] and c["rule"] is None for c in crit if c["id"] != "AGE_MIN")
    assert p.criterion("AGE_MIN").rule == {"fact": "age", "op": ">=", "value": 18, "unit": "years"}
    assert p.criterion("I7.2").parent == "I7"
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


def test_randomized_record_with_outcomes_ages_and_sex_round_trips():
    record = {
        "protocolSection": {
            "identificationModule": {
                "nctId": "NCT00000001",
                "briefTitle": "Short",
                "officialTitle": "A Long Official Title",
                "orgStudyIdInfo": {"id": "ORG-1"},
            },
            "conditionsModule": {"conditions": ["Nasopharyngeal Carcinoma"]},
            "designModule": {
                "studyType": "INTERVENTIONAL",
                "phases": ["PHASE2", "PHASE3"],
                "designInfo": {"allocation": "RANDOMIZED", "maskingInfo": {"masking": "NONE"}},
                "enrollmentInfo": {"count": 0},
            },
            "armsInterventionsModule": {
                "armGroups": [
                    {"label": "Immediate RT", "type": "EXPERIMENTAL"},
                    {"label": "Salvage RT", "type": "ACTIVE_COMPARATOR"},
                    {"label": "Salvage RT", "type": "OTHER"},
                ]
            },
            "outcomesModule": {
                "primaryOutcomes": [{"measure": "PFS", "timeFrame": "2 years"}],
                "secondaryOutcomes": [{"measure": "OS", "description": "death"}],
            },
            "eligibilityModule": {
                "eligibilityCriteria": "Inclusion Criteria:\n* Stage IV\nExclusion Criteria:\n* HIV",
                "sex": "FEMALE",
                "minimumAge": "18 Years",
                "maximumAge": "840 Months",
            },
        }
    }
    p = parse_protocol(ctgov_to_protocol(record), "record")
    assert (p.phase, p.design.type, p.planned_enrollment) == ("2/3", "randomized", None)
    assert p.title == "A Long Official Title" and p.short_title == "Short"
    assert [a.id for a in p.arms] == ["immediate_rt", "salvage_rt", "salvage_rt_2"]
    assert [a.type for a in p.arms] == ["experimental", "active_comparator", None]
    assert [(e.id, e.role) for e in p.endpoints] == [("P1", "primary"), ("S1", "secondary")]
    assert p.criterion("AGE_MAX").rule["value"] == 70
    assert p.criterion("SEX").rule == {"fact": "sex", "in": ["F"]}
    assert p.disease.name == "Nasopharyngeal Carcinoma"


def test_an_unreadable_age_is_an_error():
    record = {
        "protocolSection": {
            "identificationModule": {"nctId": "NCT1"},
            "eligibilityModule": {"minimumAge": "eighteen"},
        }
    }
    with pytest.raises(ValueError, match="minimumAge"):
        ctgov_to_protocol(record)
