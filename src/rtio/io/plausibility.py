"""Physiological and technical plausibility, with the limits kept as data.

``data/plausibility.csv`` bounds study columns (a diameter, a dose per fraction, the total dose
of a course); ``data/lab_limits.csv`` bounds each lab test in the unit CTCAE grades it in (values
in other accepted units are converted exactly first, as grading does), with a limit in multiples
of the ULN for tests graded against it. A value outside is a unit slip or a typing slip — 150000
platelets "x 10^9/L", a negative count, 500 Gy in one fraction — and an error: grading or summing
it would give a number that looks like a result.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

from rtio.derive.ctcae import lab_units
from rtio.io.checked import CheckedStudy
from rtio.io.issues import Collector
from rtio.lookup import join_distinct

__all__ = [
    "DERIVED",
    "check_column_limits",
    "check_lab_limits",
    "check_lab_normal_range",
    "column_limits",
    "lab_limits",
]

DERIVED = {"total_dose_gy": (("dose_per_fraction_gy", "fractions"), "fractions")}
"""Limited quantities computed from columns: name → (the columns multiplied, column reported)."""


@cache
def column_limits() -> pd.DataFrame:
    """Plausible ranges of study columns (``data/plausibility.csv``)."""
    with resources.files("rtio.io.data").joinpath("plausibility.csv").open() as handle:
        return pd.read_csv(handle)


@cache
def lab_limits() -> pd.DataFrame:
    """Plausible ranges of lab tests in the unit CTCAE grades them in (``data/lab_limits.csv``)."""
    with resources.files("rtio.io.data").joinpath("lab_limits.csv").open() as handle:
        return pd.read_csv(handle)


def _range_text(low: float, low_inclusive: bool, high: float, high_inclusive: bool) -> str:
    parts = []
    if not np.isnan(low):
        parts.append(f"{'≥' if low_inclusive else '>'} {low:g}")
    if not np.isnan(high):
        parts.append(f"{'≤' if high_inclusive else '<'} {high:g}")
    return " and ".join(parts)


def check_column_limits(study: CheckedStudy, collect: Collector) -> None:
    """Each limited column (or product of columns) within its plausible range."""
    for limit in column_limits().to_dict("records"):
        name, column = str(limit["table"]), str(limit["column"])
        if column in DERIVED:
            factors, reported = DERIVED[column]
            table = study.table(name, *factors)
            if table is None:
                continue
            values = np.prod(
                [
                    table.frame[f].astype("Float64").to_numpy(float, na_value=np.nan)
                    for f in factors
                ],
                axis=0,
            )
            shown = pd.Series(values, index=table.frame.index).map(lambda v: f"{v:g}")
        else:
            table = study.table(name, column)
            if table is None:
                continue
            reported = column
            values = table.frame[column].astype("Float64").to_numpy(float, na_value=np.nan)
            shown = table.frame[column]
        low, high = float(limit["low"]), float(limit["high"])
        low_incl, high_incl = bool(limit["low_inclusive"]), bool(limit["high_inclusive"])
        below = values < low if low_incl else values <= low
        above = values > high if high_incl else values >= high
        bad = ~np.isnan(values) & ((~np.isnan(low) & below) | (~np.isnan(high) & above))
        label = column.replace("_", " ")
        collect.add_rows(
            "error",
            table.raw.locator,
            bad,
            reported,
            shown,
            "plausibility",
            f"{label} must be {_range_text(low, low_incl, high, high_incl)} {limit['unit']}: "
            f"{limit['reason']}",
        )


def _canonical_labs(frame: pd.DataFrame) -> pd.DataFrame:
    """value, lln, uln in the unit of the criteria (exact powers of ten, as grading converts);
    ``canonical_unit`` missing where the unit is not accepted for the test."""
    units = lab_units()
    merged = join_distinct(frame[["test", "unit"]], units)
    multiply = np.nan_to_num(merged.column("multiply").astype(float), nan=1.0)
    divide = np.nan_to_num(merged.column("divide").astype(float), nan=1.0)
    out = pd.DataFrame(index=frame.index)
    for column in ("value", "lln", "uln"):
        raw = (
            frame[column].astype("Float64").to_numpy(float, na_value=np.nan)
            if column in frame
            else np.full(len(frame), np.nan)
        )
        out[column] = np.where(divide > 1, raw / divide, raw * multiply)
    out["canonical_unit"] = pd.Series(
        merged.column("canonical_unit"), index=frame.index, dtype=object
    )
    return out


def check_lab_limits(study: CheckedStudy, collect: Collector) -> None:
    """Lab values within the plausible range of their test, in the unit CTCAE grades it in."""
    table = study.table("labs", "test", "unit", "value")
    if table is None:
        return
    frame = table.frame
    canonical = _canonical_labs(frame)
    limits = lab_limits()
    graded_units = set(lab_units()["test"])
    test = frame["test"].astype(object)
    unit = np.where(test.isin(graded_units), canonical["canonical_unit"], "any")
    keyed = join_distinct(pd.DataFrame({"test": test, "unit": unit}, index=frame.index), limits)
    value = canonical["value"].to_numpy()
    low = keyed.column("low").astype(float)
    high = keyed.column("high").astype(float)
    x_uln = keyed.column("high_x_uln").astype(float) * canonical["uln"].to_numpy()
    outside = ~np.isnan(value) & ((value < low) | (value > high) | (value > x_uln))

    def message(pos: int) -> str:
        row = keyed.row(pos)
        bounds = []
        if not np.isnan(low[pos]):
            bounds.append(f"≥ {low[pos]:g}")
        if not np.isnan(high[pos]):
            bounds.append(f"≤ {high[pos]:g}")
        if not np.isnan(x_uln[pos]):
            bounds.append(f"≤ {row['high_x_uln']:g} x ULN")
        unit_text = "" if row["unit"] == "any" else f" {row['unit']}"
        converted = (
            ""
            if row["unit"] == "any" or row["unit"] == frame["unit"].iloc[pos]
            else f" ({value[pos]:g} {row['unit']})"
        )
        return (
            f"{row['test']} {frame['value'].iloc[pos]:g} {frame['unit'].iloc[pos]}{converted} is "
            f"outside the plausible {' and '.join(bounds)}{unit_text}: {row['reason']}"
        )

    collect.add_rows(
        "error", table.raw.locator, outside, "value", frame["value"], "plausibility", message
    )


def check_lab_normal_range(study: CheckedStudy, collect: Collector) -> None:
    """A lab's normal range is not negative and its LLN lies below its ULN."""
    table = study.table("labs", "value")
    if table is None:
        return
    frame = table.frame
    present = [c for c in ("lln", "uln") if table.has(c)]
    for column in present:
        values = frame[column].astype("Float64").to_numpy(float, na_value=np.nan)
        collect.add_rows(
            "error",
            table.raw.locator,
            values < 0,
            column,
            frame[column],
            "lln_uln",
            f"a negative {column.upper()}",
        )
    if len(present) < 2:
        return
    lln = frame["lln"].astype("Float64").to_numpy(float, na_value=np.nan)
    uln = frame["uln"].astype("Float64").to_numpy(float, na_value=np.nan)
    collect.add_rows(
        "error",
        table.raw.locator,
        lln >= uln,
        "lln",
        frame["lln"],
        "lln_uln",
        lambda pos: f"the LLN {lln[pos]:g} is not below the ULN {uln[pos]:g} (swapped?)",
    )
