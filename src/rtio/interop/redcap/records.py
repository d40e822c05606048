"""A study folder as a REDCap records export (raw, flat CSV) of the project
:func:`rtio.interop.redcap.dictionary.redcap_dictionary` describes.

One row per record for the non-repeating instruments (eligibility, baseline, follow-up), then one
row per instance of each repeating instrument (``redcap_repeat_instrument``,
``redcap_repeat_instance``), as REDCap exports a classic project with repeating instruments:
drop-downs as their codes, yes/no as 1 / 0, dates as YYYY-MM-DD, ``<form>_complete`` 2 (complete).
Enrolled subjects are records named by their subject id; screened candidates not enrolled are
records named by their candidate id.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rtio.interop.datasets import number_texts
from rtio.interop.redcap.dictionary import (
    INSTRUMENTS,
    RECORD_ID,
    field_name,
    redcap_dictionary,
)
from rtio.io import SCHEMAS, Study

COMPLETE = "2"


@dataclass
class RecordsExport:
    """The records (all text) and the study columns the project has no field for."""

    records: pd.DataFrame
    omitted: list[str]


def _text(values: pd.Series, kind: str) -> pd.Series:
    if kind == "date":
        return pd.to_datetime(values).dt.strftime("%Y-%m-%d").fillna("")
    if kind == "bool":
        return values.map({True: "1", False: "0"}).fillna("").astype(str)
    if kind in ("int", "float"):
        return number_texts(values)
    return values.astype(object).where(values.notna(), "").astype(str)


def _coded(values: pd.Series, choices: str, what: str) -> pd.Series:
    """Drop-down values as their codes; a value outside the choices is an error naming it."""
    codes: dict[str, str] = {}
    for part in choices.split("|"):
        code, _, label = part.strip().partition(",")
        codes[label.strip()] = code.strip()
        codes[code.strip()] = code.strip()
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip()
    coded = text.map(codes)
    unknown = (text != "") & coded.isna()
    if unknown.any():
        row = int(np.flatnonzero(unknown.to_numpy())[0]) + 1
        raise ValueError(
            f"{what}, row {row}: {text[unknown].iloc[0]!r} is not one of the project's choices "
            f"({choices}); {int(unknown.sum())} rows in all"
        )
    return coded.fillna("")


def redcap_records(study: Study) -> RecordsExport:
    """The records export of a loaded study."""
    dictionary = redcap_dictionary(study.protocol)
    fields = dictionary["Variable / Field Name"].tolist()
    choice_of = dict(
        zip(
            dictionary["Variable / Field Name"],
            dictionary["Choices, Calculations, OR Slider Labels"],
            strict=True,
        )
    )
    type_of = dict(zip(dictionary["Variable / Field Name"], dictionary["Field Type"], strict=True))
    omitted = _omitted(study)
    subjects = study.tables["subjects"].reset_index(drop=True)
    screening = study.table("screening")
    base = pd.DataFrame({RECORD_ID: subjects["subject_id"].astype(str)})
    repeats = []
    for instrument in INSTRUMENTS:
        schema = SCHEMAS[instrument.table]
        table = study.table(instrument.table)
        if instrument.table == "screening":
            continue
        if table is None or table.empty:
            continue
        values = {}
        for column in instrument.columns:
            name = field_name(instrument, column)
            if column not in table.columns:
                values[name] = pd.Series("", index=table.index)
                continue
            text = _text(table[column], schema.column(column).kind)
            values[name] = (
                _coded(text, choice_of[name], f"{instrument.table}.{column}")
                if type_of[name] == "dropdown"
                else text
            )
        frame = pd.DataFrame(values, index=table.index)
        if instrument.repeating:
            frame.insert(0, RECORD_ID, table["subject_id"].astype(str).to_numpy())
            frame.insert(1, "redcap_repeat_instrument", instrument.form)
            frame.insert(
                2, "redcap_repeat_instance", (frame.groupby(RECORD_ID).cumcount() + 1).astype(str)
            )
            frame[f"{instrument.form}_complete"] = COMPLETE
            repeats.append(frame)
        else:
            for field in frame.columns:
                base[field] = frame[field].to_numpy()
            base[f"{instrument.form}_complete"] = COMPLETE
    base = _with_screening(base, screening, choice_of)
    base.insert(1, "redcap_repeat_instrument", "")
    base.insert(2, "redcap_repeat_instance", "")
    columns = [RECORD_ID, "redcap_repeat_instrument", "redcap_repeat_instance"]
    for instrument in INSTRUMENTS:
        columns += [
            f
            for f in fields
            if f != RECORD_ID
            and dictionary.loc[dictionary["Variable / Field Name"] == f, "Form Name"].iloc[0]
            == instrument.form
        ]
        columns.append(f"{instrument.form}_complete")
    records = pd.concat([base, *repeats], ignore_index=True).reindex(columns=columns)
    records = records.astype(object).fillna("")
    order = records[RECORD_ID].map({r: i for i, r in enumerate(dict.fromkeys(records[RECORD_ID]))})
    records = records.assign(_o=order).sort_values("_o", kind="stable").drop(columns="_o")
    return RecordsExport(records.reset_index(drop=True), omitted)


def _omitted(study: Study) -> list[str]:
    """Study columns no field of the project holds (``table.column``)."""
    covered: dict[str, set[str]] = {}
    for instrument in INSTRUMENTS:
        covered.setdefault(instrument.table, {"subject_id"}).update(instrument.columns)
    return [
        f"{name}.{column}"
        for name, table in study.tables.items()
        if not table.empty
        for column in table.columns
        if column not in covered.get(name, set())
    ]


def _with_screening(
    base: pd.DataFrame, screening: pd.DataFrame | None, choice_of: dict[str, str]
) -> pd.DataFrame:
    """Eligibility fields of enrolled subjects, and one record per candidate not enrolled."""
    if screening is None or screening.empty:
        return base
    schema = SCHEMAS["screening"]
    instrument = INSTRUMENTS[0]
    rows = screening.reset_index(drop=True)
    values = {}
    for column in instrument.columns:
        name = field_name(instrument, column)
        text = _text(rows[column], schema.column(column).kind)
        values[name] = (
            _coded(text, choice_of[name], f"screening.{column}") if column == "outcome" else text
        )
    frame = pd.DataFrame(values)
    linked = (
        rows["subject_id"].notna().to_numpy() if "subject_id" in rows else np.zeros(len(rows), bool)
    )
    frame[RECORD_ID] = np.where(
        linked,
        rows.get("subject_id", pd.Series(index=rows.index)).astype(str),
        rows["candidate_id"].astype(str),
    )
    frame["eligibility_complete"] = COMPLETE
    clash = ~linked & frame[RECORD_ID].isin(base[RECORD_ID]).to_numpy()
    if clash.any():
        raise ValueError(
            f"screening: candidate_id {frame.loc[clash, RECORD_ID].iloc[0]!r} is also a subject_id; REDCap needs one record per person"
        )
    merged = base.merge(frame[linked], on=RECORD_ID, how="left")
    return pd.concat([merged, frame[~linked]], ignore_index=True)
