"""Kinds of corrupted study folder, each made from a simulated study and expected to be named.

Each kind mutates a copy of a clean simulated study (``rtio.simulate``: seed-004 protocol, six
subjects) the way users' files go wrong — another encoding or delimiter, a renamed workbook, a
header in the wrong case, a date typed with the wrong year, a lab value in another unit — and
states the issue validation must report: severity, file, row (as a spreadsheet shows it), column,
rule and a fragment of the message. Warnings are the records an analysis treats differently
(they must be named, never silent); errors refuse the study.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rtio.simulate import write_study

BASE_SUBJECTS = 6
BASE_SEED = 11


@dataclass(frozen=True)
class Expect:
    """An issue a corrupted study must produce (row None: the file as a whole)."""

    severity: str
    file: str
    row: int | None
    column: str | None
    rule: str
    fragment: str = ""


class Folder:
    """A study folder being corrupted, with helpers that return the spreadsheet row they touch."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def frame(self, table: str) -> pd.DataFrame:
        return pd.read_csv(self.path / f"{table}.csv", dtype=str, keep_default_na=False)

    def write(self, table: str, frame: pd.DataFrame) -> None:
        frame.to_csv(self.path / f"{table}.csv", index=False)

    def text(self, table: str) -> str:
        return (self.path / f"{table}.csv").read_text()

    def write_text(self, table: str, text: str) -> None:
        (self.path / f"{table}.csv").write_text(text)

    def index(self, table: str, where: Callable[[pd.DataFrame], pd.Series] | None = None) -> int:
        """0-based index of the first row matching ``where`` (the first row without it)."""
        frame = self.frame(table)
        if where is None:
            return 0
        return int(np.flatnonzero(where(frame).to_numpy())[0])

    def set(
        self,
        table: str,
        column: str,
        value: str,
        where: Callable[[pd.DataFrame], pd.Series] | None = None,
    ) -> int:
        frame = self.frame(table)
        i = self.index(table, where)
        frame.loc[i, column] = value
        self.write(table, frame)
        return i + 2

    def append(self, table: str, **values: str) -> int:
        frame = self.frame(table)
        row = {column: "" for column in frame.columns} | values
        frame = pd.concat([frame, pd.DataFrame([row])], ignore_index=True)
        self.write(table, frame)
        return len(frame) + 1

    def copy_row(self, table: str, where=None, **changes: str) -> int:
        frame = self.frame(table)
        row = frame.iloc[self.index(table, where)].to_dict() | changes
        return self.append(table, **row)

    def value(self, table: str, column: str, where=None) -> str:
        return str(self.frame(table).loc[self.index(table, where), column])

    def settings(self, old: str, new: str) -> None:
        path = self.path / "study.yaml"
        text = path.read_text()
        assert old in text, old
        path.write_text(text.replace(old, new))

    def to_parquet(self, table: str, frame: pd.DataFrame) -> None:
        (self.path / f"{table}.csv").unlink()
        frame.to_parquet(self.path / f"{table}.parquet", index=False)


def make_base(path: Path) -> Path:
    """The clean study every kind starts from."""
    return write_study(path, BASE_SUBJECTS, BASE_SEED)


Kind = tuple[str, Callable[[Folder], list[Expect]]]


def _subject(frame: pd.DataFrame, subject: str = "S0001") -> pd.Series:
    return frame["subject_id"] == subject


def _baseline_target(frame: pd.DataFrame) -> pd.Series:
    return (frame["visit"] == "baseline") & (frame["lesion_id"] == "L1")


def _post_baseline(frame: pd.DataFrame) -> pd.Series:
    return frame["visit"] != "baseline"


def _related_ae(frame: pd.DataFrame) -> pd.Series:
    return frame["related_treatment"] == "true"


def _test(name: str) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda frame: frame["test"] == name


def _enrolled(frame: pd.DataFrame) -> pd.Series:
    return frame["outcome"] == "enrolled"


def _excluded(frame: pd.DataFrame) -> pd.Series:
    return frame["outcome"] == "excluded"


# ---------------------------------------------------------------- whole files


def utf16(f: Folder) -> list[Expect]:
    (f.path / "subjects.csv").write_bytes(f.text("subjects").encode("utf-16"))
    return [Expect("error", "subjects.csv", None, None, "encoding", "UTF-16: save it as UTF-8")]


def utf16_no_bom(f: Folder) -> list[Expect]:
    (f.path / "labs.csv").write_bytes(f.text("labs").encode("utf-16-le"))
    return [Expect("error", "labs.csv", None, None, "encoding", "UTF-16")]


def utf32(f: Folder) -> list[Expect]:
    (f.path / "events.csv").write_bytes(f.text("events").encode("utf-32"))
    return [Expect("error", "events.csv", None, None, "encoding", "UTF-32")]


def latin1(f: Folder) -> list[Expect]:
    row = f.set("subjects", "histology", "carcinome épidermoïde", lambda d: _subject(d, "S0002"))
    (f.path / "subjects.csv").write_bytes(f.text("subjects").encode("latin-1"))
    return [Expect("error", "subjects.csv", row, None, "encoding", "'é' in Latin-1")]


def cp1252(f: Folder) -> list[Expect]:
    row = f.set("adverse_events", "verbatim_term", "patient’s fatigue")
    (f.path / "adverse_events.csv").write_bytes(f.text("adverse_events").encode("cp1252"))
    return [Expect("error", "adverse_events.csv", row, None, "encoding", "save the file as UTF-8")]


def utf8_bom_is_fine(f: Folder) -> list[Expect]:
    (f.path / "subjects.csv").write_bytes(f.text("subjects").encode("utf-8-sig"))
    return []


def xlsx_named_csv(f: Folder) -> list[Expect]:
    frame = f.frame("labs")
    (f.path / "labs.csv").unlink()
    frame.to_excel(f.path / "labs.xlsx", index=False)
    (f.path / "labs.xlsx").rename(f.path / "labs.csv")
    return [Expect("error", "labs.csv", None, None, "file_format", "rename it labs.xlsx")]


def csv_named_xlsx(f: Folder) -> list[Expect]:
    (f.path / "events.csv").rename(f.path / "events.xlsx")
    return [Expect("error", "events.xlsx", None, None, "file_format", "not xlsx")]


def parquet_named_csv(f: Folder) -> list[Expect]:
    frame = f.frame("biomarkers")
    (f.path / "biomarkers.csv").unlink()
    frame.to_parquet(f.path / "biomarkers.csv")
    return [
        Expect("error", "biomarkers.csv", None, None, "file_format", "rename it biomarkers.parquet")
    ]


def xls_named_xlsx(f: Folder) -> list[Expect]:
    (f.path / "events.csv").unlink()
    (f.path / "events.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    return [Expect("error", "events.xlsx", None, None, "file_format", "97-2003")]


def csv_named_parquet(f: Folder) -> list[Expect]:
    (f.path / "events.csv").rename(f.path / "events.parquet")
    return [Expect("error", "events.parquet", None, None, "file_format", "not parquet")]


def truncated_parquet(f: Folder) -> list[Expect]:
    f.to_parquet("events", f.frame("events"))
    data = (f.path / "events.parquet").read_bytes()
    (f.path / "events.parquet").write_bytes(data[: len(data) // 2])
    return [Expect("error", "events.parquet", None, None, "file_format", "not a readable Parquet")]


def corrupt_xlsx(f: Folder) -> list[Expect]:
    (f.path / "events.csv").unlink()
    (f.path / "events.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    return [Expect("error", "events.xlsx", None, None, "file_format", "not a readable Excel")]


def semicolon(f: Folder) -> list[Expect]:
    f.write_text("labs", f.text("labs").replace(",", ";"))
    return [Expect("error", "labs.csv", 1, None, "delimiter", "semicolon-delimited")]


def tab(f: Folder) -> list[Expect]:
    f.write_text("exposures", f.text("exposures").replace(",", "\t"))
    return [Expect("error", "exposures.csv", 1, None, "delimiter", "tab-delimited")]


def pipe(f: Folder) -> list[Expect]:
    f.write_text("events", f.text("events").replace(",", "|"))
    return [Expect("error", "events.csv", 1, None, "delimiter", "pipe-delimited")]


def empty_file(f: Folder) -> list[Expect]:
    f.write_text("biomarkers", "")
    return [Expect("error", "biomarkers.csv", None, None, "empty_file", "header row")]


def blank_lines_only(f: Folder) -> list[Expect]:
    f.write_text("biomarkers", "\n\n")
    return [Expect("error", "biomarkers.csv", None, None, "empty_file", "header row")]


def trailing_comma_every_row(f: Folder) -> list[Expect]:
    f.write_text("labs", f.text("labs").replace("\n", ",\n"))
    return [Expect("warning", "labs.csv", 1, None, "unnamed_column", "trailing delimiter")]


def trailing_comma_data_rows(f: Folder) -> list[Expect]:
    header, body = f.text("labs").split("\n", 1)
    f.write_text("labs", header + "\n" + body.replace("\n", ",\n"))
    return [Expect("warning", "labs.csv", 2, None, "row_length", "trailing delimiter")]


def extra_value_in_a_row(f: Folder) -> list[Expect]:
    lines = f.text("events").split("\n")
    lines[2] = lines[2] + ",unexpected"
    f.write_text("events", "\n".join(lines))
    return [Expect("error", "events.csv", 3, None, "row_length", "header names 4 columns")]


def blank_line_in_the_middle(f: Folder) -> list[Expect]:
    lines = f.text("events").split("\n")
    lines.insert(2, "")
    f.write_text("events", "\n".join(lines))
    return [Expect("warning", "events.csv", 3, None, "empty_row", "ignored")]


def duplicate_column(f: Folder) -> list[Expect]:
    header, body = f.text("events").split("\n", 1)
    lines = [line + ",x" if line else line for line in body.split("\n")]
    f.write_text("events", header + ",date\n" + "\n".join(lines))
    return [Expect("error", "events.csv", 1, "date", "duplicate_column", "columns C and E")]


def unnamed_column_with_values(f: Folder) -> list[Expect]:
    header, body = f.text("events").split("\n", 1)
    lines = [line + ",x" if line else line for line in body.split("\n")]
    f.write_text("events", header + ",\n" + "\n".join(lines))
    return [Expect("error", "events.csv", 1, "E", "unnamed_column", "no name")]


def header_wrong_case(f: Folder) -> list[Expect]:
    f.write_text("subjects", f.text("subjects").replace("subject_id", "Subject_ID", 1))
    return [Expect("error", "subjects.csv", 1, "Subject_ID", "column_name", "named 'subject_id'")]


def header_with_space(f: Folder) -> list[Expect]:
    f.write_text("lesions", f.text("lesions").replace(",role,", ", role,", 1))
    return [Expect("error", "lesions.csv", 1, " role", "column_name", "named 'role'")]


def header_with_zero_width_space(f: Folder) -> list[Expect]:
    f.write_text("measurements", f.text("measurements").replace("status", "status\u200b", 1))
    return [Expect("error", "measurements.csv", 1, "status\u200b", "column_name", "'status'")]


def header_spaces_for_underscores(f: Folder) -> list[Expect]:
    f.write_text("subjects", f.text("subjects").replace("start_date", "Start Date", 1))
    return [Expect("error", "subjects.csv", 1, "Start Date", "column_name", "'start_date'")]


def missing_required_column(f: Folder) -> list[Expect]:
    f.write("adverse_events", f.frame("adverse_events").drop(columns="serious"))
    return [Expect("error", "adverse_events.csv", None, "serious", "missing_column", "missing")]


def measurements_without_subject_id(f: Folder) -> list[Expect]:
    f.write("measurements", f.frame("measurements").rename(columns={"subject_id": "patient"}))
    return [
        Expect("error", "measurements.csv", None, "subject_id", "missing_column", "missing"),
        Expect("warning", "measurements.csv", 1, "patient", "unknown_column", "not part"),
    ]


def unknown_column(f: Folder) -> list[Expect]:
    f.write("biomarkers", f.frame("biomarkers").assign(assay="mIF"))
    return [Expect("warning", "biomarkers.csv", 1, "assay", "unknown_column", "kept as text")]


def misnamed_table_file(f: Folder) -> list[Expect]:
    (f.path / "adverse_events.csv").rename(f.path / "Adverse_Events.csv")
    return [Expect("error", "Adverse_Events.csv", None, None, "file_name", "adverse_events.csv")]


def upper_case_extension(f: Folder) -> list[Expect]:
    (f.path / "events.csv").rename(f.path / "events.CSV")
    return [Expect("error", "events.CSV", None, None, "file_name", "name it events.csv")]


def singular_table_name(f: Folder) -> list[Expect]:
    (f.path / "lesions.csv").rename(f.path / "lesion.csv")
    return [Expect("error", "lesion.csv", None, None, "file_name", "lesions")]


def table_given_twice(f: Folder) -> list[Expect]:
    f.frame("events").to_parquet(f.path / "events.parquet")
    return [Expect("error", "events.csv", None, None, "ambiguous_table", "more than once")]


def missing_subjects_table(f: Folder) -> list[Expect]:
    (f.path / "subjects.csv").unlink()
    return [Expect("error", "subjects.csv", None, None, "missing_table", "required")]


def unknown_file(f: Folder) -> list[Expect]:
    (f.path / "notes.txt").write_text("free text")
    return [Expect("warning", "notes.txt", None, None, "unknown_file", "ignored")]


def header_only_subjects(f: Folder) -> list[Expect]:
    f.write_text("subjects", f.text("subjects").split("\n", 1)[0] + "\n")
    return [Expect("error", "subjects.csv", None, None, "no_subjects", "at least one subject")]


def workbook_with_two_sheets(f: Folder) -> list[Expect]:
    frame = f.frame("events")
    (f.path / "events.csv").unlink()
    with pd.ExcelWriter(f.path / "events.xlsx") as writer:
        frame.to_excel(writer, sheet_name="events", index=False)
        pd.DataFrame({"note": ["draft"]}).to_excel(writer, sheet_name="notes", index=False)
    return [Expect("warning", "events.xlsx", None, None, "sheets", "only the first")]


def xlsx_text_date(f: Folder) -> list[Expect]:
    frame = f.frame("events")
    frame.loc[1, "date"] = "16/05/2022"
    (f.path / "events.csv").unlink()
    frame.to_excel(f.path / "events.xlsx", index=False)
    return [Expect("error", "events.xlsx", 3, "date", "type", "ambiguous")]


def xlsx_huge_integer(f: Folder) -> list[Expect]:
    frame = f.frame("subjects")
    frame["age"] = pd.to_numeric(frame["age"]).astype(object)
    frame.loc[0, "age"] = 1.2345678901234567e22
    (f.path / "subjects.csv").unlink()
    frame.to_excel(f.path / "subjects.xlsx", index=False)
    return [Expect("error", "subjects.xlsx", 2, "age", "type", "whole number")]


# ---------------------------------------------------------------- settings and protocol


def settings_missing(f: Folder) -> list[Expect]:
    (f.path / "study.yaml").unlink()
    return [Expect("error", "study.yaml", None, None, "settings", "neither")]


def settings_unknown_key(f: Folder) -> list[Expect]:
    f.settings("data_cutoff:", "data_cut_off:")
    return [Expect("error", "study.yaml", None, "data_cut_off", "settings", "")]


def settings_bad_date(f: Folder) -> list[Expect]:
    f.settings("2023-10-12", "2023-14-12")
    return [Expect("error", "study.yaml", None, "data_cutoff", "settings", "")]


def settings_not_yaml(f: Folder) -> list[Expect]:
    (f.path / "study.yaml").write_text("protocol: [unclosed\n")
    return [Expect("error", "study.yaml", 2, None, "settings", "not valid YAML")]


def settings_unknown_ctcae_version(f: Folder) -> list[Expect]:
    f.settings("ctcae_version: '5.0'", "ctcae_version: '4.03'")
    return [Expect("error", "study.yaml", None, "ctcae_version", "settings", "not available")]


def protocol_absolute_path(f: Folder) -> list[Expect]:
    f.settings("protocol: ChiCTR2100046715", "protocol: /etc/hostname.yaml")
    return [Expect("error", "study.yaml", None, "protocol", "protocol", "not an absolute path")]


def protocol_outside_folder(f: Folder) -> list[Expect]:
    (f.path.parent / f"{f.path.name}-outside.yaml").write_text("id: x\n")
    f.settings("protocol: ChiCTR2100046715", f"protocol: ../{f.path.name}-outside.yaml")
    return [Expect("error", "study.yaml", None, "protocol", "protocol", "leads out of it")]


def protocol_not_a_yaml_path(f: Folder) -> list[Expect]:
    f.settings("protocol: ChiCTR2100046715", "protocol: /etc/passwd")
    return [Expect("error", "study.yaml", None, "protocol", "protocol", "not an absolute path")]


def protocol_unknown_id(f: Folder) -> list[Expect]:
    f.settings("protocol: ChiCTR2100046715", "protocol: NCT00000000")
    return [Expect("error", "study.yaml", None, "protocol", "protocol", "unknown protocol")]


def protocol_file_invalid(f: Folder) -> list[Expect]:
    (f.path / "protocol.yaml").write_text("id: broken\ntitle: [\n")
    f.settings("protocol: ChiCTR2100046715", "protocol: protocol.yaml")
    return [Expect("error", "study.yaml", None, "protocol", "protocol", "cannot load")]


# ---------------------------------------------------------------- Parquet types


def parquet_datetime_for_a_number(f: Folder) -> list[Expect]:
    frame = f.frame("subjects")
    frame["age"] = pd.Timestamp("2020-01-01")
    f.to_parquet("subjects", frame)
    return [Expect("error", "subjects.parquet", None, "age", "type", "stored as datetime64")]


def parquet_fractional_whole_number(f: Folder) -> list[Expect]:
    frame = f.frame("subjects")
    frame["age"] = pd.to_numeric(frame["age"]).astype(float)
    frame.loc[2, "age"] = 59.5
    f.to_parquet("subjects", frame)
    return [Expect("error", "subjects.parquet", 3, "age", "type", "whole number")]


def parquet_epoch_days_for_a_date(f: Folder) -> list[Expect]:
    frame = f.frame("events")
    frame["date"] = np.arange(len(frame)) + 19000
    f.to_parquet("events", frame)
    return [Expect("error", "events.parquet", None, "date", "type", "expected date")]


def parquet_integers_for_booleans(f: Folder) -> list[Expect]:
    frame = f.frame("lesions")
    frame["is_lymph_node"] = (frame["is_lymph_node"] == "true").astype(int)
    f.to_parquet("lesions", frame)
    return [Expect("error", "lesions.parquet", None, "is_lymph_node", "type", "boolean")]


def parquet_nested_values(f: Folder) -> list[Expect]:
    frame = f.frame("events")
    frame["kind"] = [[k] for k in frame["kind"]]
    f.to_parquet("events", frame)
    return [Expect("error", "events.parquet", 2, "kind", "type", "")]


def parquet_integer_ids(f: Folder) -> list[Expect]:
    frame = f.frame("biomarkers")
    frame["timepoint"] = np.arange(len(frame))
    f.to_parquet("biomarkers", frame)
    return [Expect("warning", "biomarkers.parquet", None, "timepoint", "type", "digits")]


def parquet_out_of_range_date(f: Folder) -> list[Expect]:
    import datetime as dt

    frame = f.frame("events")
    frame["date"] = [dt.date.fromisoformat(d) for d in frame["date"]]
    frame.loc[0, "date"] = dt.date(1, 1, 1)
    f.to_parquet("events", frame)
    return [Expect("error", "events.parquet", 1, "date", "type", "")]


def parquet_timezone_dates_are_fine(f: Folder) -> list[Expect]:
    frame = f.frame("events")
    frame["date"] = pd.to_datetime(frame["date"]).dt.tz_localize("Asia/Shanghai")
    f.to_parquet("events", frame)
    return []


# ---------------------------------------------------------------- cells


def zero_width_space_in_id(f: Folder) -> list[Expect]:
    row = f.set("subjects", "subject_id", "S0001\u200b")
    return [
        Expect("error", "subjects.csv", row, "subject_id", "invisible_character", "U+200B"),
    ]


def no_break_space_in_lesion_id(f: Folder) -> list[Expect]:
    row = f.set("measurements", "lesion_id", "L1\u00a0", _post_baseline)
    return [Expect("error", "measurements.csv", row, "lesion_id", "invisible_character", "U+00A0")]


def trailing_space_in_id(f: Folder) -> list[Expect]:
    row = f.set("labs", "subject_id", "S0001 ")
    return [Expect("error", "labs.csv", row, "subject_id", "whitespace", "spaces")]


def zero_width_space_in_free_text(f: Folder) -> list[Expect]:
    row = f.set("adverse_events", "verbatim_term", "Lymph\u200bopenia")
    return [
        Expect("warning", "adverse_events.csv", row, "verbatim_term", "invisible_character", "")
    ]


def sex_outside_allowed(f: Folder) -> list[Expect]:
    row = f.set("subjects", "sex", "female", lambda d: _subject(d, "S0004"))
    return [Expect("error", "subjects.csv", row, "sex", "allowed_values", "M, F")]


def role_wrong_case(f: Folder) -> list[Expect]:
    row = f.set("lesions", "role", "Target")
    return [Expect("error", "lesions.csv", row, "role", "allowed_values", "did you mean 'target'")]


def status_outside_allowed(f: Folder) -> list[Expect]:
    row = f.set("measurements", "status", "visible", _post_baseline)
    return [Expect("error", "measurements.csv", row, "status", "allowed_values", "present")]


def response_with_space(f: Folder) -> list[Expect]:
    start = pd.Timestamp(f.value("subjects", "start_date"))
    pd.DataFrame(
        {
            "subject_id": ["S0001"],
            "assessment_date": [str((start + pd.Timedelta(days=42)).date())],
            "overall_response": ["PR "],
            "assessor": ["investigator"],
        }
    ).to_csv(f.path / "responses.csv", index=False)
    return [Expect("error", "responses.csv", 2, "overall_response", "allowed_values", "'PR'")]


def age_not_a_number(f: Folder) -> list[Expect]:
    row = f.set("subjects", "age", "seventy", lambda d: _subject(d, "S0003"))
    return [Expect("error", "subjects.csv", row, "age", "type", "whole number")]


def age_with_decimals(f: Folder) -> list[Expect]:
    row = f.set("subjects", "age", "59.5")
    return [Expect("error", "subjects.csv", row, "age", "type", "fractional part")]


def age_23_digits(f: Folder) -> list[Expect]:
    row = f.set("subjects", "age", "12345678901234567890123", lambda d: _subject(d, "S0002"))
    return [Expect("error", "subjects.csv", row, "age", "type", "23 digits")]


def age_above_120(f: Folder) -> list[Expect]:
    row = f.set("subjects", "age", "130")
    return [Expect("error", "subjects.csv", row, "age", "maximum", "<= 120")]


def age_negative(f: Folder) -> list[Expect]:
    row = f.set("subjects", "age", "-1")
    return [Expect("error", "subjects.csv", row, "age", "minimum", ">= 0")]


def ecog_out_of_range(f: Folder) -> list[Expect]:
    row = f.set("subjects", "ecog", "7")
    return [Expect("error", "subjects.csv", row, "ecog", "maximum", "<= 5")]


def date_day_month_year(f: Folder) -> list[Expect]:
    row = f.set("subjects", "start_date", "17/02/2022")
    return [Expect("error", "subjects.csv", row, "start_date", "type", "ambiguous")]


def date_no_such_day(f: Folder) -> list[Expect]:
    row = f.set("events", "date", "2022-02-30")
    return [Expect("error", "events.csv", row, "date", "type", "no such calendar day")]


def date_partial(f: Folder) -> list[Expect]:
    row = f.set("events", "date", "2022-07")
    return [Expect("error", "events.csv", row, "date", "type", "partial date")]


def date_excel_serial(f: Folder) -> list[Expect]:
    row = f.set("events", "date", "44608")
    return [Expect("error", "events.csv", row, "date", "type", "Excel date serial")]


def date_with_time(f: Folder) -> list[Expect]:
    row = f.set("labs", "date", "2022-02-14T08:30")
    return [Expect("error", "labs.csv", row, "date", "type", "date only")]


def date_year_typo_before_birth(f: Folder) -> list[Expect]:
    old = f.value("measurements", "assessment_date", _post_baseline)
    row = f.set("measurements", "assessment_date", "1922" + old[4:], _post_baseline)
    return [Expect("error", "measurements.csv", row, "assessment_date", "before_birth", "born")]


def date_far_future(f: Folder) -> list[Expect]:
    row = f.set("labs", "date", "2202-03-10", lambda d: d["date"] > d["date"].iloc[0])
    return [Expect("error", "labs.csv", row, "date", "date_range", "1900–2100")]


def death_before_start(f: Folder) -> list[Expect]:
    row = f.set("subjects", "death_date", "2022-01-01", lambda d: _subject(d, "S0001"))
    return [Expect("error", "subjects.csv", row, "death_date", "date_order", "before start_date")]


def alive_after_death(f: Folder) -> list[Expect]:
    row = f.set("subjects", "last_known_alive_date", "2023-12-01", lambda d: _subject(d, "S0002"))
    return [
        Expect(
            "error", "subjects.csv", row, "last_known_alive_date", "date_order", "after the death"
        )
    ]


def alive_without_last_known_alive(f: Folder) -> list[Expect]:
    frame = f.frame("subjects")
    i = 0
    frame.loc[i, ["death_date", "last_known_alive_date"]] = ""
    f.write("subjects", frame)
    return [Expect("error", "subjects.csv", i + 2, "last_known_alive_date", "empty_value", "needs")]


def empty_required_cell(f: Folder) -> list[Expect]:
    row = f.set("lesions", "organ", "")
    return [Expect("error", "lesions.csv", row, "organ", "empty_value", "must not be empty")]


def duplicate_subject(f: Folder) -> list[Expect]:
    row = f.copy_row("subjects")
    return [Expect("error", "subjects.csv", row, "subject_id", "duplicate_key", "already")]


def duplicate_subject_but_for_a_space(f: Folder) -> list[Expect]:
    row = f.copy_row("subjects", subject_id="S0001 ")
    return [
        Expect("error", "subjects.csv", row, "subject_id", "duplicate_key", "already"),
        Expect("error", "subjects.csv", row, "subject_id", "whitespace", ""),
    ]


def boolean_yes(f: Folder) -> list[Expect]:
    row = f.set("lesions", "is_lymph_node", "yes")
    return [Expect("error", "lesions.csv", row, "is_lymph_node", "type", "true or false")]


def lesion_of_unknown_subject(f: Folder) -> list[Expect]:
    row = f.copy_row("lesions", subject_id="S0099")
    return [Expect("error", "lesions.csv", row, "subject_id", "unknown_reference", "subjects")]


def measurement_of_unknown_lesion(f: Folder) -> list[Expect]:
    row = f.copy_row("measurements", _post_baseline, lesion_id="L9")
    return [
        Expect(
            "error",
            "measurements.csv",
            row,
            "subject_id + lesion_id",
            "unknown_reference",
            "lesions",
        )
    ]


def duplicate_measurement(f: Folder) -> list[Expect]:
    row = f.copy_row("measurements", _post_baseline)
    return [
        Expect(
            "error",
            "measurements.csv",
            row,
            "subject_id + lesion_id + assessment_date",
            "duplicate_key",
            "already",
        )
    ]


def lesion_twice_at_one_visit(f: Folder) -> list[Expect]:
    frame = f.frame("measurements")
    i = f.index("measurements", _post_baseline)
    later = pd.Timestamp(frame.loc[i, "assessment_date"]) + pd.Timedelta(days=2)
    row = f.copy_row("measurements", _post_baseline, assessment_date=str(later.date()))
    return [Expect("error", "measurements.csv", row, "visit", "duplicate_timepoint", "visit")]


def diameter_three_decimals(f: Folder) -> list[Expect]:
    row = f.set("measurements", "diameter_mm", "12.345", _post_baseline)
    return [Expect("error", "measurements.csv", row, "diameter_mm", "precision", "2 decimals")]


def diameter_huge(f: Folder) -> list[Expect]:
    row = f.set("measurements", "diameter_mm", "1e9", _post_baseline)
    return [Expect("error", "measurements.csv", row, "diameter_mm", "plausibility", "400")]


def diameter_negative(f: Folder) -> list[Expect]:
    row = f.set("measurements", "diameter_mm", "-5", _post_baseline)
    return [Expect("error", "measurements.csv", row, "diameter_mm", "minimum", ">= 0")]


def diameter_decimal_comma(f: Folder) -> list[Expect]:
    row = f.set("measurements", "diameter_mm", "12,5", _post_baseline)
    return [Expect("error", "measurements.csv", row, "diameter_mm", "type", "decimal comma")]


def absent_with_diameter(f: Folder) -> list[Expect]:
    row = f.set("measurements", "status", "absent", _post_baseline)
    return [Expect("error", "measurements.csv", row, "diameter_mm", "diameter_status", "absent")]


def target_present_without_diameter(f: Folder) -> list[Expect]:
    row = f.set("measurements", "diameter_mm", "", _post_baseline)
    return [
        Expect(
            "error", "measurements.csv", row, "diameter_mm", "diameter_status", "needs a diameter"
        )
    ]


def baseline_target_zero(f: Folder) -> list[Expect]:
    row = f.set("measurements", "diameter_mm", "0", _baseline_target)
    return [
        Expect("error", "measurements.csv", row, "diameter_mm", "baseline_measurable", "RECIST")
    ]


def baseline_target_too_small(f: Folder) -> list[Expect]:
    row = f.set("measurements", "diameter_mm", "6", _baseline_target)
    return [
        Expect("warning", "measurements.csv", row, "diameter_mm", "baseline_measurable", "10 mm")
    ]


def scan_after_death(f: Folder) -> list[Expect]:
    death = f.value("subjects", "death_date", lambda d: d["death_date"] != "")
    subject = f.value("subjects", "subject_id", lambda d: d["death_date"] != "")
    later = str((pd.Timestamp(death) + pd.Timedelta(days=30)).date())
    row = f.copy_row(
        "measurements",
        lambda d: (d["subject_id"] == subject) & _post_baseline(d),
        assessment_date=later,
        visit="late",
    )
    return [Expect("error", "measurements.csv", row, "assessment_date", "date_order", "death")]


def scan_before_baseline_window(f: Folder) -> list[Expect]:
    start = pd.Timestamp(f.value("subjects", "start_date"))
    early = str((start - pd.Timedelta(days=90)).date())
    row = f.copy_row("measurements", _baseline_target, assessment_date=early, visit="screening")
    return [
        Expect("warning", "measurements.csv", row, "assessment_date", "before_baseline", "window")
    ]


def follow_up_scan_dated_before_day1(f: Folder) -> list[Expect]:
    """The last scan typed with a date before day 1 becomes the baseline: the real baseline is
    named as no longer used."""
    start = pd.Timestamp(f.value("subjects", "start_date"))
    frame = f.frame("measurements")
    last_visit = frame.loc[frame["subject_id"] == "S0001", "visit"].iloc[-1]
    where = (frame["subject_id"] == "S0001") & (frame["visit"] == last_visit)
    frame.loc[where, "assessment_date"] = str((start - pd.Timedelta(days=3)).date())
    f.write("measurements", frame)
    baseline = f.index("measurements", _baseline_target) + 2
    return [
        Expect(
            "warning",
            "measurements.csv",
            baseline,
            "assessment_date",
            "before_baseline",
            "the baseline is the later one",
        )
    ]


def subject_without_baseline_scan(f: Folder) -> list[Expect]:
    frame = f.frame("measurements")
    keep = ~((frame["subject_id"] == "S0002") & (frame["visit"] == "baseline"))
    f.write("measurements", frame[keep])
    first = int(np.flatnonzero((frame[keep]["subject_id"] == "S0002").to_numpy())[0]) + 2
    return [Expect("warning", "measurements.csv", first, "assessment_date", "no_baseline", "NE")]


def ae_grade_six(f: Folder) -> list[Expect]:
    row = f.set("adverse_events", "grade", "6")
    return [Expect("error", "adverse_events.csv", row, "grade", "maximum", "<= 5")]


def ae_grade_not_allowed(f: Folder) -> list[Expect]:
    row = f.set("adverse_events", "grade", "5", lambda d: d["term"] == "Lymphocyte count decreased")
    return [Expect("error", "adverse_events.csv", row, "grade", "ctcae_grade", "grades 1–4")]


def ae_unknown_term(f: Folder) -> list[Expect]:
    row = f.set("adverse_events", "term", "Hypoproteinemia")
    return [Expect("error", "adverse_events.csv", row, "term", "ctcae_term", "term_map")]


def ae_term_wrong_case(f: Folder) -> list[Expect]:
    row = f.set("adverse_events", "term", "fatigue", lambda d: d["term"] == "Fatigue")
    return [
        Expect("error", "adverse_events.csv", row, "term", "ctcae_term", "did you mean 'Fatigue'")
    ]


def ae_ends_before_start(f: Folder) -> list[Expect]:
    start = f.value("adverse_events", "start_date")
    row = f.set(
        "adverse_events", "end_date", str((pd.Timestamp(start) - pd.Timedelta(days=3)).date())
    )
    return [Expect("error", "adverse_events.csv", row, "end_date", "date_order", "before start")]


def ae_related_ended_before_treatment(f: Folder) -> list[Expect]:
    frame = f.frame("adverse_events")
    i = f.index("adverse_events", _related_ae)
    subject = frame.loc[i, "subject_id"]
    day1 = pd.Timestamp(f.value("subjects", "start_date", lambda d: _subject(d, subject)))
    frame.loc[i, "start_date"] = str((day1 - pd.Timedelta(days=90)).date())
    frame.loc[i, "end_date"] = str((day1 - pd.Timedelta(days=60)).date())
    f.write("adverse_events", frame)
    return [
        Expect("error", "adverse_events.csv", i + 2, "end_date", "ae_before_treatment", "related")
    ]


def ae_began_before_treatment(f: Folder) -> list[Expect]:
    frame = f.frame("adverse_events")
    i = f.index("adverse_events", _related_ae)
    subject = frame.loc[i, "subject_id"]
    day1 = pd.Timestamp(f.value("subjects", "start_date", lambda d: _subject(d, subject)))
    frame.loc[i, "start_date"] = str((day1 - pd.Timedelta(days=5)).date())
    f.write("adverse_events", frame)
    return [
        Expect(
            "warning",
            "adverse_events.csv",
            i + 2,
            "start_date",
            "ae_before_treatment",
            "pre-existing",
        )
    ]


def ae_boolean_y(f: Folder) -> list[Expect]:
    row = f.set("adverse_events", "serious", "Y")
    return [Expect("error", "adverse_events.csv", row, "serious", "type", "true or false")]


def lab_unknown_unit(f: Folder) -> list[Expect]:
    row = f.set("labs", "unit", "g/dl", _test("hemoglobin"))
    return [Expect("error", "labs.csv", row, "unit", "lab_unit", "never converted by guess")]


def lab_value_1000x(f: Folder) -> list[Expect]:
    value = float(f.value("labs", "value", _test("platelets")))
    row = f.set("labs", "value", f"{value * 1000:g}", _test("platelets"))
    return [Expect("error", "labs.csv", row, "value", "plausibility", "another unit")]


def lab_negative_count(f: Folder) -> list[Expect]:
    row = f.set("labs", "value", "-150", _test("platelets"))
    return [Expect("error", "labs.csv", row, "value", "plausibility", "not negative")]


def lab_lln_above_uln(f: Folder) -> list[Expect]:
    frame = f.frame("labs")
    i = f.index("labs", _test("lymphocytes"))
    frame.loc[i, ["lln", "uln"]] = [frame.loc[i, "uln"], frame.loc[i, "lln"]]
    f.write("labs", frame)
    return [Expect("error", "labs.csv", i + 2, "lln", "lln_uln", "not below the ULN")]


def lab_negative_uln(f: Folder) -> list[Expect]:
    row = f.set("labs", "uln", "-3.2", _test("lymphocytes"))
    return [Expect("error", "labs.csv", row, "uln", "lln_uln", "negative")]


def lab_value_with_comparator(f: Folder) -> list[Expect]:
    row = f.set("labs", "value", "<0.4", _test("lymphocytes"))
    return [Expect("error", "labs.csv", row, "value", "type", "limit")]


def lab_alt_way_above_uln(f: Folder) -> list[Expect]:
    row = f.set("labs", "value", "50000", _test("alt"))
    return [Expect("error", "labs.csv", row, "value", "plausibility", "x ULN")]


def lab_of_unknown_subject(f: Folder) -> list[Expect]:
    row = f.copy_row("labs", subject_id="S0077")
    return [Expect("error", "labs.csv", row, "subject_id", "unknown_reference", "subjects")]


def exposure_negative_dose(f: Folder) -> list[Expect]:
    row = f.set("exposures", "dose", "-240")
    return [Expect("error", "exposures.csv", row, "dose", "minimum", ">= 0")]


def exposure_cycle_zero(f: Folder) -> list[Expect]:
    row = f.set("exposures", "cycle", "0")
    return [Expect("error", "exposures.csv", row, "cycle", "minimum", ">= 1")]


def exposure_before_screening(f: Folder) -> list[Expect]:
    screened = pd.Timestamp(f.value("screening", "screening_date", _enrolled))
    subject = f.value("screening", "subject_id", _enrolled)
    early = str((screened - pd.Timedelta(days=200)).date())
    row = f.set("exposures", "date", early, lambda d: _subject(d, subject))
    return [Expect("error", "exposures.csv", row, "date", "before_screening", "screening")]


def subject_starts_before_screening(f: Folder) -> list[Expect]:
    screened = pd.Timestamp(f.value("screening", "screening_date", _enrolled))
    subject = f.value("screening", "subject_id", _enrolled)
    early = str((screened - pd.Timedelta(days=30)).date())
    row = f.set("subjects", "start_date", early, lambda d: _subject(d, subject))
    return [Expect("error", "subjects.csv", row, "start_date", "before_screening", "consent")]


def rt_ends_before_start(f: Folder) -> list[Expect]:
    start = f.value("radiotherapy", "start_date")
    row = f.set(
        "radiotherapy", "end_date", str((pd.Timestamp(start) - pd.Timedelta(days=1)).date())
    )
    return [Expect("error", "radiotherapy.csv", row, "end_date", "date_order", "before start")]


def rt_zero_dose_per_fraction(f: Folder) -> list[Expect]:
    row = f.set("radiotherapy", "dose_per_fraction_gy", "0")
    return [Expect("error", "radiotherapy.csv", row, "dose_per_fraction_gy", "plausibility", "> 0")]


def rt_500_gy_per_fraction(f: Folder) -> list[Expect]:
    row = f.set("radiotherapy", "dose_per_fraction_gy", "500")
    return [Expect("error", "radiotherapy.csv", row, "dose_per_fraction_gy", "plausibility", "35")]


def rt_total_dose_too_high(f: Folder) -> list[Expect]:
    frame = f.frame("radiotherapy")
    frame.loc[0, ["dose_per_fraction_gy", "fractions", "planned_fractions"]] = ["5", "40", "40"]
    f.write("radiotherapy", frame)
    return [Expect("error", "radiotherapy.csv", 2, "fractions", "plausibility", "120")]


def rt_more_fractions_than_planned(f: Folder) -> list[Expect]:
    row = f.set("radiotherapy", "planned_fractions", "20")
    return [
        Expect(
            "error", "radiotherapy.csv", row, "planned_fractions", "fractions", "fewer fractions"
        )
    ]


def rt_target_not_a_lesion(f: Folder) -> list[Expect]:
    row = f.set("radiotherapy", "target", "L9")
    return [Expect("warning", "radiotherapy.csv", row, "target", "rt_target", "covers no lesion")]


def rt_not_with_cycle_3(f: Folder) -> list[Expect]:
    frame = f.frame("radiotherapy")
    subject = frame.loc[0, "subject_id"]
    day1 = pd.Timestamp(f.value("subjects", "start_date", lambda d: _subject(d, subject)))
    for column, offset in (("start_date", 2), ("end_date", 41)):
        frame.loc[0, column] = str((day1 + pd.Timedelta(days=offset)).date())
    f.write("radiotherapy", frame)
    return [Expect("warning", "radiotherapy.csv", 2, "start_date", "deviation", "cycle 3")]


def arm_unknown(f: Folder) -> list[Expect]:
    row = f.set("subjects", "arm", "RT+IO")
    return [Expect("error", "subjects.csv", row, "arm", "arm", "not an arm of the protocol")]


def arm_wrong_case(f: Folder) -> list[Expect]:
    row = f.set("subjects", "arm", "TREATMENT")
    return [Expect("error", "subjects.csv", row, "arm", "arm", "did you mean 'treatment'")]


def arm_with_trailing_space_is_the_arm(f: Folder) -> list[Expect]:
    f.set("subjects", "arm", "Toripalimab + paclitaxel/carboplatin + radiotherapy ")
    return []


def event_kind_unknown(f: Folder) -> list[Expect]:
    row = f.set("events", "kind", "stopped")
    return [Expect("error", "events.csv", row, "kind", "allowed_values", "withdrawal")]


def surgery_margin_r3(f: Folder) -> list[Expect]:
    subject = "S0001"
    pd.DataFrame(
        {
            "subject_id": [subject],
            "date": ["2022-09-01"],
            "margin": ["R3"],
            "viable_tumor_pct": ["150"],
            "ypt": ["ypT1"],
            "ypn": ["ypN0"],
        }
    ).to_csv(f.path / "surgery.csv", index=False)
    return [
        Expect("error", "surgery.csv", 2, "margin", "allowed_values", "R0"),
        Expect("error", "surgery.csv", 2, "viable_tumor_pct", "maximum", "<= 100"),
    ]


def screening_excluded_without_reason(f: Folder) -> list[Expect]:
    row = f.set("screening", "reason", "", _excluded)
    return [Expect("error", "screening.csv", row, "reason", "empty_value", "needs a reason")]


def screening_unknown_subject(f: Folder) -> list[Expect]:
    row = f.set("screening", "subject_id", "S0033", _enrolled)
    return [Expect("error", "screening.csv", row, "subject_id", "unknown_reference", "subjects")]


def subject_starts_after_cutoff(f: Folder) -> list[Expect]:
    f.settings("data_cutoff: '2023-10-12'", "data_cutoff: '2022-05-01'")
    frame = f.frame("subjects")
    i = int(np.flatnonzero((pd.to_datetime(frame["start_date"]) > "2022-05-01").to_numpy())[0])
    return [
        Expect("warning", "subjects.csv", i + 2, "start_date", "start_after_cutoff", "excluded")
    ]


def records_after_cutoff(f: Folder) -> list[Expect]:
    f.settings("data_cutoff: '2023-10-12'", "data_cutoff: '2022-12-31'")
    frame = f.frame("subjects")
    i = int(np.flatnonzero((frame["last_known_alive_date"] > "2022-12-31").to_numpy())[0])
    return [
        Expect("warning", "subjects.csv", i + 2, "last_known_alive_date", "after_cutoff", "ignored")
    ]


def response_before_day1(f: Folder) -> list[Expect]:
    start = pd.Timestamp(f.value("subjects", "start_date"))
    pd.DataFrame(
        {
            "subject_id": ["S0001"],
            "assessment_date": [str((start - pd.Timedelta(days=7)).date())],
            "overall_response": ["SD"],
            "assessor": ["investigator"],
        }
    ).to_csv(f.path / "responses.csv", index=False)
    return [Expect("warning", "responses.csv", 2, "assessment_date", "before_day1", "not used")]


def duplicate_biomarker(f: Folder) -> list[Expect]:
    row = f.copy_row("biomarkers")
    return [
        Expect("error", "biomarkers.csv", row, "subject_id + name + timepoint", "duplicate_key", "")
    ]


def dose_before_day1(f: Folder) -> list[Expect]:
    start = pd.Timestamp(f.value("subjects", "start_date"))
    row = f.set("exposures", "date", str((start - pd.Timedelta(days=2)).date()))
    return [Expect("warning", "exposures.csv", row, "date", "before_day1", "before day 1")]


def biomarker_value_text(f: Folder) -> list[Expect]:
    row = f.set("biomarkers", "value", "high")
    return [Expect("error", "biomarkers.csv", row, "value", "type", "number")]


def value_nan_text(f: Folder) -> list[Expect]:
    row = f.set("biomarkers", "value", "NaN")
    return [Expect("error", "biomarkers.csv", row, "value", "type", "leave the cell empty")]


def thousands_separator(f: Folder) -> list[Expect]:
    row = f.set("labs", "value", "1,200", _test("platelets"))
    return [Expect("error", "labs.csv", row, "value", "type", "thousands separator")]


def control_character_in_term(f: Folder) -> list[Expect]:
    row = f.set("adverse_events", "term", "Fatigue\x07", lambda d: d["term"] == "Fatigue")
    return [Expect("error", "adverse_events.csv", row, "term", "invisible_character", "U+0007")]


KINDS: list[Kind] = [
    (name, fn)
    for name, fn in list(globals().items())
    if callable(fn)
    and getattr(fn, "__module__", None) == __name__
    and name not in {"make_base", "Folder", "Expect"}
    and not name.startswith("_")
    and fn.__code__.co_varnames[:1] == ("f",)
]
"""Every kind, by name (the functions above taking a Folder)."""


def apply(kind: Callable[[Folder], list[Expect]], base: Path, target: Path) -> list[Expect]:
    """Copy the base study to ``target``, corrupt it, and return what must be reported."""
    shutil.copytree(base, target)
    return kind(Folder(target))


__all__ = ["KINDS", "Expect", "Folder", "apply", "make_base"]
