"""Outcome times from the index date (days), censored at the data cut-off."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

ZERO_DAY_TIME = 0.5
"""Follow-up that ends on the index date counts as half a day, so every interval has length > 0."""


def days_between(start: pd.Series, end: pd.Series) -> np.ndarray:
    """Whole days from ``start`` to ``end`` (dates)."""
    return (pd.to_datetime(end) - pd.to_datetime(start)).dt.days.to_numpy(dtype=float)


def overall_survival(subjects: pd.DataFrame, data_cutoff: dt.date | None = None) -> pd.DataFrame:
    """OS from the index date (``start_date``): death, else censored at last known alive.

    Deaths after the data cut-off are censored at the cut-off, and so is follow-up beyond it
    (DESIGN: data cut-off). Returns subject_id, time (days), event (1 = death).
    """
    death = pd.to_datetime(subjects["death_date"])
    alive = pd.to_datetime(subjects["last_known_alive_date"])
    end = death.where(death.notna(), alive)
    event = death.notna().to_numpy()
    if data_cutoff is not None:
        cutoff = pd.Timestamp(data_cutoff)
        late = (end > cutoff).to_numpy()
        end = end.where(~late, cutoff)
        event = event & ~late
    time = days_between(subjects["start_date"], end)
    if np.isnan(time).any():
        rows = np.flatnonzero(np.isnan(time))
        raise ValueError(
            f"subjects rows {rows.tolist()}: neither death_date nor last_known_alive_date"
        )
    if (time < 0).any():
        rows = np.flatnonzero(time < 0)
        raise ValueError(f"subjects rows {rows.tolist()}: follow-up ends before start_date")
    time = np.where(time == 0, ZERO_DAY_TIME, time)
    return pd.DataFrame(
        {"subject_id": subjects["subject_id"].to_numpy(), "time": time, "event": event.astype(int)}
    )
