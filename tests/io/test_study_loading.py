"""Loading a valid study folder gives typed frames; warnings do not fail it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from rtio.io import StudyValidationError, load_study, validate_study, write_table


def test_valid_study_has_no_errors_or_warnings(valid_study: Path) -> None:
    report = validate_study(valid_study)
    assert report.ok, "\n".join(map(str, report.issues))
    assert report.issues == []


def test_loaded_tables_are_typed(valid_study: Path) -> None:
    study = load_study(valid_study)
    subjects = study.table("subjects")
    assert pd.api.types.is_datetime64_any_dtype(subjects["start_date"])
    assert subjects["age"].dtype == "int64"
    assert subjects.loc[subjects.subject_id == "S02", "death_date"].iloc[0] == pd.Timestamp(
        "2022-09-30"
    )
    assert pd.isna(subjects.loc[subjects.subject_id == "S01", "death_date"].iloc[0])
    assert study.table("lesions")["is_lymph_node"].dtype == bool
    assert study.table("measurements")["diameter_mm"].isna().sum() == 2
    assert str(study.settings.data_cutoff) == "2023-10-12"
    assert study.table("nonexistent") is None


def test_load_refuses_a_study_with_errors(study_tables, write_study, tmp_path: Path) -> None:
    tables = {**study_tables, "subjects.csv": study_tables["subjects.csv"].replace(",F,", ",X,")}
    with pytest.raises(StudyValidationError, match=r"subjects.csv, row 3, column 'sex'"):
        load_study(write_study(tmp_path / "bad", tables))


def test_unknown_columns_and_files_are_warnings(study_tables, write_study, tmp_path: Path) -> None:
    tables = {**study_tables, "notes.txt": "free text\n"}
    tables["biomarkers.csv"] = (
        tables["biomarkers.csv"]
        .replace("unit\n", "unit,assay\n")
        .replace("cells/mm2\n", "cells/mm2,mIF\n")
    )
    report = validate_study(write_study(tmp_path / "warn", tables))
    assert report.ok
    assert {(i.file, i.rule) for i in report.warnings} == {
        ("biomarkers.csv", "unknown_column"),
        ("notes.txt", "unknown_file"),
    }


def test_dates_after_cutoff_are_warnings(study_tables, write_study, tmp_path: Path) -> None:
    tables = {**study_tables, "study.yaml": "protocol: ChiCTR2100046715\ndata_cutoff: 2023-01-01\n"}
    report = validate_study(write_study(tmp_path / "cutoff", tables))
    assert report.ok
    assert ("subjects.csv", 2, "last_known_alive_date", "after_cutoff") in {
        (i.file, i.row, i.column, i.rule) for i in report.warnings
    }


def test_parquet_and_xlsx_tables_validate_like_csv(
    valid_study: Path, write_study, tmp_path: Path
) -> None:
    study = load_study(valid_study)
    folder = tmp_path / "formats"
    write_study(folder, {"study.yaml": (valid_study / "study.yaml").read_text()})
    for name, frame in study.tables.items():
        if name == "measurements":
            frame.to_excel(folder / "measurements.xlsx", index=False)
        elif name == "labs":
            part_folder = folder / "labs"
            part_folder.mkdir()
            frame.iloc[:1].to_parquet(part_folder / "part-00000.parquet", index=False)
            frame.iloc[1:].to_parquet(part_folder / "part-00001.parquet", index=False)
        else:
            write_table(frame, folder, name, "parquet" if name == "subjects" else "csv")
    reloaded = load_study(folder)
    for name, frame in study.tables.items():
        pd.testing.assert_frame_equal(
            reloaded.table(name).reset_index(drop=True),
            frame.reset_index(drop=True),
            check_dtype=False,
            obj=name,
        )


def test_parquet_part_rows_are_located_in_their_part(
    valid_study: Path, write_study, tmp_path: Path
) -> None:
    study = load_study(valid_study)
    folder = write_study(
        tmp_path / "parts", {"study.yaml": (valid_study / "study.yaml").read_text()}
    )
    for name, frame in study.tables.items():
        if name != "labs":
            write_table(frame, folder, name)
    labs = study.table("labs").copy()
    labs.loc[1, "value"] = -1.0
    labs["subject_id"] = ["S01", "S99"]
    (folder / "labs").mkdir()
    labs.iloc[:1].to_parquet(folder / "labs" / "part-00000.parquet", index=False)
    labs.iloc[1:].to_parquet(folder / "labs" / "part-00001.parquet", index=False)
    report = validate_study(folder)
    assert ("labs/part-00001.parquet", 1, "subject_id", "unknown_reference") in {
        (i.file, i.row, i.column, i.rule) for i in report.errors
    }


def test_a_cutoff_given_by_the_caller_is_checked_as_study_yaml_s(valid_study: Path) -> None:
    report = validate_study(valid_study, data_cutoff=dt.date(2203, 10, 12))
    assert [(i.file, i.column, i.rule) for i in report.errors] == [
        ("study.yaml", "data_cutoff", "settings")
    ]
    assert "1900–2100" in report.errors[0].message
    assert validate_study(valid_study, data_cutoff=dt.date(2023, 9, 1)).ok
