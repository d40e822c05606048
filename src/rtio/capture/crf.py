"""Case report forms generated from the study schema (:mod:`rtio.io.schema`).

The subject's columns are split into a few one-per-subject forms (demographics, baseline,
follow-up, death); every other study table is a repeating form. Hard checks come from the
schema: a value of the wrong type, outside its allowed set or outside its possible range
(``Column.minimum`` / ``maximum``) is rejected. Cross-form rules and soft checks are
:mod:`rtio.capture.checks`' job.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django import forms

from rtio.derive.ctcae import adverse_event_terms, lab_units
from rtio.io.schema import SCHEMAS, Column

SET_BY_ENROLMENT = ("subject_id", "arm", "site", "stratum")
"""Subject columns no form edits: the id is the key, the rest come from enrolment and allocation."""

_SUBJECT_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "demographics": ("Demographics", ("sex", "age", "ecog", "start_date")),
    "follow_up": ("Follow-up", ("last_known_alive_date",)),
    "death": ("Death", ("death_date", "death_cause")),
}
RECORD_TITLES: dict[str, str] = {
    "exposures": "Treatment cycles",
    "radiotherapy": "Radiotherapy courses",
    "lesions": "Lesions",
    "measurements": "Lesion measurements",
    "responses": "Timepoint responses",
    "adverse_events": "Adverse events",
    "labs": "Laboratory results",
    "biomarkers": "Biomarkers",
    "events": "Follow-up events",
    "surgery": "Surgery",
}
"""The repeating forms, one per study table, in the order a casebook shows them."""


@dataclass(frozen=True)
class SubjectForm:
    """A one-per-subject form: a title and the subject columns it edits."""

    name: str
    title: str
    columns: tuple[Column, ...]


def subject_forms() -> dict[str, SubjectForm]:
    """Demographics, baseline (every other subject column of the schema), follow-up, death."""
    schema = SCHEMAS["subjects"]
    grouped = {c for _, cols in _SUBJECT_GROUPS.values() for c in cols}
    baseline = tuple(
        c for c in schema.columns if c.name not in grouped and c.name not in SET_BY_ENROLMENT
    )
    out = {}
    for name, (title, names) in _SUBJECT_GROUPS.items():
        out[name] = SubjectForm(name, title, tuple(schema.column(n) for n in names))
        if name == "demographics":
            out["baseline"] = SubjectForm("baseline", "Baseline", baseline)
    return out


def subject_columns() -> tuple[Column, ...]:
    """The subject columns a form edits (all of them, across the subject forms)."""
    return tuple(c for form in subject_forms().values() for c in form.columns)


def record_columns(table: str) -> tuple[Column, ...]:
    """The columns of a repeating form (the table's columns less ``subject_id``)."""
    if table not in RECORD_TITLES:
        raise KeyError(f"no form for table {table!r}")
    return tuple(c for c in SCHEMAS[table].columns if c.name != "subject_id")


def _choices(values: list[str], required: bool) -> list[tuple[str, str]]:
    blank = [] if required else [("", "—")]
    return blank + [(v, v) for v in values]


def _suggestions(table: str, column: str) -> list[str] | None:
    """Values offered as a pick-list: CTCAE terms for AEs, rtio's lab tests and units."""
    if (table, column) == ("adverse_events", "term"):
        return sorted(adverse_event_terms()["term"].astype(str))
    if (table, column) == ("labs", "test"):
        return sorted(set(lab_units()["test"].astype(str)))
    if (table, column) == ("labs", "unit"):
        return sorted(set(lab_units()["unit"].astype(str)))
    return None


def _is_required(column: Column) -> bool:
    return column.required and not column.nullable


def form_field(table: str, column: Column) -> forms.Field:
    """The Django field of a schema column: its type, allowed values and possible range."""
    required = _is_required(column)
    label = column.name
    help_text = column.description + (f" ({column.unit})" if column.unit else "")
    common: dict[str, Any] = {"required": required, "label": label, "help_text": help_text}
    if column.allowed:
        return forms.ChoiceField(choices=_choices(list(column.allowed), required), **common)
    if column.kind == "int":
        return forms.IntegerField(
            min_value=None if column.minimum is None else int(column.minimum),
            max_value=None if column.maximum is None else int(column.maximum),
            **common,
        )
    if column.kind == "float":
        return forms.FloatField(
            min_value=column.minimum,
            max_value=column.maximum,
            widget=forms.NumberInput(attrs={"step": "any"}),
            **common,
        )
    if column.kind == "date":
        return forms.DateField(
            input_formats=["%Y-%m-%d"], widget=forms.DateInput(attrs={"type": "date"}), **common
        )
    if column.kind == "bool":
        return forms.TypedChoiceField(
            choices=_choices(["true", "false"], required),
            coerce=lambda v: v == "true",
            empty_value=None,
            **common,
        )
    suggestions = _suggestions(table, column.name)
    if suggestions and (table, column.name) == ("adverse_events", "term"):
        return forms.ChoiceField(choices=_choices(suggestions, required), **common)
    widget = forms.TextInput(attrs={"list": f"dl-{column.name}"} if suggestions else {})
    return forms.CharField(max_length=500, strip=True, widget=widget, **common)


def build_form(
    table: str,
    columns: tuple[Column, ...],
    data: dict[str, Any] | None = None,
    initial: dict[str, Any] | None = None,
    *,
    partial: bool = False,
) -> forms.Form:
    """A bound (``data``) or unbound form for ``columns``; ``partial`` makes every field optional
    and keeps only the fields present in ``data`` (an API PATCH)."""
    fields: dict[str, forms.Field] = {}
    for column in columns:
        if partial and data is not None and column.name not in data:
            continue
        field = form_field(table, column)
        if partial:
            field.required = False
        fields[column.name] = field
    form_class = type(f"{table.title()}Form", (forms.Form,), fields)
    form = form_class(data=None if data is None else as_form_data(data), initial=initial)
    form.suggestions = {
        c.name: _suggestions(table, c.name) for c in columns if _suggestions(table, c.name)
    }
    return form


def as_form_data(values: dict[str, Any]) -> dict[str, str]:
    """JSON or stored values as the text a form parses (true/false, ISO dates, numbers)."""
    out = {}
    for key, value in values.items():
        if value is None:
            out[key] = ""
        elif isinstance(value, bool):
            out[key] = "true" if value else "false"
        else:
            out[key] = str(value)
    return out


def stored(cleaned: dict[str, Any]) -> dict[str, Any]:
    """Cleaned form values as JSON-storable study-format values (ISO dates; empty text is None)."""
    out: dict[str, Any] = {}
    for key, value in cleaned.items():
        if isinstance(value, dt.date):
            out[key] = value.isoformat()
        elif value == "":
            out[key] = None
        else:
            out[key] = value
    return out


def form_errors(form: forms.Form) -> dict[str, list[str]]:
    """A bound form's errors as {field: [messages]}."""
    return {field: [str(m) for m in messages] for field, messages in form.errors.items()}
