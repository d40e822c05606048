"""Parsing one table into typed columns, and the checks of single cells.

Parsing and checking are one pass: :func:`parse_table` returns the typed frame that
:func:`rtio.io.load_study` hands to the rest of rtio, and collects every cell that does not parse
or breaks its column's declaration. Nothing is coerced silently: a cell that does not parse is an
error, never a silent NaN. Whatever a file can hold — text, any Parquet or Excel type, integers
too large for 64 bits, dates out of range, Python objects in a frame given in memory — ends as a
typed value or a reported cell, never an exception.

Checks run over whole columns (pandas / numpy); messages are built only for the rows shown.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rtio.io.issues import Collector
from rtio.io.readers import RawTable
from rtio.io.schema import Column, TableSchema
from rtio.io.settings import FIRST_YEAR, LAST_YEAR

__all__ = [
    "EARLIEST_DATE",
    "INVISIBLE",
    "KIND_TEXT",
    "LATEST_DATE",
    "ParsedTable",
    "clean_key",
    "normalised_name",
    "parse_table",
]

INVISIBLE = re.compile(
    "[\u00a0\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u2000-\u200f\u2028-\u202f"
    "\u205f-\u206f\u3000\u3164\ufeff\uffa0\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
)
"""Characters a person cannot see in a cell: zero-width and other format characters, no-break
and other unusual spaces, control characters."""

KIND_TEXT = {
    "str": "text",
    "int": "whole number",
    "float": "number",
    "date": "date (YYYY-MM-DD)",
    "bool": "boolean (true/false)",
}
NESTED = (list, tuple, dict, set, np.ndarray, bytes, bytearray)
"""Cell values that are not one value (nested Parquet types, binary data)."""
EARLIEST_DATE = pd.Timestamp(FIRST_YEAR, 1, 1)
LATEST_DATE = pd.Timestamp(LAST_YEAR, 12, 31)
"""Dates outside these are typing slips (1921 for 2021), not study dates. They are reported
(rule ``date_range``) and not used, so no later rule compares dates centuries apart."""
MAX_INT_DIGITS = 18
"""Whole numbers with more digits do not fit 64 bits (and are no plausible study value)."""


@dataclass
class ParsedTable:
    """One typed table and what could not be used: ``unusable`` names declared columns that are
    missing or whose stored type is wrong as a whole (rules that need them are not run)."""

    raw: RawTable
    frame: pd.DataFrame
    unusable: set[str] = field(default_factory=set)

    def has(self, *columns: str) -> bool:
        """Whether every column is present and usable."""
        return all(c in self.frame.columns and c not in self.unusable for c in columns)


def normalised_name(name: str) -> str:
    """A column name as compared for near misses: no invisible characters or surrounding
    spaces, case-folded, spaces / dashes / dots as underscores."""
    text = INVISIBLE.sub("", name).strip().casefold()
    return re.sub(r"[\s\-.]+", "_", text)


def clean_key(values: pd.Series) -> pd.Series:
    """Identifier text as compared across tables (object dtype, missing as None): invisible
    characters and surrounding spaces removed, so that one bad cell is reported once, not at
    every row that refers to it. A study repeats its ids thousands of times, so the text work
    runs once per distinct value and is spread back by its code."""
    codes, distinct = pd.factorize(values)
    text = pd.Series(distinct.to_numpy(dtype=object), dtype=object).astype("string")
    cleaned = text.str.replace(INVISIBLE, "", regex=True).str.strip()
    spread = np.empty(len(cleaned) + 1, dtype=object)  # the last (code -1, missing) is None
    spread[:-1] = cleaned.astype(object).where(cleaned.notna(), None).to_numpy()
    return pd.Series(spread[codes], index=values.index, dtype=object)


# ---------------------------------------------------------------- per-cell hints


def _invisible_hint(text: str) -> str | None:
    found = INVISIBLE.search(text)
    if found is None:
        return None
    char = found.group()
    name = unicodedata.name(char, "control character")
    return (
        f"contains an invisible character U+{ord(char):04X} ({name}) at position "
        f"{found.start() + 1}: delete it"
    )


def _type_message(value: object, column: Column) -> str:
    """Why a cell does not parse as its column's kind, in the user's terms."""
    base = f"not a valid {KIND_TEXT[column.kind]}"
    if isinstance(value, NESTED):
        return f"{base}: a {type(value).__name__} of values is not one value"
    text = str(value) if value is not None else ""
    invisible = _invisible_hint(text)
    if invisible:
        return f"{base}: {invisible}"
    stripped = text.strip()
    if column.kind in ("int", "float"):
        if re.fullmatch(rf"[+-]?\d{{{MAX_INT_DIGITS + 1},}}", stripped):
            return f"{base}: {len(stripped.lstrip('+-'))} digits is too large for this column"
        if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?", stripped):
            return (
                f"{base}: a thousands separator or a decimal comma? write the number without "
                "separators, with a decimal point"
            )
        if re.fullmatch(r"[+-]?\d+,\d+", stripped):
            return f"{base}: a decimal comma? write {stripped.replace(',', '.')}"
        if column.kind == "int" and re.fullmatch(r"[+-]?\d+\.\d+", stripped):
            return f"{base}: has a fractional part"
        if re.match(r"^[<>≤≥]=?", stripped):
            return f"{base}: a limit ('<', '>') is not a value; record the value and its unit"
        if stripped.lower() in ("nan", "inf", "-inf", "infinity", "+inf"):
            return f"{base}: leave the cell empty for a missing value"
    if column.kind == "date":
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}[T ].*", stripped):
            return f"{base}: a date and time; give the date only"
        if re.fullmatch(r"\d{5}(\.\d+)?", stripped):
            return f"{base}: an Excel date serial number? format the column as a date"
        if re.fullmatch(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}", stripped):
            return f"{base}: day and month order is ambiguous; write YYYY-MM-DD"
        if re.fullmatch(r"\d{4}(-\d{2})?", stripped):
            return f"{base}: a partial date; impute it explicitly (rtio.dates)"
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", stripped):
            return f"{base}: no such calendar day"
    if column.kind == "bool" and stripped.lower() in ("yes", "no", "y", "n", "1", "0"):
        return f"{base}: write true or false"
    return base


# ---------------------------------------------------------------- text cells


def _text_of(values: pd.Series) -> pd.Series:
    """Cells that may hold any Python value (a frame given in memory) as text (object dtype),
    each written as a CSV would hold it; missing as the empty text."""
    text = values.astype(object).where(values.notna(), "")
    return text.map(lambda v: v if isinstance(v, str) else _cell_text(v))


def _cell_text(value: object) -> str:
    """A Python value given where text is parsed (frames given in memory): as a CSV would hold
    it."""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, pd.Timestamp):
        return value.isoformat() if value != value.normalize() else value.date().isoformat()
    if isinstance(value, float | np.floating) and float(value).is_integer():
        number = float(value)
        return str(int(number)) if abs(number) < 1e15 else repr(number)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _parse_text(text: pd.Series, column: Column) -> tuple[pd.Series, np.ndarray]:
    """Parse a text column (missing cells read as the empty text) into its kind; returns
    (typed values, mask of unparseable cells). Each distinct text is parsed once (as in
    :func:`clean_key`), found by factorizing the column in its own storage (Arrow text
    from Parquet is never converted cell by cell)."""
    codes, distinct = pd.factorize(text)
    codes = np.where(codes < 0, len(distinct), codes)
    texts = pd.Series([*distinct.to_numpy(dtype=object), ""], dtype=object)
    typed, bad = _parse_distinct(texts, column)
    return typed.take(codes).set_axis(text.index), bad[codes]


def _parse_distinct(text: pd.Series, column: Column) -> tuple[pd.Series, np.ndarray]:
    """:func:`_parse_text` of distinct texts (element-wise)."""
    stripped = text.str.strip()
    empty = (stripped == "").to_numpy(dtype=bool)
    if column.kind == "str":
        return text.where(~empty, None), np.zeros(len(text), dtype=bool)
    if column.kind == "int":
        ok = stripped.str.fullmatch(rf"[+-]?\d{{1,{MAX_INT_DIGITS}}}").to_numpy(dtype=bool)
        numbers = stripped.where(ok, "0").astype(np.int64).to_numpy()
        whole = pd.Series(numbers, index=text.index).astype("Int64")
        return whole.where(ok, pd.NA), ~empty & ~ok
    if column.kind == "float":
        number = pd.to_numeric(stripped.where(~empty), errors="coerce").astype(float)
        bad = ~empty & ~np.isfinite(number.to_numpy(dtype=float))
        return number.where(~bad), bad
    if column.kind == "date":
        ok = stripped.str.fullmatch(r"\d{4}-\d{2}-\d{2}").to_numpy(dtype=bool)
        year = pd.to_numeric(stripped.str[:4].where(ok), errors="coerce")
        ok = ok & ((year >= EARLIEST_DATE.year) & (year <= LATEST_DATE.year)).to_numpy(dtype=bool)
        dates = pd.to_datetime(stripped.where(ok), format="%Y-%m-%d", errors="coerce")
        dates = dates.astype("datetime64[ns]")
        return dates, ~empty & dates.isna().to_numpy()
    lowered = stripped.str.lower()
    ok = lowered.isin(["true", "false"]).to_numpy()
    typed = pd.Series(lowered.to_numpy() == "true", index=text.index, dtype="boolean")
    return typed.where(~empty & ok, pd.NA), ~empty & ~ok


def _dates_in_range(values: pd.Series) -> pd.Series:
    """Dates as datetime64[ns], those outside :data:`EARLIEST_DATE` – :data:`LATEST_DATE` missing
    (their cells are reported): pandas 3 keeps far dates at a coarser unit, pandas 2 cannot hold
    them at all, and either way they are typing slips."""
    inside = (values >= EARLIEST_DATE) & (values < LATEST_DATE + pd.Timedelta(days=1))
    return values.where(inside).astype("datetime64[ns]")


def _far_date(value: object) -> bool:
    """Whether a cell that did not give a usable date is a calendar date whose year lies outside
    :data:`EARLIEST_DATE` – :data:`LATEST_DATE` (then the year is the slip, not the format)."""
    if isinstance(value, np.datetime64):
        year = int(value.astype("datetime64[Y]").astype(np.int64)) + 1970
    elif isinstance(value, dt.date):
        year = value.year
    elif isinstance(value, str):
        text = INVISIBLE.sub("", value).strip()
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return False
        try:
            year = dt.date.fromisoformat(text).year
        except ValueError:
            return False
    else:
        return False
    return not EARLIEST_DATE.year <= year <= LATEST_DATE.year


# ---------------------------------------------------------------- typed (native) cells


def _storage(values: pd.Series) -> str:
    """What a typed column holds: text, int, float, bool, date, decimal, empty or mixed."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _storage(values.astype(object))
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_integer_dtype(dtype):
        return "int"
    if pd.api.types.is_float_dtype(dtype):
        return "float"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date"
    if dtype.kind != "O":
        return "text" if pd.api.types.is_string_dtype(dtype) else "other"
    inferred = pd.api.types.infer_dtype(values, skipna=True)
    return {
        "string": "text",
        "empty": "empty",
        "integer": "int",
        "floating": "float",
        "mixed-integer-float": "float",
        "decimal": "decimal",
        "boolean": "bool",
        "date": "dateobj",
        "datetime": "dateobj",
        "datetime64": "dateobj",
    }.get(inferred, "mixed")


def _from_native(
    values: pd.Series, column: Column
) -> tuple[pd.Series, np.ndarray, str | None] | None:
    """Typed values from a typed column: (values, unparseable cells, note) — or None when the
    stored type cannot hold the column's kind at all."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.astype(object).where(values.notna(), None)
    storage = _storage(values)
    n = len(values)
    none = np.zeros(n, dtype=bool)
    if storage in ("text", "empty"):
        return (*_parse_text(values, column), None)
    if storage == "mixed":
        nested = values.map(lambda v: isinstance(v, NESTED), na_action="ignore")
        nested_mask = nested.fillna(False).to_numpy(dtype=bool)
        typed, bad = _parse_text(_text_of(values.mask(nested_mask)), column)
        if column.kind == "str":
            typed = typed.mask(nested_mask)
        return typed, bad | nested_mask, None
    kind = column.kind
    if kind == "str":
        if storage == "int":
            text = values.astype(object).where(values.notna(), None)
            typed = text.map(lambda v: str(int(v)), na_action="ignore")
            return typed, none, "stored as whole numbers; read as their digits"
        return None
    if storage == "decimal":
        values, storage = values.astype(float), "float"
    if kind in ("int", "float") and storage in ("int", "float"):
        as_float = values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
        missing = values.isna().to_numpy()
        bad = ~missing & ~np.isfinite(as_float)
        if kind == "float":
            return pd.Series(np.where(bad, np.nan, as_float), index=values.index), bad, None
        if storage == "int":
            unsigned = pd.api.types.is_unsigned_integer_dtype(values.dtype)
            ints = values.astype("UInt64" if unsigned else "Int64")
            limit = 10**MAX_INT_DIGITS
            big = (ints >= limit) if unsigned else (ints >= limit) | (ints <= -limit)
            bad = big.to_numpy(dtype=bool, na_value=False)
            return ints.mask(bad).astype("Int64"), bad, None
        bad |= ~missing & np.isfinite(as_float) & (as_float != np.round(as_float))
        bad |= ~missing & (np.abs(np.nan_to_num(as_float)) >= 10.0**MAX_INT_DIGITS)
        whole = np.where(bad | missing, 0, np.nan_to_num(as_float)).astype(np.int64)
        typed = pd.Series(pd.array(whole, dtype="Int64"), index=values.index)
        return typed.where(~(bad | missing), pd.NA), bad, None
    if kind == "date" and storage in ("date", "dateobj"):
        if storage == "date" and getattr(values.dt, "tz", None) is not None:
            values = values.dt.tz_localize(None)
        typed = pd.to_datetime(values, errors="coerce")
        if getattr(typed.dt, "tz", None) is not None:
            typed = typed.dt.tz_localize(None)
        typed = _dates_in_range(typed).dt.normalize()
        return typed, values.notna().to_numpy() & typed.isna().to_numpy(), None
    if kind == "bool" and storage == "bool":
        return values.astype("boolean"), none, None
    return None


# ---------------------------------------------------------------- one column


def _allowed_message(column: Column) -> Callable[[object], str]:
    allowed = column.allowed or ()
    folded = {a.casefold(): a for a in allowed}

    def message(value: object) -> str:
        text = str(value)
        hint = folded.get(INVISIBLE.sub("", text).strip().casefold())
        base = f"must be one of: {', '.join(allowed)}"
        return f"{base} (did you mean {hint!r}?)" if hint else base

    return message


def _check_values(
    raw: RawTable,
    column: Column,
    typed: pd.Series,
    bad: np.ndarray,
    original: pd.Series,
    collect: Collector,
) -> None:
    """Emptiness, allowed values, ranges, precision and hidden characters of one column."""
    locator, name = raw.locator, column.name
    missing = typed.isna().to_numpy() & ~bad
    if not column.nullable:
        collect.add_rows("error", locator, missing, name, None, "empty_value", "must not be empty")
    present = ~missing & ~bad
    if column.allowed is not None:
        outside = present & ~typed.astype(object).isin(column.allowed).to_numpy()
        message = _allowed_message(column)
        collect.add_rows(
            "error",
            locator,
            outside,
            name,
            original,
            "allowed_values",
            lambda pos: message(original.iloc[pos]),
        )
    if column.kind in ("int", "float"):
        number = typed.to_numpy(dtype=float, na_value=np.nan)
        if column.minimum is not None:
            collect.add_rows(
                "error",
                locator,
                present & (number < column.minimum),
                name,
                original,
                "minimum",
                f"must be >= {column.minimum:g}",
            )
        if column.maximum is not None:
            collect.add_rows(
                "error",
                locator,
                present & (number > column.maximum),
                name,
                original,
                "maximum",
                f"must be <= {column.maximum:g}",
            )
        if column.decimals is not None:
            scale = 10.0**column.decimals
            scaled = number * scale
            off = present & (np.abs(scaled - np.round(scaled)) > 1e-6)
            collect.add_rows(
                "error",
                locator,
                off,
                name,
                original,
                "precision",
                f"more than {column.decimals} decimals: values are compared exactly on "
                f"{1 / scale:g} {column.unit or ''}".rstrip(),
            )
    if column.kind == "str":
        _check_text(raw, column, typed, present, collect)


def _check_text(
    raw: RawTable, column: Column, typed: pd.Series, present: np.ndarray, collect: Collector
) -> None:
    """Invisible characters anywhere (in identifiers and coded values: errors), and spaces
    around identifiers; each distinct text (str cells) is looked at once."""
    codes, distinct = pd.factorize(typed.to_numpy(dtype=object))
    text = pd.Series(distinct, dtype=object).astype("string")
    hidden_text = np.append(
        text.str.contains(INVISIBLE).to_numpy(dtype=bool, na_value=False), False
    )
    hidden = present & hidden_text[codes]
    collect.add_rows(
        "warning" if column.free_text else "error",
        raw.locator,
        hidden,
        column.name,
        typed,
        "invisible_character",
        lambda pos: _invisible_hint(str(typed.iloc[pos])) or "contains an invisible character",
    )
    if column.identifier:
        spaced_text = np.append((text != text.str.strip()).to_numpy(dtype=bool), False)
        spaced = present & ~hidden & spaced_text[codes]
        collect.add_rows(
            "error",
            raw.locator,
            spaced,
            column.name,
            typed,
            "whitespace",
            "an identifier with spaces before or after it: delete the spaces",
        )


def _parse_column(
    raw: RawTable, column: Column, collect: Collector
) -> tuple[pd.Series, np.ndarray] | None:
    values = raw.frame[column.name]
    if raw.textual:
        typed, bad = _parse_text(values, column)
        note = None
    else:
        native = _from_native(values, column)
        if native is None:
            collect.add(
                "error",
                raw.file,
                "type",
                f"the column is stored as {values.dtype}; expected {KIND_TEXT[column.kind]}",
                column=column.name,
            )
            return None
        typed, bad, note = native
    if note:
        collect.add("warning", raw.file, "type", note, column=column.name)
    far = _far_dates(values, bad) if column.kind == "date" else np.zeros(len(bad), dtype=bool)
    collect.add_rows(
        "error",
        raw.locator,
        bad & ~far,
        column.name,
        values,
        "type",
        lambda pos: _type_message(values.iloc[pos], column),
    )
    collect.add_rows(
        "error",
        raw.locator,
        far,
        column.name,
        values,
        "date_range",
        f"outside {EARLIEST_DATE.year}–{LATEST_DATE.year}: a typing slip in the year?",
    )
    _check_values(raw, column, typed, bad, values, collect)
    return _finalise(typed, column), bad


def _far_dates(values: pd.Series, bad: np.ndarray) -> np.ndarray:
    """Which unusable cells of a date column are calendar dates outside the range (looked at
    only for the unusable cells, one by one: there are few)."""
    far = np.zeros(len(bad), dtype=bool)
    positions = np.flatnonzero(bad)
    far[positions] = [_far_date(values.iloc[p]) for p in positions]
    return far


def _finalise(typed: pd.Series, column: Column) -> pd.Series:
    """Plain numpy dtypes where a column has no missing values by contract; text as object."""
    if column.kind == "str":
        return typed.astype(object).where(typed.notna(), None)
    if column.kind == "date":
        return typed.astype("datetime64[ns]")
    if column.nullable:
        return typed
    if column.kind == "int" and typed.notna().all():
        return typed.astype("int64")
    if column.kind == "bool" and typed.notna().all():
        return typed.astype(bool)
    return typed


# ---------------------------------------------------------------- one table


def _check_names(raw: RawTable, schema: TableSchema, collect: Collector) -> dict[str, str]:
    """Report unknown and misnamed columns; returns {declared name: name found} for near
    misses (``Subject_ID`` for ``subject_id``)."""
    present = set(raw.frame.columns)
    declared = {normalised_name(c): c for c in schema.column_names}
    near: dict[str, str] = {}
    for name in raw.frame.columns:
        if name in schema.column_names:
            continue
        target = declared.get(normalised_name(str(name)))
        if target is not None and target not in present and target not in near:
            near[target] = str(name)
            continue
        collect.add(
            "warning",
            raw.file,
            "unknown_column",
            f"column {name!r} is not part of the {schema.name} table; it is kept as text",
            row=1 if raw.textual else None,
            column=str(name),
        )
    for target, found in near.items():
        collect.add(
            "error",
            raw.file,
            "column_name",
            f"column {found!r} should be named {target!r} (names are exact: lower case, no spaces)",
            row=1 if raw.textual else None,
            column=found,
            value=found,
        )
    return near


def parse_table(raw: RawTable, schema: TableSchema, collect: Collector) -> ParsedTable:
    """Check the columns of one table and return it typed (declared columns first, extras
    after, as stored)."""
    near = _check_names(raw, schema, collect)
    typed_columns: dict[str, pd.Series] = {}
    unusable: set[str] = set()
    for column in schema.columns:
        if column.name not in raw.frame.columns:
            if column.name in near:
                unusable.add(column.name)
            elif column.required:
                unusable.add(column.name)
                collect.add(
                    "error",
                    raw.file,
                    "missing_column",
                    f"required column {column.name!r} of the {schema.name} table is missing",
                    column=column.name,
                )
            continue
        parsed = _parse_column(raw, column, collect)
        if parsed is None:
            unusable.add(column.name)
            continue
        typed_columns[column.name] = parsed[0]
    result = pd.DataFrame(typed_columns, index=raw.frame.index)
    for name in raw.frame.columns:
        if name not in schema.column_names and name not in near.values():
            result[name] = raw.frame[name]
    return ParsedTable(raw, result, unusable)
