"""REDCap both ways: the data dictionary of every shipped protocol, study -> dictionary + records ->
study reproducing every column, another project's names read through a mapping file, longitudinal
rows merged, and bad values named by file, row and field."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from rtio.cli.main import app
from rtio.interop.redcap.dictionary import HEADER
from rtio.protocol import load_protocol

from .conftest import PROTOCOLS, read_report, reconciled, study_differences

runner = CliRunner()


def with_protocol_arms(study: Path, protocol: str, folder: Path) -> Path:
    """A copy of a simulated study whose arms are the protocol's arm labels: REDCap captures the
    arm as a drop-down of the protocol's arms, while the simulator names arms its own way."""
    shutil.copytree(study, folder)
    labels = [a.label for a in load_protocol(protocol).arms]
    subjects = pd.read_csv(folder / "subjects.csv", dtype=str, keep_default_na=False)
    arms = sorted(subjects["arm"].unique())
    subjects["arm"] = subjects["arm"].map({a: labels[i % len(labels)] for i, a in enumerate(arms)})
    subjects.to_csv(folder / "subjects.csv", index=False)
    return folder


def export_project(study: Path, protocol: str, folder: Path) -> tuple[Path, Path]:
    dictionary, records = folder / "dictionary.csv", folder / "records.csv"
    res = runner.invoke(app, ["export", "redcap-dictionary", protocol, "--out", str(dictionary)])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["export", "redcap", str(study), "--out", str(records)])
    assert res.exit_code == 0, res.output
    return dictionary, records


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_dictionary_is_a_valid_redcap_dictionary(protocol, tmp_path):
    out = tmp_path / "dictionary.csv"
    res = runner.invoke(
        app,
        [
            "export",
            "redcap-dictionary",
            protocol,
            "--out",
            str(out),
            "--repeating-out",
            str(tmp_path / "repeating.csv"),
        ],
    )
    assert res.exit_code == 0, res.output
    dictionary = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(dictionary.columns) == HEADER
    names = dictionary["Variable / Field Name"]
    assert names.iloc[0] == "record_id" and names.is_unique
    assert names.map(lambda n: bool(re.fullmatch(r"[a-z][a-z0-9_]{0,99}", n))).all()
    assert set(dictionary["Field Type"]) <= {"text", "notes", "dropdown", "yesno"}
    assert set(dictionary["Text Validation Type OR Show Slider Number"]) <= {
        "",
        "integer",
        "number",
        "date_ymd",
    }
    forms = list(dict.fromkeys(dictionary["Form Name"]))
    assert forms == [
        "eligibility",
        "baseline",
        "treatment",
        "radiotherapy",
        "lesions",
        "measurements",
        "responses",
        "adverse_events",
        "labs",
        "biomarkers",
        "events",
        "surgery",
        "follow_up",
    ]
    by_name = dictionary.set_index("Variable / Field Name")
    assert by_name.loc["age", ["Text Validation Min", "Text Validation Max"]].tolist() == [
        "0",
        "120",
    ]
    assert by_name.loc["ecog", ["Text Validation Min", "Text Validation Max"]].tolist() == [
        "0",
        "5",
    ]
    assert by_name.loc["sx_viable_tumor_pct", "Text Validation Max"] == "100"
    assert (
        by_name.loc["ae_grade", "Choices, Calculations, OR Slider Labels"] == ""
    )  # a whole number, 1-5
    assert by_name.loc["ae_grade", ["Text Validation Min", "Text Validation Max"]].tolist() == [
        "1",
        "5",
    ]
    assert "CR" in by_name.loc["rsp_overall_response", "Choices, Calculations, OR Slider Labels"]
    arms = load_protocol(protocol).arms
    assert by_name.loc["arm", "Choices, Calculations, OR Slider Labels"] == " | ".join(
        f"{a.id}, {a.label}" for a in arms
    )
    criteria = load_protocol(protocol).eligibility
    assert (names.str.startswith("elig_")).sum() == len(criteria)
    repeating = pd.read_csv(tmp_path / "repeating.csv", dtype=str, keep_default_na=False)
    assert set(repeating["form_name"]) == set(forms) - {"eligibility", "baseline", "follow_up"}


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_redcap_round_trip_reproduces_the_study(simulated, protocol, tmp_path):
    study = with_protocol_arms(simulated[protocol], protocol, tmp_path / "study")
    dictionary, records = export_project(study, protocol, tmp_path)
    back = tmp_path / "back"
    res = runner.invoke(
        app,
        [
            "import",
            "redcap",
            str(records),
            "--dictionary",
            str(dictionary),
            "--protocol",
            protocol,
            "--out",
            str(back),
        ],
    )
    assert res.exit_code == 0, res.output
    assert study_differences(study, back) == []
    report = read_report(back)
    assert reconciled(report) and report["rejected"] == []
    assert report["validation"]["ok"]
    rows = pd.read_csv(records, dtype=str, keep_default_na=False)
    assert {"redcap_repeat_instrument", "redcap_repeat_instance"} <= set(rows.columns)
    assert sum(c["read"] for c in report["sources"].values()) == len(rows)


def _foreign_project(dictionary: Path, records: Path, folder: Path) -> tuple[Path, Path, Path]:
    """The same project with other names: record id, fields, instrument, sex coded 1/2 as words."""
    renames = {
        "record_id": "study_id",
        "sex": "gender",
        "age": "age_years",
        "ae_term": "ae_ctcae",
        "ae_grade": "ae_gr",
    }
    dic = pd.read_csv(dictionary, dtype=str, keep_default_na=False)
    dic["Variable / Field Name"] = dic["Variable / Field Name"].replace(renames)
    dic["Form Name"] = dic["Form Name"].replace({"adverse_events": "ae_log"})
    sex = dic["Variable / Field Name"] == "gender"
    dic.loc[sex, "Choices, Calculations, OR Slider Labels"] = "1, Male | 2, Female"
    rec = pd.read_csv(records, dtype=str, keep_default_na=False).rename(
        columns=renames | {"adverse_events_complete": "ae_log_complete"}
    )
    rec["redcap_repeat_instrument"] = rec["redcap_repeat_instrument"].replace(
        {"adverse_events": "ae_log"}
    )
    rec["site_notes"] = "free text the study format has no column for"
    dic.to_csv(folder / "their-dictionary.csv", index=False)
    rec.to_csv(folder / "their-records.csv", index=False)
    mapping = {
        "record_id": "study_id",
        "instruments": {"ae_log": "adverse_events"},
        "fields": {"gender": "sex", "age_years": "age", "ae_ctcae": "ae_term", "ae_gr": "ae_grade"},
        "values": {"sex": {"Male": "M", "Female": "F"}},
    }
    (folder / "mapping.yaml").write_text(yaml.safe_dump(mapping))
    return folder / "their-dictionary.csv", folder / "their-records.csv", folder / "mapping.yaml"


def test_another_project_is_read_through_a_mapping(simulated, tmp_path):
    protocol = "ChiCTR2100046715"
    study = with_protocol_arms(simulated[protocol], protocol, tmp_path / "study")
    dictionary, records = export_project(study, protocol, tmp_path)
    their_dictionary, their_records, mapping = _foreign_project(dictionary, records, tmp_path)
    back = tmp_path / "back"
    res = runner.invoke(
        app,
        [
            "import",
            "redcap",
            str(their_records),
            "--dictionary",
            str(their_dictionary),
            "--protocol",
            protocol,
            "--out",
            str(back),
            "--mapping",
            str(mapping),
        ],
    )
    assert res.exit_code == 0, res.output
    assert study_differences(study, back) == []
    report = read_report(back)
    assert any("site_notes" in d for d in report["derivations"])  # said, not silently dropped


def test_longitudinal_rows_are_merged_per_record(simulated, tmp_path):
    protocol = "yu2025-escc-local-rt"
    study = with_protocol_arms(simulated[protocol], protocol, tmp_path / "study")
    dictionary, records = export_project(study, protocol, tmp_path)
    rows = pd.read_csv(records, dtype=str, keep_default_na=False)
    flat = rows["redcap_repeat_instrument"] == ""
    baseline, follow = rows[flat].copy(), rows[flat].copy()
    baseline[["death_date", "death_cause", "last_known_alive_date"]] = ""
    follow[
        [
            c
            for c in rows.columns
            if c
            not in (
                "record_id",
                "redcap_repeat_instrument",
                "redcap_repeat_instance",
                "death_date",
                "death_cause",
                "last_known_alive_date",
            )
        ]
    ] = ""
    split = pd.concat(
        [
            baseline.assign(redcap_event_name="baseline_arm_1"),
            follow.assign(redcap_event_name="follow_up_arm_1"),
            rows[~flat].assign(redcap_event_name="baseline_arm_1"),
        ]
    )
    split.to_csv(records, index=False)
    back = tmp_path / "back"
    res = runner.invoke(
        app,
        [
            "import",
            "redcap",
            str(records),
            "--dictionary",
            str(dictionary),
            "--protocol",
            protocol,
            "--out",
            str(back),
        ],
    )
    assert res.exit_code == 0, res.output
    assert study_differences(study, back) == []
    assert reconciled(read_report(back))


def test_bad_values_are_named_by_file_row_and_field(simulated, tmp_path):
    protocol = "lv2026-escc-induction-rt"
    study = with_protocol_arms(simulated[protocol], protocol, tmp_path / "study")
    dictionary, records = export_project(study, protocol, tmp_path)
    rows = pd.read_csv(records, dtype=str, keep_default_na=False)
    ae = rows.index[rows["redcap_repeat_instrument"] == "adverse_events"]
    rows.loc[ae[0], "ae_start_date"] = "2021-02-30"
    rows.loc[ae[1], "ae_grade"] = "9"
    rows.loc[0, "age"] = "sixty"
    rows.to_csv(records, index=False)
    back = tmp_path / "back"
    res = runner.invoke(
        app,
        [
            "import",
            "redcap",
            str(records),
            "--dictionary",
            str(dictionary),
            "--protocol",
            protocol,
            "--out",
            str(back),
        ],
    )
    assert res.exit_code == 1
    report = read_report(back)
    assert reconciled(report)
    rejected = pd.DataFrame(report["rejected"]).set_index("record")
    assert rejected.loc[ae[0] + 1, ["file", "variable", "value"]].tolist() == [
        "records.csv",
        "ae_start_date",
        "2021-02-30",
    ]
    assert rejected.loc[ae[1] + 1, ["variable", "value", "reason"]].tolist() == [
        "ae_grade",
        "9",
        "must be <= 5",
    ]
    assert rejected.loc[1, ["variable", "reason"]].tolist() == ["age", "not a number"]
