"""One strict date reader for every rtio path, and explicit imputation of partial dates.

Study dates are ISO 8601 calendar dates, ``YYYY-MM-DD``; nothing is guessed ("03/04/2024" is an
error, not March or April). A partial date ("2014-02", "2014") is never completed silently: only
:func:`impute_partial_dates` does it, by a rule the caller names, and it returns the imputation flag
of each value as CDISC ADaM's ``--DTF`` ("D" day imputed, "M" month and day imputed; empty when the
date was complete), so that the imputation travels with the data.

The rules follow the conventions statisticians know from pharmaverse admiral's date imputation:
"first" (01 / 01-01), "mid" (15 / 06-30) and "last" (last day of the month / 12-31), optionally
kept within ``min_dates`` / ``max_dates`` when those fall inside the partial date's range.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

__all__ = [
    "IMPUTATION_RULES",
    "DateFormatError",
    "ImputedDates",
    "impute_partial_dates",
    "invalid_iso_dates",
    "parse_iso_date",
    "parse_iso_dates",
]

ImputationRule = Literal["first", "mid", "last"]
IMPUTATION_RULES: tuple[ImputationRule, ...] = ("first", "mid", "last")
ImputationLevel = Literal["D", "M"]
"""The highest level a partial date may be imputed at: "D" (day) or "M" (month and day)."""

_ISO_DATE = r"\d{4}-\d{2}-\d{2}"
# An ISO 8601 date, possibly partial, possibly with a time part (SDTM --DTC): the year is required.
_PARTIAL = r"(?P<year>\d{4})(?:-(?P<month>\d{2}|-)(?:-(?P<day>\d{2}))?)?(?:T[\d:.]*)?"


class DateFormatError(ValueError):
    """Values that are not ISO ``YYYY-MM-DD`` calendar dates; names the source, column and rows.

    ``rows`` are 1-based positions in the values given (callers that read a file add their header
    offset before showing them); empty for a single value (an option such as a data cut-off)."""

    def __init__(
        self, source: str, column: str, rows: Sequence[int], values: Sequence[str]
    ) -> None:
        self.source = source
        self.column = column
        self.rows = list(rows)
        self.values = list(values)
        shown = ", ".join(
            f"row {r}: {v!r}"
            for r, v in zip(self.rows[:5], self.values[: len(self.rows[:5])], strict=True)
        )
        more = f" and {len(self.rows) - 5} more" if len(self.rows) > 5 else ""
        where = f"{source}, column {column!r}" if self.rows else source
        what = f"({shown}{more})" if self.rows else repr(self.values[0] if self.values else "")
        super().__init__(
            f"{where}: not an ISO date YYYY-MM-DD {what}; "
            "partial dates need an explicit imputation rule (rtio.dates.impute_partial_dates)"
        )


def _as_series(values: object) -> pd.Series:
    if isinstance(values, pd.Series):
        return values
    return pd.Series(np.asarray(values, dtype=object) if not hasattr(values, "dtype") else values)


def _date_text(value: object) -> str:
    """A date-typed value as ``YYYY-MM-DD`` (its day: a time part is dropped), else its text."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return str(value.astype("datetime64[D]"))
    return str(value)


def _text(values: pd.Series) -> pd.Series:
    """The values as stripped text (date-typed values as ``YYYY-MM-DD``), missing values as ""."""
    text = values.astype(object).where(values.notna(), "")
    return text.map(_date_text).str.strip()


def invalid_iso_dates(values: object) -> np.ndarray:
    """Mask of the values that are neither missing nor a valid ISO ``YYYY-MM-DD`` calendar date.

    Datetime-typed values (Parquet dates, ``datetime.date`` objects) are valid as they are."""
    series = _as_series(values)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return np.zeros(len(series), dtype=bool)
    text = _text(series)
    empty = (text == "").to_numpy()
    shaped = text.str.fullmatch(_ISO_DATE).to_numpy(dtype=bool)
    parsed = pd.to_datetime(text.where(shaped), format="%Y-%m-%d", errors="coerce")
    return ~empty & parsed.isna().to_numpy()


def parse_iso_dates(values: object, *, column: str = "date", source: str = "input") -> pd.Series:
    """Read dates strictly: ISO ``YYYY-MM-DD`` text, ``datetime.date`` or datetime64 values.

    Missing values (None, NaN, NaT, "") become NaT. Anything else raises
    :class:`DateFormatError` naming ``source``, ``column`` and the rows; nothing is guessed or
    coerced. Returns datetime64[ns] values at midnight, on the input's index."""
    series = _as_series(values)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        out = pd.to_datetime(series)
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_localize(None)
        return out.dt.normalize().astype("datetime64[ns]")
    bad = invalid_iso_dates(series)
    if bad.any():
        positions = np.flatnonzero(bad)
        raise DateFormatError(
            source, column, (positions + 1).tolist(), _text(series).iloc[positions].tolist()
        )
    text = _text(series)
    parsed = pd.to_datetime(text.where(text != ""), format="%Y-%m-%d", errors="coerce")
    return pd.Series(parsed.to_numpy(dtype="datetime64[ns]"), index=series.index, name=series.name)


def parse_iso_date(value: object, *, name: str = "date") -> pd.Timestamp | None:
    """One date read as strictly as :func:`parse_iso_dates` (for options such as a data cut-off):
    ISO ``YYYY-MM-DD`` text, ``datetime.date`` / datetime, Timestamp or numpy datetime64; None
    (or NaT / "") gives None. Anything else raises :class:`DateFormatError` naming ``name``."""
    if value is None:
        return None
    series = pd.Series([value], dtype=object)
    if invalid_iso_dates(series).any():
        raise DateFormatError(name, name, [], [_text(series).iloc[0]])
    parsed = parse_iso_dates(series, column=name, source=name).iloc[0]
    return None if pd.isna(parsed) else pd.Timestamp(parsed)


@dataclass(frozen=True)
class ImputedDates:
    """Dates after imputation, with the ADaM ``--DTF`` flag of each ("", "D" or "M")."""

    dates: pd.Series
    flags: pd.Series


def _calendar(year: pd.Series, month: pd.Series, day: int | pd.Series) -> pd.Series:
    """Calendar dates from year, month and day columns (NaT where any part is missing)."""
    return pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}), errors="coerce")


def _period_bounds(
    year: pd.Series, month: pd.Series, day: pd.Series
) -> tuple[pd.Series, pd.Series]:
    """First and last calendar date that a (possibly partial) date can stand for."""
    month_known = month.notna()
    day_known = day.notna() & month_known
    start_month = month.where(month_known, 1)
    start_day = day.where(day_known, 1)
    start = _calendar(year, start_month, start_day)
    month_end = _calendar(year, month.where(month_known, 12), 1) + pd.offsets.MonthEnd(0)
    end = start.where(day_known, month_end)
    return start, end


def impute_partial_dates(
    values: object,
    *,
    rule: ImputationRule = "first",
    highest: ImputationLevel = "M",
    min_dates: object | None = None,
    max_dates: object | None = None,
    column: str = "date",
    source: str = "input",
) -> ImputedDates:
    """Complete partial ISO 8601 dates by an explicit rule, flagging each imputation.

    Accepts ``YYYY-MM-DD`` (kept as is), ``YYYY-MM``, ``YYYY`` and SDTM's ``YYYY---DD`` (month
    unknown), each optionally followed by a time part (``THH:MM``, dropped). ``rule``: "first"
    (day 01, month 01), "mid" (day 15; month and day 06-30) or "last" (last day of the month;
    12-31). ``highest`` is the highest level that may be imputed ("D": a missing month stays
    missing). Where ``min_dates`` (``max_dates``) falls inside the range a partial date stands for,
    an imputed date earlier (later) than it is moved to it, so that, e.g., an adverse event of
    "2021-03" is not dated before a first dose on 2021-03-17. A year-less or malformed value raises
    :class:`DateFormatError`; missing values stay NaT with an empty flag.

    Flags follow ADaM ``--DTF``: "D" the day was imputed, "M" the month (and day) were imputed."""
    if rule not in IMPUTATION_RULES:
        raise ValueError(f"rule must be one of {', '.join(IMPUTATION_RULES)}, not {rule!r}")
    if highest not in ("D", "M"):
        raise ValueError(f"highest must be 'D' or 'M', not {highest!r}")
    series = _as_series(values)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        dates = parse_iso_dates(series, column=column, source=source)
        return ImputedDates(dates, pd.Series("", index=series.index, dtype=object))
    text = _text(series)
    parts = text.str.fullmatch(_PARTIAL)
    empty = (text == "").to_numpy()
    bad = ~empty & ~parts.to_numpy(dtype=bool)
    if bad.any():
        positions = np.flatnonzero(bad)
        raise DateFormatError(
            source, column, (positions + 1).tolist(), text.iloc[positions].tolist()
        )
    fields = text.str.extract(_PARTIAL)
    year = pd.to_numeric(fields["year"], errors="coerce")
    month = pd.to_numeric(fields["month"].where(fields["month"] != "-"), errors="coerce")
    day = pd.to_numeric(fields["day"], errors="coerce")
    month_missing = year.notna() & month.isna()
    day_missing = year.notna() & (day.isna() | month_missing)
    start, end = _period_bounds(year, month, day)
    invalid = year.notna() & start.isna()
    if invalid.any():
        positions = np.flatnonzero(invalid.to_numpy())
        raise DateFormatError(
            source, column, (positions + 1).tolist(), text.iloc[positions].tolist()
        )
    if rule == "first":
        imputed = start
    elif rule == "last":
        imputed = end
    else:
        fifteenth = _calendar(year, month, 15)
        june_30 = _calendar(year, pd.Series(6, index=year.index), 30)
        imputed = start.where(~day_missing, fifteenth).where(~month_missing, june_30)
    if min_dates is not None:
        low = parse_iso_dates(min_dates, column="min_dates", source=source).to_numpy()
        inside = (low >= start.to_numpy()) & (low <= end.to_numpy())
        imputed = imputed.where(
            ~(day_missing.to_numpy() & inside & (imputed.to_numpy() < low)), low
        )
    if max_dates is not None:
        high = parse_iso_dates(max_dates, column="max_dates", source=source).to_numpy()
        inside = (high >= start.to_numpy()) & (high <= end.to_numpy())
        imputed = imputed.where(
            ~(day_missing.to_numpy() & inside & (imputed.to_numpy() > high)), high
        )
    flags = np.where(month_missing, "M", np.where(day_missing, "D", ""))
    if highest == "D":
        imputed = imputed.where(~month_missing, pd.NaT)
        flags = np.where(month_missing, "", flags)
    dates = pd.Series(
        pd.to_datetime(imputed).to_numpy(dtype="datetime64[ns]"),
        index=series.index,
        name=series.name,
    )
    return ImputedDates(dates, pd.Series(flags, index=series.index, dtype=object))
