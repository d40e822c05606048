"""Explicit unit conversions for eligibility facts.

Each fact has one canonical unit; a value in another unit is converted only by a
factor listed here, and any unit not listed is an error (never a guess).
Creatinine mg/dL <-> umol/L uses the molar mass 113.12 g/mol (1 mg/dL = 88.42 umol/L).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: (from_unit, to_unit) -> multiplicative factor
FACTORS: dict[tuple[str, str], float] = {
    ("10^9/L", "10^9/L"): 1.0,
    ("10^3/uL", "10^9/L"): 1.0,
    ("G/L", "10^9/L"): 1.0,
    ("10^6/L", "10^9/L"): 1e-3,
    ("/uL", "10^9/L"): 1e-3,
    ("g/L", "g/L"): 1.0,
    ("g/dL", "g/L"): 10.0,
    ("mg/L", "mg/L"): 1.0,
    ("mg/dL", "mg/L"): 10.0,
    ("mg/dL", "mg/dL"): 1.0,
    ("umol/L", "mg/dL"): 1.0 / 88.42,
    ("mL/min", "mL/min"): 1.0,
    ("copies/mL", "copies/mL"): 1.0,
    ("IU/mL", "IU/mL"): 1.0,
    ("U/L", "U/L"): 1.0,
    ("years", "years"): 1.0,
    ("1", "1"): 1.0,
}


def unit_factor(from_unit: str, to_unit: str) -> float:
    """Factor converting a value in ``from_unit`` to ``to_unit``; unknown pairs raise ValueError."""
    try:
        return FACTORS[(from_unit, to_unit)]
    except KeyError:
        raise ValueError(f"no conversion from unit {from_unit!r} to {to_unit!r}") from None


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
