"""Render ``docs/study-format.md`` from the table schemas and the plausibility limits
(``python -m rtio.io.docs``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from rtio.io.plausibility import column_limits, lab_limits
from rtio.io.schema import SCHEMAS, Column, TableSchema

INTRO = """\
# Study format

A study is a folder: `study.yaml` (study-level settings) plus one table per kind of record, as
`<table>.csv`, `<table>.parquet`, `<table>.xlsx`, or a folder `<table>/` of Parquet parts for big
tables. Only `subjects` is required: an absent table means that kind of data was not collected.
Files and folders whose names start with `_` (for example a simulator's `_truth/`) and rtio's own
`import-report.json` / `manifest.json` are not study tables and are ignored.

Dates are ISO `YYYY-MM-DD`; booleans are `true` / `false`; an empty cell is a missing value.
Nothing is inferred or coerced: a cell that does not parse as its column's type is an error.
CSV files are UTF-8 (with or without a byte-order mark) and comma-delimited; an XLSX workbook is
read from its first sheet with cells; Parquet keeps its own types (a whole-number column where
text is declared is read as its digits, with a warning).

`rtio validate STUDY` reports every problem at once, each naming file, row, column, value and
rule, and exits with status 1 when there are errors (warnings do not fail). Rows are counted as a
spreadsheet shows them (the header is row 1, the first data row is row 2); in Parquet parts, rows
are 1-based record numbers within the part file. Validation never stops at the first problem and
never fails on what a file holds: a file in another encoding, format or delimiter, a header in
the wrong case, an integer of 23 digits or a date where a number belongs is reported in those
terms ("the file is UTF-16: save it as UTF-8", "the file looks semicolon-delimited", "column
'Subject_ID' should be named 'subject_id'").

Validation is the only gate: whatever it accepts, `rtio derive`, `rtio analyse` and `rtio report`
complete on. Records that an analysis treats differently from the rest (a scan outside the
baseline window, an adverse event that began before treatment, a subject who starts after the
cut-off, a protocol deviation) are *warnings*: the study is accepted, and each such record is
named in `ValidationReport.warnings`, which the report lists.

This page is generated from `rtio.io.schema` and `rtio/io/data/*.csv`
(`python -m rtio.io.docs > docs/study-format.md`); a test keeps the two identical.

## study.yaml

| key | meaning |
|---|---|
| `protocol` | a shipped protocol id (see `rtio protocols`), or the path of a protocol YAML inside the study folder; an absolute path or one leading out of the folder is refused (and never read); without the key, `protocol.yaml` in the folder is used. Ids are looked up before paths |
| `data_cutoff` | data cut-off date: later events are ignored and follow-up is censored at it; subjects who start after it are excluded from analysis (a warning names each). A year outside 1900–2100 is an error, as in the tables. The command line's `--cutoff` overrides it |
| `ctcae_version` | CTCAE version for grading (default `5.0`, the version rtio grades with) |
| `synthetic`, `seed`, `generator` | mark simulated data and how it was made |
| `notes` | free-text notes on the data (list) |
| `term_map` | verbatim adverse-event label → CTCAE term (e.g. `Hypoproteinemia: Hypoalbuminemia`) |
| `visit_windows` | overrides of the protocol's visit windows |

Unknown keys are errors (a misspelt `data_cut_off` must not be silently ignored).
"""

RULES = """\
## Rules

Every rule runs in one pass; each problem names file, row, column, value and rule.

### Reading the files

| rule | what is checked | severity |
|---|---|---|
| `missing_table` | the `subjects` table exists | error |
| `ambiguous_table` | a table is given once (not as both `subjects.csv` and `subjects.xlsx`) | error |
| `file_name` | a file that looks like a table is named as one (`Subjects.csv`, `adverse-events.CSV`) | error |
| `file_format` | the file is what its extension says (an `.xlsx` renamed `.csv`, a `.xls`, a Parquet file named `.csv` are named as such) | error |
| `encoding` | CSV text is UTF-8 ("the file is UTF-16: save it as UTF-8"; a Latin-1 byte is shown with its line) | error |
| `delimiter` | CSV is comma-delimited ("the file looks semicolon-delimited") | error |
| `empty_file` | a file has at least its header row (a header without rows is an empty table, which is valid) | error |
| `missing_column` | every required column is present | error |
| `column_name` | a column named nearly as a declared one (`Subject_ID`, ` age`) is named exactly | error |
| `duplicate_column`, `unnamed_column` | a header names each column once; a column with values has a name | error |
| `unnamed_column`, `row_length` | a trailing delimiter on every row (an empty column without a name) is ignored | warning |
| `row_length` | a row has no more values than the header has columns | error |
| `empty_row` | rows without any value are ignored | warning |
| `sheets` | only the first sheet with cells of a workbook is read | warning |
| `part_columns` | the Parquet parts of one table have the same columns | error |
| `unknown_column`, `unknown_file`, `unknown_table` | columns, files and tables outside the format are reported and ignored | warning |

### Cells

| rule | what is checked | severity |
|---|---|---|
| `type` | every cell parses as its column's type (the message says why: a decimal comma, a partial date, an Excel serial date, 23 digits); a typed column stores its kind | error |
| `type` | a whole-number Parquet column where text is declared is read as its digits | warning |
| `empty_value` | columns that must be filled are filled; an alive subject has a `last_known_alive_date`; an excluded candidate has a reason | error |
| `allowed_values`, `minimum`, `maximum` | values within the allowed set and range (e.g. grade 1–5, ECOG 0–5, diameters and doses ≥ 0); a near miss is named ("did you mean 'target'?") | error |
| `precision` | diameters have at most 2 decimals (RECIST sums are decided exactly on 0.01 mm) | error |
| `invisible_character` | no zero-width, no-break or control characters in identifiers and coded values (blamed on the cell, never on the rows that refer to it) | error |
| `invisible_character` | the same in free text (histology, verbatim term, reasons) | warning |
| `whitespace` | identifiers have no spaces around them | error |
| `date_range` | dates lie in 1900–2100 | error |

### Across rows and tables

| rule | what is checked | severity |
|---|---|---|
| `no_subjects` | the subjects table has at least one row | error |
| `duplicate_key` | keys are unique (a subject, a lesion of a subject, a lesion on one scan date, …) | error |
| `duplicate_timepoint` | a lesion is measured once per visit (scans sharing a `visit` are one timepoint) | error |
| `unknown_reference` | rows refer to existing subjects, and measurements to existing lesions of that subject | error |
| `date_order` | death and last-known-alive not before start; nobody known alive after death; nothing measured, given or started after death; no AE or RT course ending before it starts | error |
| `before_birth` | no record predates the subject's birth (start date − age − 1 year) | error |
| `diameter_status` | a present target lesion has a diameter; an absent lesion has none above 0 mm | error |
| `diameter_status` | non-target and new lesions carry no diameter | warning |
| `baseline_measurable` | no target lesion is absent or 0 mm at baseline (RECIST 1.1 §3.1; a baseline sum of 0) | error |
| `baseline_measurable` | a target lesion below the measurable size at baseline (10 mm; 15 mm short axis for a node) | warning |
| `fractions` | an RT course delivers no more fractions than planned | error |
| `plausibility` | values within the plausible limits below (a lab value 1000x off in its unit, a negative count, 1e9 mm, 0 or 500 Gy per fraction) | error |
| `lab_unit` | a lab test graded by absolute values has a unit rtio converts exactly | error |
| `lln_uln` | the LLN and ULN are not negative and the LLN lies below the ULN | error |
| `ctcae_term`, `ctcae_grade` | AE terms are CTCAE terms (after `term_map`) and their grades are allowed for the term | error |
| `arm` | `subjects.arm` is a protocol arm's label or id, after trimming (anything else would make a new arm) | error |
| `ae_before_treatment` | an AE that ended before day 1 is not marked related to treatment, radiotherapy or immunity | error |
| `before_screening` | no subject starts and no drug or RT is given before the subject's screening | error |
| `settings`, `protocol` | `study.yaml` is valid, its CTCAE version is available and its protocol loads | error |
| `internal` | a check that could not finish (a fault in rtio, never expected) | error |

### Records an analysis treats differently (named, never silent)

| rule | record | what analyses do |
|---|---|---|
| `before_baseline` | a scan on or before day 1 that is not the baseline (outside the protocol's baseline window, or an earlier pre-treatment scan) | not used |
| `no_baseline` | a subject without a scan within the baseline window | tumour response not evaluable (NE) |
| `before_day1` | a reported response dated on or before day 1; a scan grouped (by visit) with later scans; a dose or RT course before day 1 | not a post-baseline assessment / as recorded |
| `ae_before_treatment` | an AE that began before day 1 | a pre-existing condition, not treatment-emergent |
| `rt_target` | an RT target that is neither a lesion of the subject nor a region rtio maps to lesions (primary, locoregional) | covers no lesion |
| `start_after_cutoff` | a subject who starts after the data cut-off | excluded from analysis |
| `after_cutoff` | a date after the data cut-off | ignored |
| `deviation` | a protocol deviation of an RT course: dose, fractions, timing (seed 000's LDRT within 7 days, seed 004's RT from cycle 3), every visible lesion irradiated | analysed; listed as a deviation |
"""

MEMORY = """\
## Tables held in memory

The capture service and importers validate tables without a folder, by the same rules:

```python
from rtio.io import validate_tables

report = validate_tables(
    {"subjects": subjects, "lesions": lesions},   # pandas / polars frames or numpy record arrays
    protocol="ChiCTR2100046715",                 # a Protocol, a shipped id, or None
    settings={"data_cutoff": "2023-10-12"},      # StudySettings or its mapping, as study.yaml
)
report.ok, report.errors, report.warnings       # Issue(file=table name, row from 1, column, ...)
```

`validate_tables(tables, *, protocol=None, settings=None) -> ValidationReport`: text cells are
parsed as a CSV's would be and typed cells are kept, so a frame built from a form and a study
folder are judged alike. `check_tables` (same arguments) also returns the typed tables.
`validate_study(path, *, data_cutoff=None)` and `load_study(path, *, data_cutoff=None)` take a
cut-off that overrides `study.yaml`'s.
"""


def _column_row(column: Column) -> str:
    kind = column.kind + (f" ({column.unit})" if column.unit else "")
    limits = []
    if column.allowed:
        limits.append("one of " + ", ".join(f"`{v}`" for v in column.allowed))
    if column.minimum is not None:
        limits.append(f"≥ {column.minimum:g}")
    if column.maximum is not None:
        limits.append(f"≤ {column.maximum:g}")
    if column.decimals is not None:
        limits.append(f"at most {column.decimals} decimals")
    presence = "required" if column.required else "optional"
    empty = "may be empty" if column.nullable else "filled"
    return f"| `{column.name}` | {kind} | {presence}, {empty} | {'; '.join(limits)} | {column.description} |"


def _table_section(schema: TableSchema) -> str:
    lines = [f"## {schema.name}", "", f"One row per {schema.row}."]
    if schema.required:
        lines[-1] += " Required."
    if schema.key:
        lines.append(f"Key: {' + '.join(f'`{k}`' for k in schema.key)}.")
    lines += ["", "| column | type | presence | values | meaning |", "|---|---|---|---|---|"]
    lines += [_column_row(column) for column in schema.columns]
    return "\n".join(lines) + "\n"


def _number(value: Any) -> str:
    return "" if pd.isna(value) else f"{float(value):g}"


def _limits_section() -> str:
    lines = [
        "## Plausibility limits",
        "",
        "Kept as data in `rtio/io/data/plausibility.csv` (columns; `total_dose_gy` is dose per "
        "fraction x fractions) and `rtio/io/data/lab_limits.csv` (lab tests, in the unit CTCAE "
        "grades them in: values in another accepted unit are converted exactly first).",
        "",
        "| table | column | lower limit | upper limit | unit | why |",
        "|---|---|---|---|---|---|",
    ]
    for row in column_limits().to_dict("records"):
        low = (
            "" if pd.isna(row["low"]) else f"{'≥' if row['low_inclusive'] else '>'} {row['low']:g}"
        )
        high = (
            ""
            if pd.isna(row["high"])
            else f"{'≤' if row['high_inclusive'] else '<'} {row['high']:g}"
        )
        lines.append(
            f"| {row['table']} | `{row['column']}` | {low} | {high} | {row['unit']} | "
            f"{row['reason']} |"
        )
    lines += [
        "",
        "| lab test | unit | lowest | highest | highest x ULN | why |",
        "|---|---|---|---|---|---|",
    ]
    for lab in lab_limits().to_dict("records"):
        lines.append(
            f"| {lab['test']} | {lab['unit']} | {_number(lab['low'])} | {_number(lab['high'])} | "
            f"{_number(lab['high_x_uln'])} | {lab['reason']} |"
        )
    return "\n".join(lines) + "\n"


def render_study_format() -> str:
    """The full markdown page."""
    sections = (
        [INTRO]
        + [_table_section(schema) for schema in SCHEMAS.values()]
        + [RULES, _limits_section(), MEMORY]
    )
    return "\n".join(sections)


if __name__ == "__main__":
    print(render_study_format(), end="")
