"""Treatment exposure per subject and drug: cycles, dose intensity, time on treatment, IO cycle
categories (seed 001: 1–6 / 7–12 / > 12) and reasons for discontinuation."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rtio.frames import FrameLike, with_dates
from rtio.vocabulary import DAYS_PER_MONTH

__all__ = [
    "cycle_category",
    "discontinuation_reasons",
    "exposure_summary",
]


def exposure_summary(
    exposures: FrameLike, cycle_days: int = 21, planned_dose: dict[str, float] | None = None
) -> pd.DataFrame:
    """Per subject x drug: cycles received, first / last dose, time on treatment (months, first dose
    to last dose + one cycle), cumulative dose, and relative dose intensity when a planned dose per
    cycle is given (delivered dose per cycle-length of treatment over planned)."""
    exposures = with_dates(exposures, "exposures", ["date"])
    grouped = exposures.groupby(["subject_id", "drug"])
    out = grouped.agg(
        cycles=("cycle", "nunique"),
        first_dose=("date", "min"),
        last_dose=("date", "max"),
        cumulative_dose=("dose", "sum"),
        dose_unit=("dose_unit", "first"),
    ).reset_index()
    days = (out["last_dose"] - out["first_dose"]).dt.days + cycle_days
    out["time_on_treatment_months"] = days / DAYS_PER_MONTH
    if planned_dose:
        out["relative_dose_intensity"] = (
            out["cumulative_dose"] / (days / cycle_days) / out["drug"].map(planned_dose)
        )
    return out


def cycle_category(
    cycles: pd.Series,
    edges: Sequence[int] = (6, 12),
    labels: Sequence[str] = ("1–6", "7–12", ">12"),
) -> pd.Series:
    """Cycle counts into categories: (0, 6], (6, 12], > 12 by default (seed 001)."""
    bins = [0, *edges, np.inf]
    return pd.cut(cycles, bins=bins, labels=list(labels), right=True)


def discontinuation_reasons(
    events: FrameLike, kind: str = "treatment_discontinuation"
) -> pd.DataFrame:
    """Subjects per discontinuation reason (``events.detail``; "not recorded" when empty)."""
    events = with_dates(events, "events", ["date"])
    stops = events[events["kind"] == kind].sort_values("date").drop_duplicates("subject_id")
    reasons = (
        stops["detail"].fillna("not recorded")
        if "detail" in stops
        else pd.Series("not recorded", index=stops.index)
    )
    return reasons.value_counts().rename_axis("reason").reset_index(name="subjects")
