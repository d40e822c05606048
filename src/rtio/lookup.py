"""Per-row lookup of per-key values (e.g. each subject's first dose date)."""

from __future__ import annotations

import pandas as pd

__all__ = ["by_key"]


def by_key(keys: pd.Series, table: pd.Series) -> pd.Series:
    """``table`` (unique index) looked up for each key, NaN / NaT where absent, on ``keys``' index.

    Used instead of ``Series.map`` for date-valued tables: under pandas 3 ``map`` with an empty
    datetime table fails (it casts the empty table to float)."""
    values = table.reindex(pd.Index(keys.to_numpy())).to_numpy()
    return pd.Series(values, index=keys.index, name=keys.name)
