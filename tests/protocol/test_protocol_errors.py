"""Broken protocol files give errors naming the file and the field path; the CLI commands."""

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from rtio.cli.main import app
from rtio.protocol import ProtocolError, load_protocol
from rtio.protocol.loader import _shipped_dir

runner = CliRunner()


def shipped(pid: str) -> dict:
    return yaml.safe_load((_shipped_dir() / f"{pid}.yaml").read_text(encoding="utf-8"))


def write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "protocol.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def broken(tmp_path: Path, mutate) -> str:
    data = shipped("ChiCTR2100046715")
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(ProtocolError) as info:
        load_protocol(path)
    message = str(info.value)
    assert str(path) in message
    return message


def test_wrong_criterion_kind_names_index_and_field(tmp_path):
    def mutate(d):
        d["eligibility"][3]["kind"] = "inclusive"

    msg = broken(tmp_path, mutate)
    assert "eligibility[3].kind" in msg
    assert "'inclusive'" in msg


def test_misspelt_field_is_an_error(tmp_path):
    def mutate(d):
        d["regimens"][0]["cycle_lenght_days"] = 21

    assert "regimens[0].cycle_lenght_days: Extra inputs are not permitted" in broken(
        tmp_path, mutate
    )


def test_reversed_range_names_the_prescription(tmp_path):
    def mutate(d):
        d["radiotherapy"][0]["total_dose_gy"] = {"min": 50.4, "max": 50}

    msg = broken(tmp_path, mutate)
    assert "radiotherapy[0].total_dose_gy" in msg
    assert "min (50.4) is greater than max (50.0)" in msg


def test_bad_number_and_missing_required_field(tmp_path):
    def mutate(d):
        d["statistical_plan"]["alpha"] = "five percent"
        del d["design"]["type"]

    msg = broken(tmp_path, mutate)
    assert "statistical_plan.alpha" in msg
    assert "design.type: Field required" in msg
    assert "2 invalid field(s)" in msg


def test_unknown_regimen_in_arm_and_duplicate_criterion(tmp_path):
    def mutate(d):
        d["arms"][0]["regimens"].append("nivolumab")

    assert "arms[0].regimens: unknown regimen id 'nivolumab'" in broken(tmp_path, mutate)

    def dup(d):
        d["eligibility"][1]["id"] = "I1"

    assert "eligibility[1].id: duplicate id 'I1'" in broken(tmp_path, dup)


def test_timepoint_reading_needs_timepoint(tmp_path):
    def mutate(d):
        d["endpoints"][1]["readings"][1].pop("timepoint")

    msg = broken(tmp_path, mutate)
    assert "endpoints[1].readings[1]" in msg
    assert "needs timepoint and anchor" in msg


def test_invalid_yaml_and_missing_file(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\ntitle: [unclosed\n", encoding="utf-8")
    with pytest.raises(ProtocolError, match=r"bad\.yaml: not valid YAML"):
        load_protocol(path)
    with pytest.raises(ProtocolError, match=r"nope\.yaml: no such protocol file"):
        load_protocol(tmp_path / "nope.yaml")
    with pytest.raises(ProtocolError, match="unknown protocol 'NCT00000000'"):
        load_protocol("NCT00000000")
    path.write_text("- a list\n", encoding="utf-8")
    with pytest.raises(ProtocolError, match="must be a mapping"):
        load_protocol(path)


def test_a_copied_protocol_loads_from_its_path(tmp_path):
    p = load_protocol(write(tmp_path, shipped("NCT07235319")))
    assert p.id == "NCT07235319"


def test_cli_protocols_lists_all():
    result = runner.invoke(app, ["protocols", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["id"] for r in rows} == {
        "NCT07164690",
        "yu2025-escc-local-rt",
        "lv2026-escc-induction-rt",
        "NCT07235319",
        "ChiCTR2100046715",
    }
    result = runner.invoke(app, ["protocols"])
    assert result.exit_code == 0
    assert "ChiCTR2100046715" in result.output


def test_cli_protocol_show():
    result = runner.invoke(app, ["protocol", "show", "NCT07164690"])
    assert result.exit_code == 0, result.output
    assert "I7.1" in result.output
    assert "E14" in result.output
    result = runner.invoke(app, ["protocol", "show", "ChiCTR2100046715", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["statistical_plan"]["target_events"] == 16
    result = runner.invoke(app, ["protocol", "show", "missing.yaml"])
    assert result.exit_code == 2
    assert "missing.yaml" in result.output


def test_unknown_primary_population_is_named(tmp_path):
    def mutate(d):
        d["statistical_plan"]["primary_populations"] = ["ITT", "per_protocl"]

    assert "unknown population id 'per_protocl'" in broken(tmp_path, mutate)


def test_interim_fractions_must_increase_to_one(tmp_path):
    def mutate(d):
        d["statistical_plan"]["interim"] = {"looks": 2, "information_fractions": [0.5, 0.9]}

    assert "information_fractions must be 2 increasing values" in broken(tmp_path, mutate)


def test_unknown_success_rule_is_an_error(tmp_path):
    def mutate(d):
        d["statistical_plan"]["success_rule"] = {"rule": "looks_good"}

    assert "statistical_plan.success_rule.rule" in broken(tmp_path, mutate)
