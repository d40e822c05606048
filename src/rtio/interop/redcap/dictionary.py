"""A REDCap data dictionary for a protocol: the instruments of a study folder, field by field.

Each study table is an instrument; its columns are fields named ``<prefix>_<column>`` (the prefix
keeps field names unique across the project, as REDCap requires), with REDCap field types and
text validation taken from the study schema (``rtio.io.schema``): whole numbers as ``integer``,
numbers as ``number``, dates as ``date_ymd``, each with the schema's minimum and maximum; booleans
as yes/no fields; columns with a closed list of values as drop-downs (numeric codes, the value as
label). The protocol adds its arms (a drop-down) and one yes/no field per eligibility criterion.

Instruments that hold many rows per patient (treatment, radiotherapy, lesions, measurements,
responses, adverse events, labs, biomarkers, events, surgery) are repeating instruments; REDCap
enables that in the project settings (the list is written beside the dictionary).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rtio.io import SCHEMAS
from rtio.io.schema import Column

HEADER = [
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
]
"""The columns of a REDCap data dictionary (CSV), in REDCap's order."""

RECORD_ID = "record_id"


@dataclass(frozen=True)
class Instrument:
    """A REDCap instrument holding one study table (or part of one)."""

    form: str
    label: str
    table: str
    prefix: str
    repeating: bool
    columns: tuple[str, ...]


_SUBJECT_BASELINE = tuple(
    c.name
    for c in SCHEMAS["subjects"].columns
    if c.name not in ("subject_id", "death_date", "last_known_alive_date", "death_cause")
)
INSTRUMENTS: tuple[Instrument, ...] = (
    Instrument(
        "eligibility",
        "Eligibility and screening",
        "screening",
        "scr",
        False,
        ("candidate_id", "screening_date", "outcome", "reason"),
    ),
    Instrument("baseline", "Baseline", "subjects", "", False, _SUBJECT_BASELINE),
    Instrument(
        "treatment",
        "Treatment (drug administrations)",
        "exposures",
        "ex",
        True,
        ("drug", "dose", "dose_unit", "date", "cycle"),
    ),
    Instrument(
        "radiotherapy",
        "Radiotherapy",
        "radiotherapy",
        "rt",
        True,
        SCHEMAS["radiotherapy"].column_names[1:],
    ),
    Instrument("lesions", "Lesions", "lesions", "les", True, SCHEMAS["lesions"].column_names[1:]),
    Instrument(
        "measurements",
        "Lesion measurements",
        "measurements",
        "ms",
        True,
        SCHEMAS["measurements"].column_names[1:],
    ),
    Instrument(
        "responses",
        "Timepoint responses",
        "responses",
        "rsp",
        True,
        SCHEMAS["responses"].column_names[1:],
    ),
    Instrument(
        "adverse_events",
        "Adverse events",
        "adverse_events",
        "ae",
        True,
        SCHEMAS["adverse_events"].column_names[1:],
    ),
    Instrument("labs", "Laboratory results", "labs", "lb", True, SCHEMAS["labs"].column_names[1:]),
    Instrument(
        "biomarkers", "Biomarkers", "biomarkers", "bm", True, SCHEMAS["biomarkers"].column_names[1:]
    ),
    Instrument(
        "events", "Clinical events", "events", "ev", True, SCHEMAS["events"].column_names[1:]
    ),
    Instrument(
        "surgery",
        "Surgery and pathology",
        "surgery",
        "sx",
        True,
        SCHEMAS["surgery"].column_names[1:],
    ),
    Instrument(
        "follow_up",
        "Follow-up",
        "subjects",
        "",
        False,
        ("death_date", "death_cause", "last_known_alive_date"),
    ),
)
"""The project's instruments, in form order."""
ELIGIBILITY_PREFIX = "elig_"


def field_name(instrument: Instrument, column: str) -> str:
    """The REDCap field of a study column (``ae_grade``; baseline and follow-up keep the column name;
    the screening outcome and reason are ``screening_outcome`` / ``screening_reason``)."""
    if instrument.table == "screening":
        return column if column in ("candidate_id", "screening_date") else f"screening_{column}"
    return f"{instrument.prefix}_{column}" if instrument.prefix else column


def criterion_field(criterion_id: str) -> str:
    """The yes/no field of an eligibility criterion (``elig_i1``)."""
    return ELIGIBILITY_PREFIX + re.sub(r"[^a-z0-9]+", "_", criterion_id.lower()).strip("_")


def _label(column: Column) -> str:
    unit = f" ({column.unit})" if column.unit else ""
    return column.description.rstrip(".") + unit


def _number_text(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def choices_text(values: list[str]) -> tuple[str, dict[str, str]]:
    """REDCap choices ``"1, CR | 2, PR | …"`` for a closed list, and value -> code."""
    codes = {value: str(i) for i, value in enumerate(values, start=1)}
    return " | ".join(f"{code}, {value}" for value, code in codes.items()), codes


def _field(instrument: Instrument, column: Column, protocol: Any) -> dict[str, str]:
    row = dict.fromkeys(HEADER, "")
    row["Variable / Field Name"] = field_name(instrument, column.name)
    row["Form Name"] = instrument.form
    row["Field Label"] = _label(column)
    required = column.required and not column.nullable and instrument.table != "screening"
    row["Required Field?"] = "y" if required else ""
    allowed = list(column.allowed) if column.allowed else None
    if instrument.table == "subjects" and column.name == "arm":
        arms = getattr(protocol, "arms", None) or []
        if arms:
            row["Field Type"] = "dropdown"
            row["Choices, Calculations, OR Slider Labels"] = " | ".join(
                f"{a.id}, {a.label}" for a in arms
            )
            row["Field Note"] = "Protocol arm"
            return row
    if allowed:
        row["Field Type"] = "dropdown"
        row["Choices, Calculations, OR Slider Labels"] = choices_text(allowed)[0]
    elif column.kind == "bool":
        row["Field Type"] = "yesno"
    elif column.name in ("reason", "detail"):
        row["Field Type"] = "notes"
    else:
        row["Field Type"] = "text"
        validation = {"int": "integer", "float": "number", "date": "date_ymd"}.get(column.kind, "")
        row["Text Validation Type OR Show Slider Number"] = validation
        if validation in ("integer", "number"):
            row["Text Validation Min"] = _number_text(column.minimum)
            row["Text Validation Max"] = _number_text(column.maximum)
    return row


def _criteria_rows(protocol: Any) -> list[dict[str, str]]:
    rows = []
    for i, criterion in enumerate(getattr(protocol, "eligibility", None) or []):
        row = dict.fromkeys(HEADER, "")
        row["Variable / Field Name"] = criterion_field(criterion.id)
        row["Form Name"] = "eligibility"
        if i == 0:
            row["Section Header"] = "Eligibility criteria"
        row["Field Type"] = "yesno"
        kind = "Inclusion" if criterion.kind == "inclusion" else "Exclusion"
        row["Field Label"] = f"{kind} {criterion.id}: {criterion.text}"
        row["Field Note"] = "Met?" if criterion.kind == "inclusion" else "Present?"
        rows.append(row)
    return rows


def redcap_dictionary(protocol: Any) -> pd.DataFrame:
    """The REDCap data dictionary of a study under ``protocol`` (one row per field)."""
    record = dict.fromkeys(HEADER, "")
    record.update(
        {
            "Variable / Field Name": RECORD_ID,
            "Form Name": "eligibility",
            "Field Type": "text",
            "Field Label": "Record ID (subject id; candidate id for a candidate not enrolled)",
        }
    )
    rows = [record]
    for instrument in INSTRUMENTS:
        schema = SCHEMAS[instrument.table]
        for name in instrument.columns:
            rows.append(_field(instrument, schema.column(name), protocol))
        if instrument.form == "eligibility":
            rows += _criteria_rows(protocol)
    return pd.DataFrame(rows, columns=HEADER)


def repeating_instruments() -> pd.DataFrame:
    """The repeating instruments, as REDCap's "upload repeating instruments" CSV."""
    return pd.DataFrame(
        [(i.form, "") for i in INSTRUMENTS if i.repeating],
        columns=["form_name", "custom_form_label"],
    )
