"""Deliberately broken studies: each must be reported with the exact file, row, column and rule.

Rows are counted as a spreadsheet shows them: the header is row 1, the first data row is row 2.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rtio.io import validate_study


def _replace(tables: dict[str, str], name: str, old: str, new: str) -> dict[str, str]:
    assert old in tables[name], f"fixture has no {old!r} in {name}"
    return {**tables, name: tables[name].replace(old, new, 1)}


def _append(tables: dict[str, str], name: str, line: str) -> dict[str, str]:
    return {**tables, name: tables[name] + line + "\n"}


# (case id, mutation, expected (file, row, column, rule))
CASES = [
    (
        "missing-required-column",
        lambda t: {
            **t,
            "subjects.csv": t["subjects.csv"]
            .replace(",ecog", "", 1)
            .replace(",0,2021", ",2021")
            .replace(",1,2021", ",2021"),
        },
        ("subjects.csv", None, "ecog", "missing_column"),
    ),
    (
        "sex-outside-allowed",
        lambda t: _replace(t, "subjects.csv", "S02,treatment,F", "S02,treatment,female"),
        ("subjects.csv", 3, "sex", "allowed_values"),
    ),
    (
        "age-not-a-number",
        lambda t: _replace(t, "subjects.csv", ",M,70,", ",M,seventy,"),
        ("subjects.csv", 4, "age", "type"),
    ),
    (
        "ecog-out-of-range",
        lambda t: _replace(t, "subjects.csv", "M,59,0,", "M,59,7,"),
        ("subjects.csv", 2, "ecog", "maximum"),
    ),
    (
        "unparseable-date",
        lambda t: _replace(t, "subjects.csv", "2021-09-01", "2021-13-01"),
        ("subjects.csv", 4, "start_date", "type"),
    ),
    (
        "date-in-wrong-format",
        lambda t: _replace(t, "subjects.csv", "2021-07-01", "01/07/2021"),
        ("subjects.csv", 2, "start_date", "type"),
    ),
    (
        "death-before-start",
        lambda t: _replace(t, "subjects.csv", "2022-09-30,2022-09-30", "2021-08-01,2021-08-01"),
        ("subjects.csv", 3, "death_date", "date_order"),
    ),
    (
        "dead-but-alive-later",
        lambda t: _replace(t, "subjects.csv", "2022-09-30,2022-09-30", "2022-09-30,2022-12-01"),
        ("subjects.csv", 3, "last_known_alive_date", "date_order"),
    ),
    (
        "alive-without-last-known-alive",
        lambda t: _replace(t, "subjects.csv", ",,2023-09-20,", ",,,"),
        ("subjects.csv", 4, "last_known_alive_date", "empty_value"),
    ),
    (
        "duplicate-subject",
        lambda t: _append(t, "subjects.csv", "S01,treatment,M,59,0,2021-07-01,,2023-10-01,true"),
        ("subjects.csv", 5, "subject_id", "duplicate_key"),
    ),
    (
        "boolean-not-true-false",
        lambda t: _replace(
            t, "lesions.csv", "S01,T1,target,esophagus,false", "S01,T1,target,esophagus,no"
        ),
        ("lesions.csv", 2, "is_lymph_node", "type"),
    ),
    (
        "lesion-of-unknown-subject",
        lambda t: _append(t, "lesions.csv", "S99,T1,target,lung,false,distant_organ,"),
        ("lesions.csv", 7, "subject_id", "unknown_reference"),
    ),
    (
        "negative-diameter",
        lambda t: _replace(
            t, "measurements.csv", "S02,T1,2021-09-25,W6,41,", "S02,T1,2021-09-25,W6,-41,"
        ),
        ("measurements.csv", 9, "diameter_mm", "minimum"),
    ),
    (
        "measurement-of-unknown-lesion",
        lambda t: _append(t, "measurements.csv", "S02,T9,2021-09-25,W6,12,present"),
        ("measurements.csv", 12, "subject_id + lesion_id", "unknown_reference"),
    ),
    (
        "duplicate-measurement",
        lambda t: _append(t, "measurements.csv", "S01,T1,2021-08-10,W6,31,present"),
        ("measurements.csv", 12, "subject_id + lesion_id + assessment_date", "duplicate_key"),
    ),
    (
        "status-outside-allowed",
        lambda t: _replace(
            t,
            "measurements.csv",
            "S03,T1,2021-08-28,BL,25,present",
            "S03,T1,2021-08-28,BL,25,visible",
        ),
        ("measurements.csv", 10, "status", "allowed_values"),
    ),
    (
        "absent-with-diameter",
        lambda t: _replace(t, "measurements.csv", "W6,0,absent", "W6,12,absent"),
        ("measurements.csv", 11, "diameter_mm", "diameter_status"),
    ),
    (
        "target-present-without-diameter",
        lambda t: _replace(
            t, "measurements.csv", "S02,T1,2021-09-25,W6,41,", "S02,T1,2021-09-25,W6,,"
        ),
        ("measurements.csv", 9, "diameter_mm", "diameter_status"),
    ),
    (
        "assessment-after-death",
        lambda t: _append(t, "measurements.csv", "S02,T1,2022-11-01,W12,45,present"),
        ("measurements.csv", 12, "assessment_date", "date_order"),
    ),
    (
        "grade-outside-1-5",
        lambda t: _replace(t, "adverse_events.csv", "Esophagitis,,2,", "Esophagitis,,6,"),
        ("adverse_events.csv", 3, "grade", "maximum"),
    ),
    (
        "ae-ends-before-start",
        lambda t: _replace(
            t, "adverse_events.csv", "2021-07-22,2021-08-12", "2021-07-22,2021-07-12"
        ),
        ("adverse_events.csv", 2, "end_date", "date_order"),
    ),
    (
        "negative-dose",
        lambda t: _replace(t, "exposures.csv", "S02,toripalimab,240", "S02,toripalimab,-240"),
        ("exposures.csv", 5, "dose", "minimum"),
    ),
    (
        "cycle-zero",
        lambda t: _replace(t, "exposures.csv", "2021-07-22,2", "2021-07-22,0"),
        ("exposures.csv", 3, "cycle", "minimum"),
    ),
    (
        "rt-ends-before-start",
        lambda t: _replace(t, "radiotherapy.csv", "2021-08-16,2021-08-20", "2021-08-16,2021-08-10"),
        ("radiotherapy.csv", 3, "end_date", "date_order"),
    ),
    (
        "rt-more-fractions-than-planned",
        lambda t: _replace(t, "radiotherapy.csv", "2021-09-15,", "2021-09-15,20"),
        ("radiotherapy.csv", 2, "planned_fractions", "fractions"),
    ),
    (
        "lab-value-not-a-number",
        lambda t: _replace(t, "labs.csv", "lymphocytes,0.4,", "lymphocytes,<0.4,"),
        ("labs.csv", 3, "value", "type"),
    ),
    (
        "lab-of-unknown-subject",
        lambda t: _append(t, "labs.csv", "S77,2021-06-28,neutrophils,2.0,10^9/L,1.8,7.5"),
        ("labs.csv", 4, "subject_id", "unknown_reference"),
    ),
    (
        "event-kind-unknown",
        lambda t: _replace(t, "events.csv", "treatment_discontinuation", "stopped"),
        ("events.csv", 2, "kind", "allowed_values"),
    ),
    (
        "margin-outside-allowed",
        lambda t: _replace(t, "surgery.csv", ",R0,", ",R3,"),
        ("surgery.csv", 2, "margin", "allowed_values"),
    ),
    (
        "viable-tumour-above-100",
        lambda t: _replace(t, "surgery.csv", ",R0,5,", ",R0,150,"),
        ("surgery.csv", 2, "viable_tumor_pct", "maximum"),
    ),
    (
        "excluded-without-reason",
        lambda t: _replace(t, "screening.csv", "excluded,ECOG 2,", "excluded,,"),
        ("screening.csv", 3, "reason", "empty_value"),
    ),
    (
        "enrolled-candidate-unknown-subject",
        lambda t: _replace(t, "screening.csv", "enrolled,,S03", "enrolled,,S33"),
        ("screening.csv", 5, "subject_id", "unknown_reference"),
    ),
    (
        "missing-subjects-table",
        lambda t: {k: v for k, v in t.items() if k != "subjects.csv"},
        ("subjects.csv", None, None, "missing_table"),
    ),
    (
        "settings-unknown-key",
        lambda t: {**t, "study.yaml": t["study.yaml"] + "data_cut_off: 2023-01-01\n"},
        ("study.yaml", None, "data_cut_off", "settings"),
    ),
    (
        "settings-bad-cutoff-date",
        lambda t: {**t, "study.yaml": "protocol: ChiCTR2100046715\ndata_cutoff: 2023-14-12\n"},
        ("study.yaml", None, "data_cutoff", "settings"),
    ),
]


@pytest.mark.parametrize(("mutate", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_broken_study_reports_file_row_column_rule(
    study_tables, write_study, tmp_path: Path, mutate, expected
) -> None:
    folder = write_study(tmp_path / "broken", mutate(study_tables))
    report = validate_study(folder)
    found = {(i.file, i.row, i.column, i.rule) for i in report.errors}
    assert expected in found, "\n".join(str(i) for i in report.issues)
    assert not report.ok


def test_every_error_of_a_study_is_reported_at_once(
    study_tables, write_study, tmp_path: Path
) -> None:
    tables = _replace(study_tables, "subjects.csv", "S02,treatment,F", "S02,treatment,female")
    tables = _replace(tables, "exposures.csv", "S02,toripalimab,240", "S02,toripalimab,-240")
    tables = _replace(tables, "surgery.csv", ",R0,", ",R3,")
    report = validate_study(write_study(tmp_path / "many", tables))
    assert {(i.file, i.rule) for i in report.errors} == {
        ("subjects.csv", "allowed_values"),
        ("exposures.csv", "minimum"),
        ("surgery.csv", "allowed_values"),
    }


def test_error_names_the_offending_value(study_tables, write_study, tmp_path: Path) -> None:
    tables = _replace(study_tables, "subjects.csv", ",M,70,", ",M,seventy,")
    report = validate_study(write_study(tmp_path / "value", tables))
    (issue,) = [i for i in report.errors if i.column == "age"]
    assert issue.value == "seventy"
    assert "subjects.csv, row 4, column 'age'" in str(issue)
