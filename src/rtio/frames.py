"""The tables rtio's derivations take: any frame-like input as pandas, required columns, strict
dates and booleans, each problem reported with the table (source), column and row.

DESIGN: the public API accepts pandas, polars or numpy (record arrays) and returns pandas; dates
are read by one strict ISO reader (:mod:`rtio.dates`): "03/04/2024" and partial dates such as
"2014-02" are errors, never guesses. Partial dates are completed only by an explicit call to
:func:`impute_date_columns`, which records the ADaM ``--DTF`` flag of each value beside it.

Row numbers in date errors are 1-based positions in the table as given (the first data row is
row 1).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypeAlias

import numpy as np
import pandas as pd
import polars as pl

from rtio.dates import ImputationRule, impute_partial_dates, parse_iso_date, parse_iso_dates

__all__ = [
    "EPOCH",
    "DateLike",
    "FrameLike",
    "as_frame",
    "day_numbers",
    "impute_date_columns",
    "optional_frame",
    "read_booleans",
    "read_date",
    "read_dates",
    "require_columns",
    "subject_index",
    "with_dates",
]

FrameLike: TypeAlias = pd.DataFrame | pl.DataFrame | np.ndarray
"""A table as rtio accepts it: a pandas or polars DataFrame, or a numpy record array."""
DateLike: TypeAlias = str | np.datetime64 | pd.Timestamp | object
"""A single date: ISO ``YYYY-MM-DD`` text, ``datetime.date``, a Timestamp or numpy datetime64."""
EPOCH = np.datetime64("1970-01-01", "D")
"""Day 0 of the integer day numbers (:func:`day_numbers`)."""


def as_frame(data: FrameLike, name: str, *, copy: bool = True) -> pd.DataFrame:
    """A pandas frame (a copy unless ``copy=False``) of a pandas / polars frame or a numpy
    record array; anything else is a TypeError naming ``name``."""
    if isinstance(data, pd.DataFrame):
        return data.copy() if copy else data
    if isinstance(data, pl.DataFrame):
        return data.to_pandas()
    if isinstance(data, np.ndarray) and data.dtype.names:
        return pd.DataFrame.from_records(data)
    raise TypeError(f"{name}: expected a pandas or polars DataFrame or a numpy record array")


def optional_frame(data: FrameLike | None, name: str, *, copy: bool = True) -> pd.DataFrame | None:
    """:func:`as_frame`, passing None through (a table that was not collected)."""
    return None if data is None else as_frame(data, name, copy=copy)


def require_columns(table: pd.DataFrame, name: str, columns: Iterable[str]) -> None:
    """A ValueError naming the table and every missing column, if any is missing."""
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ValueError(f"{name}: missing required column(s) {', '.join(missing)}")


def read_dates(table: pd.DataFrame, name: str, column: str) -> pd.Series:
    """A date column read strictly (ISO ``YYYY-MM-DD``, date or datetime values; midnight,
    datetime64[ns]; missing = NaT). Anything else raises :class:`rtio.dates.DateFormatError`
    naming the table, the column and the 1-based rows."""
    return parse_iso_dates(table[column], column=column, source=name)


def with_dates(data: FrameLike, name: str, columns: Iterable[str]) -> pd.DataFrame:
    """A pandas copy of the table with each named date column that is present read strictly
    (:func:`read_dates`); the other columns as given."""
    table = as_frame(data, name)
    for column in columns:
        if column in table.columns:
            table[column] = read_dates(table, name, column)
    return table


def read_date(value: DateLike | None, name: str) -> pd.Timestamp | None:
    """One date read strictly (see :func:`rtio.dates.parse_iso_date`); None stays None."""
    return parse_iso_date(value, name=name)


def day_numbers(table: pd.DataFrame, name: str, column: str) -> np.ndarray:
    """Whole days since :data:`EPOCH` of a date column, read strictly; a missing date is an error
    naming the table, column and 1-based row."""
    raw = table[column]
    if raw.dtype.kind == "M" and getattr(raw.dtype, "tz", None) is None:
        day = raw.to_numpy().astype("datetime64[D]")  # naive datetime64: whole days directly
    else:
        day = read_dates(table, name, column).to_numpy().astype("datetime64[D]")
    missing = np.isnat(day)
    if missing.any():
        row = int(np.flatnonzero(missing)[0]) + 1
        raise ValueError(f"{name}: row {row}, column {column}: missing date")
    return (day - EPOCH).astype(np.int64)


def read_booleans(series: pd.Series, name: str, column: str) -> np.ndarray:
    """``true/false`` (any case), ``1/0`` or bool values as a bool array; anything else is an
    error naming the table, column and row."""
    if series.dtype == bool:
        return series.to_numpy()
    text = series.astype(str).str.strip().str.lower()
    ok = text.isin(["true", "false", "1", "0"])
    if not ok.all():
        row = int(np.flatnonzero(~ok.to_numpy())[0])
        raise ValueError(f"{name}: row {row}, column {column}: not a boolean: {series.iloc[row]!r}")
    return text.isin(["true", "1"]).to_numpy()


def subject_index(subjects: Iterable[object]) -> pd.Index:
    """Subject ids (a list, array, Series, Index or any iterable) as an Index of text, built
    without a Python step per subject for array-like input."""
    if not isinstance(subjects, pd.Index | pd.Series | np.ndarray | list | tuple):
        subjects = list(subjects)
    return pd.Index(subjects, dtype=object).astype(str)


def impute_date_columns(
    table: FrameLike,
    rules: Mapping[str, ImputationRule],
    *,
    name: str = "table",
    highest: str = "M",
    min_dates: Mapping[str, object] | None = None,
    max_dates: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """The table with partial dates of the named columns completed by an explicit rule, and the
    ADaM ``--DTF`` flag of each value in a ``<column>_dtf`` column ("" complete, "D" day imputed,
    "M" month and day imputed), e.g. ``impute_date_columns(subjects, {"death_date": "first"})``.

    ``rules`` maps each column to "first", "mid" or "last" (:func:`rtio.dates.impute_partial_dates`);
    ``min_dates`` / ``max_dates`` map a column to a column name of the same table or to dates that
    bound the imputed value within the partial date's range (e.g. an AE start not before the
    first dose). The derivations read the completed columns strictly and carry the flags of the
    dates they use (ADTTE ``adtf``)."""
    out = as_frame(table, name)
    for column, rule in rules.items():
        require_columns(out, name, [column])
        low = (min_dates or {}).get(column)
        high = (max_dates or {}).get(column)
        imputed = impute_partial_dates(
            out[column],
            rule=rule,
            highest="D" if highest == "D" else "M",
            min_dates=out[low] if isinstance(low, str) else low,
            max_dates=out[high] if isinstance(high, str) else high,
            column=column,
            source=name,
        )
        out[column] = imputed.dates
        out[f"{column}_dtf"] = imputed.flags
    return out
