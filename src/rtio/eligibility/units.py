"""Explicit unit conversions for eligibility facts.

Each fact has one canonical unit; a value in another unit is converted only by a
factor listed here, and any unit not listed is an error (never a guess).
Creatinine mg/dL <-> umol/L uses the molar mass 113.12 g/mol (1 mg/dL = 88.42 umol/L).
Factors are exact fractions, so that a converted value is compared with a limit exactly.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pandas as pd

#: (from_unit, to_unit) -> exact multiplicative factor
EXACT_FACTORS: dict[tuple[str, str], Fraction] = {
    ("10^9/L", "10^9/L"): Fraction(1),
    ("10^3/uL", "10^9/L"): Fraction(1),
    ("G/L", "10^9/L"): Fraction(1),
    ("10^6/L", "10^9/L"): Fraction(1, 1000),
    ("/uL", "10^9/L"): Fraction(1, 1000),
    ("g/L", "g/L"): Fraction(1),
    ("g/dL", "g/L"): Fraction(10),
    ("mg/L", "mg/L"): Fraction(1),
    ("mg/dL", "mg/L"): Fraction(10),
    ("mg/dL", "mg/dL"): Fraction(1),
    ("umol/L", "mg/dL"): 1 / Fraction("88.42"),
    ("mL/min", "mL/min"): Fraction(1),
    ("copies/mL", "copies/mL"): Fraction(1),
    ("IU/mL", "IU/mL"): Fraction(1),
    ("U/L", "U/L"): Fraction(1),
    ("years", "years"): Fraction(1),
    ("1", "1"): Fraction(1),
}
#: The same factors as floats.
FACTORS: dict[tuple[str, str], float] = {k: float(v) for k, v in EXACT_FACTORS.items()}


def exact_factor(from_unit: str, to_unit: str) -> Fraction:
    """Exact factor converting ``from_unit`` to ``to_unit``; unknown pairs raise ValueError."""
    try:
        return EXACT_FACTORS[(from_unit, to_unit)]
    except KeyError:
        known = sorted({f for f, t in EXACT_FACTORS if t == to_unit})
        hint = f"; known units for {to_unit}: {', '.join(known)}" if known else ""
        raise ValueError(f"no conversion from unit {from_unit!r} to {to_unit!r}{hint}") from None


def unit_factor(from_unit: str, to_unit: str) -> float:
    """Factor converting a value in ``from_unit`` to ``to_unit``; unknown pairs raise ValueError."""
    return float(exact_factor(from_unit, to_unit))


def convert(values: np.ndarray, units: np.ndarray, to_unit: str, fact: str) -> np.ndarray:
    """Convert ``values`` given per-row ``units`` to ``to_unit`` (vectorised over distinct units).

    Missing units on present values are an error naming the fact.
    """
    values = np.asarray(values, dtype=float)
    units = np.asarray(units, dtype=object)
    out = np.full(values.shape, np.nan)
    present = ~np.isnan(values)
    missing_unit = present & (pd.isna(units) | (units == ""))
    if missing_unit.any():
        row = int(np.flatnonzero(missing_unit)[0])
        raise ValueError(f"fact {fact!r}: value without unit at row {row}")
    for unit in set(units[present].tolist()):
        mask = present & (units == unit)
        try:
            factor = unit_factor(unit, to_unit)
        except ValueError as err:
            row = int(np.flatnonzero(mask)[0])
            raise ValueError(f"fact {fact!r}, row {row}: {err}") from None
        out[mask] = values[mask] * factor
    return out
