"""Render ``docs/study-format.md`` from the table schemas (``python -m rtio.io.docs``)."""

from __future__ import annotations

from rtio.io.schema import SCHEMAS, Column, TableSchema

INTRO = """\
# Study format

A study is a folder: `study.yaml` (study-level settings) plus one table per kind of record, as
`<table>.csv`, `<table>.parquet`, `<table>.xlsx`, or a folder `<table>/` of Parquet parts for big
tables. Only `subjects` is required: an absent table means that kind of data was not collected.
Files and folders whose names start with `_` (for example a simulator's `_truth/`) are not study
tables and are ignored.

Dates are ISO `YYYY-MM-DD`; booleans are `true` / `false`; an empty cell is a missing value.
Nothing is inferred or coerced: a cell that does not parse as its column's type is an error.

`rtio validate STUDY` reports every problem at once, each naming file, row, column, value and
rule, and exits with status 1 when there are errors (warnings do not fail). Rows are counted as a
spreadsheet shows them (the header is row 1, the first data row is row 2); in Parquet parts, rows
are 1-based record numbers within the part file.

This page is generated from `rtio.io.schema` (`python -m rtio.io.docs > docs/study-format.md`);
a test keeps the two identical.

## study.yaml

| key | meaning |
|---|---|
| `protocol` | a shipped protocol id (see `rtio protocols`), or a path inside the folder to a protocol YAML; without it, `protocol.yaml` in the folder is used |
| `data_cutoff` | data cut-off date: later events are ignored and follow-up is censored at it |
| `ctcae_version` | CTCAE version for grading (default `5.0`) |
| `synthetic`, `seed`, `generator` | mark simulated data and how it was made |
| `notes` | free-text notes on the data (list) |
| `term_map` | verbatim adverse-event label → CTCAE term (e.g. `Hypoproteinemia: Hypoalbuminemia`) |
| `visit_windows` | overrides of the protocol's visit windows |

Unknown keys are errors (a misspelt `data_cut_off` must not be silently ignored).
"""

RULES = """\
## Checks across rows and tables

| rule | what is checked | severity |
|---|---|---|
| `missing_table` | the `subjects` table exists | error |
| `missing_column` | every required column is present | error |
| `unknown_column`, `unknown_file` | columns and files outside the format are reported and ignored | warning |
| `type` | every cell parses as its column's type | error |
| `empty_value` | columns that must be filled are filled; an alive subject has a `last_known_alive_date`; an excluded candidate has a reason | error |
| `allowed_values`, `minimum`, `maximum` | values within the allowed set and range (e.g. grade 1–5, ECOG 0–5, diameters and doses ≥ 0) | error |
| `duplicate_key` | keys are unique (a subject, a lesion of a subject, a lesion on one scan date, …) | error |
| `unknown_reference` | rows refer to existing subjects, and measurements to existing lesions of that subject | error |
| `date_order` | death and last-known-alive not before start; nobody known alive after death; nothing measured, given or started after death; no AE or RT course ending before it starts | error |
| `diameter_status` | a present target lesion has a diameter; an absent lesion has none above 0 mm | error |
| `diameter_status` | non-target and new lesions carry no diameter | warning |
| `fractions` | an RT course delivers no more fractions than planned | error |
| `after_cutoff` | dates after the data cut-off | warning |
| `settings`, `protocol` | `study.yaml` is valid and its protocol loads | error |
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


def render_study_format() -> str:
    """The full markdown page."""
    sections = [INTRO] + [_table_section(schema) for schema in SCHEMAS.values()] + [RULES]
    return "\n".join(sections)


if __name__ == "__main__":
    print(render_study_format(), end="")
