"""Typed study-table columns from text, row by row accountable: the shared step of the REDCap and
flat-table imports.

Each study column is parsed by its kind in the schema (:mod:`rtio.io.schema`): whole numbers,
numbers, dates (through :mod:`rtio.dates`, partial dates only with an imputation rule, flags kept
as ``<column>_dtf``), booleans (true / false), closed lists and bounds. A value that does not fit
rejects its source row, naming the source variable it came from; required values that are empty do
too. Columns beyond the schema are kept as they are.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from rtio.dates import DateFormatError, impute_partial_dates
from rtio.interop.report import Rejector
from rtio.interop.sdtm.source import Imputation
from rtio.io import SCHEMAS
from rtio.io.schema import Column

_TRUE = {"true", "1", "y", "yes"}
_FALSE = {"false", "0", "n", "no"}


def _reject(
    rejector: Rejector,
    frame: pd.DataFrame,
    mask: np.ndarray,
    variable: str,
    reason: str | pd.Series,
    values: pd.Series,
) -> None:
    rejector.reject(frame, mask, variable, reason, values=values)


def parse_dates(
    text: pd.Series,
    imputation: Imputation,
    *,
    variable: str,
    source: str,
    min_dates: pd.Series | None = None,
) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(dates, --DTF flags, reason per row: "" when the value is usable) of ISO date text."""
    text = text.astype(str).str.strip().str.replace(" ", "T", n=1, regex=False)
    bad = np.zeros(len(text), dtype=bool)
    reasons = pd.Series("", index=text.index, dtype=object)
    while True:
        try:
            imputed = impute_partial_dates(
                text.where(~bad, ""),
                rule=imputation.rule or "first",
                highest="M" if imputation.rule is None else imputation.highest,
                min_dates=None if min_dates is None else min_dates.where(~bad),
                column=variable,
                source=source,
            )
            break
        except DateFormatError as exc:
            positions = np.asarray(exc.rows) - 1
            bad[positions] = True
            reasons.iloc[positions] = "not an ISO 8601 date (YYYY-MM-DD)"
    partial = (imputed.flags != "").to_numpy() & ~bad
    if imputation.rule is None:
        reasons[partial] = "partial date: choose an imputation rule (--impute first|mid|last)"
    return imputed.dates, imputed.flags.where(reasons == "", ""), reasons


def parse_column(
    column: Column, text: pd.Series, imputation: Imputation, variable: str, source: str
) -> tuple[pd.Series, pd.Series, pd.Series | None]:
    """Text parsed as ``column`` declares: (typed values, reason per row ("" when usable), --DTF
    flags for dates, else None)."""
    empty = text == ""
    reasons = pd.Series("", index=text.index, dtype=object)
    flags = None
    if column.kind == "date":
        values, flags, reasons = parse_dates(text, imputation, variable=variable, source=source)
    elif column.kind in ("int", "float"):
        values = pd.to_numeric(text.where(~empty), errors="coerce")
        reasons[~empty & values.isna()] = "not a number"
        if column.kind == "int":
            fractional = values.notna() & (values % 1 != 0)
            reasons[fractional] = "not a whole number"
    elif column.kind == "bool":
        lowered = text.str.lower()
        values = lowered.map(lambda v: True if v in _TRUE else False if v in _FALSE else None)
        reasons[~empty & values.isna()] = "not a boolean (true / false, 1 / 0, yes / no)"
    else:
        values = text.where(~empty, None)
    ok = reasons == ""
    if column.allowed is not None:
        outside = ok & ~empty & ~values.astype(object).isin(column.allowed)
        reasons[outside] = "must be one of " + ", ".join(column.allowed)
    if column.minimum is not None:
        reasons[(reasons == "") & (pd.to_numeric(values, errors="coerce") < column.minimum)] = (
            f"must be >= {column.minimum:g}"
        )
    if column.maximum is not None:
        reasons[(reasons == "") & (pd.to_numeric(values, errors="coerce") > column.maximum)] = (
            f"must be <= {column.maximum:g}"
        )
    if column.required and not column.nullable:
        reasons[(reasons == "") & pd.Series(values, index=text.index).isna()] = (
            "required value is empty"
        )
    return values, reasons, flags


def typed_table(
    name: str,
    frame: pd.DataFrame,
    rejector: Rejector,
    sources: Mapping[str, str],
    imputation: Imputation,
) -> pd.DataFrame:
    """Study table ``name`` from the text columns of ``frame`` (named as the study's columns).

    ``frame`` carries ``_record`` and ``_subject``; ``sources`` maps each column to the source
    variable it came from (for the report). Rows with a bad value are rejected; the standing rows
    are returned typed, with ``_record``."""
    schema = SCHEMAS[name]
    out = pd.DataFrame(index=frame.index)
    for column in schema.columns:
        if column.name not in frame.columns:
            if column.required:
                reason = f"no {column.name}: the source has no field for this required column"
                _reject(
                    rejector,
                    frame,
                    np.ones(len(frame), bool),
                    sources.get(column.name, column.name),
                    reason,
                    pd.Series("", index=frame.index),
                )
            continue
        text = (
            frame[column.name]
            .astype(object)
            .where(frame[column.name].notna(), "")
            .astype(str)
            .str.strip()
        )
        variable = sources.get(column.name, column.name)
        values, reasons, flags = parse_column(column, text, imputation, variable, rejector.file)
        _reject(rejector, frame, (reasons != "").to_numpy(), variable, reasons, text)
        out[column.name] = values
        if flags is not None and (flags != "").any():
            out[f"{column.name}_dtf"] = flags
    for extra in frame.columns:
        if extra not in schema.column_names and extra not in out.columns:
            out[extra] = frame[extra]
    return out[~frame["_record"].isin(rejector.rejected).to_numpy()]
