"""Tables held in memory (the capture service, importers) are judged by the rules of a folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import polars as pl

from rtio.io import check_tables, load_study, validate_study, validate_tables
from rtio.protocol import load_protocol

from .corruption import apply, lab_value_1000x, make_base


def _frames(folder: Path) -> dict[str, pd.DataFrame]:
    return {
        path.stem: pd.read_csv(path, dtype=str, keep_default_na=False)
        for path in folder.glob("*.csv")
    }


def _issues(report) -> set[tuple]:
    return {
        (i.severity, i.file.removesuffix(".csv"), i.row, i.column, i.rule) for i in report.issues
    }


def test_text_tables_give_the_folder_s_issues_rows_from_one(tmp_path: Path) -> None:
    base = make_base(tmp_path / "base")
    apply(lab_value_1000x, base, tmp_path / "broken")
    folder_report = validate_study(tmp_path / "broken")
    memory_report = validate_tables(
        _frames(tmp_path / "broken"),
        protocol="ChiCTR2100046715",
        settings={"data_cutoff": "2023-10-12"},
    )
    # a folder counts the header as row 1, tables in memory count their first row as row 1
    shifted = {
        (s, f, None if r is None else r - 1, c, rule) for s, f, r, c, rule in _issues(folder_report)
    }
    assert _issues(memory_report) == shifted
    assert not memory_report.ok


def test_typed_python_values_as_a_form_gives_them(valid_study: Path) -> None:
    loaded = load_study(valid_study)
    tables = {name: frame.copy() for name, frame in loaded.tables.items()}
    subjects = tables["subjects"].astype(object)
    subjects["start_date"] = [d.date() for d in loaded.tables["subjects"]["start_date"]]
    subjects["age"] = [int(a) for a in subjects["age"]]
    tables["subjects"] = subjects
    report = validate_tables(tables, protocol=loaded.protocol, settings=loaded.settings)
    assert report.ok, "\n".join(map(str, report.issues))


def test_polars_frames_are_accepted(valid_study: Path) -> None:
    loaded = load_study(valid_study)
    tables = {name: pl.from_pandas(frame) for name, frame in loaded.tables.items()}
    report = validate_tables(tables, protocol="ChiCTR2100046715", settings=loaded.settings)
    assert report.ok, "\n".join(map(str, report.issues))


def test_a_bad_cell_names_table_row_column(valid_study: Path) -> None:
    loaded = load_study(valid_study)
    subjects = loaded.tables["subjects"].astype(object)
    subjects.loc[1, "subject_id"] = "S02\u200b"
    subjects.loc[2, "start_date"] = "2021-09-31"
    subjects.loc[0, "arm"] = "RT+IO"
    checked = check_tables(
        {"subjects": subjects}, protocol=load_protocol("ChiCTR2100046715"), settings={}
    )
    found = {(i.file, i.row, i.column, i.rule) for i in checked.report.errors}
    assert {
        ("subjects", 2, "subject_id", "invisible_character"),
        ("subjects", 3, "start_date", "type"),
        ("subjects", 1, "arm", "arm"),
    } <= found
    assert pd.api.types.is_datetime64_any_dtype(checked.tables["subjects"]["start_date"])


def test_missing_subjects_and_unknown_tables_are_named() -> None:
    report = validate_tables(
        {"notes": pd.DataFrame({"x": [1]})}, settings={"data_cutoff": dt.date(2023, 1, 1)}
    )
    assert ("subjects", "missing_table") in {(i.file, i.rule) for i in report.errors}
    assert ("notes", "unknown_table") in {(i.file, i.rule) for i in report.warnings}


def test_not_a_frame_is_reported() -> None:
    report = validate_tables({"subjects": [1, 2, 3]})
    assert any(i.file == "subjects" and i.rule == "type" for i in report.errors)


def test_dates_outside_1900_2100_are_year_slips_at_any_storage(valid_study: Path) -> None:
    subjects = load_study(valid_study).tables["subjects"]
    typed = subjects.copy()
    typed["start_date"] = pd.to_datetime(
        ["2100-12-31 10:00", "2101-01-01 00:00", "1899-12-31 23:59"]
    )
    mixed = subjects.astype(object)
    mixed["start_date"] = [dt.date(1, 1, 1), pd.Timestamp("2021-08-15 08:30"), "2202-03-10"]
    found = set()
    for name, frame in (("typed", typed), ("mixed", mixed)):
        checked = check_tables({"subjects": frame}, protocol="ChiCTR2100046715", settings={})
        found |= {(name, i.row, i.rule) for i in checked.report.errors if i.column == "start_date"}
    assert {
        ("typed", 2, "date_range"),
        ("typed", 3, "date_range"),
        ("mixed", 1, "date_range"),
        ("mixed", 2, "type"),
        ("mixed", 3, "date_range"),
    } <= found
    assert not {("typed", 1, rule) for rule in ("type", "date_range")} & found
