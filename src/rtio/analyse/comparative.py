"""Randomized comparisons: arm effect, subgroup hazard ratios (forest data) and the
non-inferiority conclusion (upper CI limit of the HR against the margin)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rtio.analyse.results import ForestRow
from rtio.stats import cox_ph

SUBGROUPS = [("sex", "Sex"), ("ecog", "ECOG"), ("age_group", "Age"), ("stratum", "Stratum")]


def _arm_frame(adtte: pd.DataFrame, subjects: pd.DataFrame, endpoint: str) -> pd.DataFrame:
    rows = adtte[adtte["paramcd"] == endpoint][["subject_id", "aval_months", "cnsr"]]
    frame = rows.merge(subjects, on="subject_id")
    arms = sorted(frame["arm"].unique())
    frame["treated"] = (frame["arm"] == arms[-1]).astype(float)
    frame["event"] = 1 - frame["cnsr"]
    frame["age_group"] = np.where(frame["age"] < 60, "<60", "≥60")
    return frame


def forest_rows(adtte: pd.DataFrame, subjects: pd.DataFrame, endpoint: str) -> list[ForestRow]:
    """Cox HR of the second arm (sorted) vs the first, overall and within each subgroup level."""
    frame = _arm_frame(adtte, subjects, endpoint)
    rows = []

    def fit(part: pd.DataFrame, subgroup: str, level: str) -> None:
        events = int(part["event"].sum())
        hr = lower = upper = None
        if part["treated"].nunique() == 2 and events >= 2:
            s = cox_ph(part, "aval_months", "event", ["treated"]).summary.iloc[0]
            hr, lower, upper = float(s["hr"]), float(s["hr_lower"]), float(s["hr_upper"])
        rows.append(
            ForestRow(
                subgroup=subgroup,
                level=level,
                n=len(part),
                events=events,
                hr=hr,
                lower=lower,
                upper=upper,
            )
        )

    fit(frame, "All patients", "")
    for column, label in SUBGROUPS:
        if column in frame and frame[column].notna().any():
            for level, part in frame.groupby(column, sort=True):
                fit(part, label, str(level))
    return rows


def non_inferiority(forest: list[ForestRow], margin: float | None, arms: list[str]) -> str:
    """The NI conclusion from the overall HR's upper 95 % limit (hazard ratio scale)."""
    overall = forest[0]
    if margin is None:
        return (
            "No non-inferiority margin is stated in the protocol; conclusion not drawn "
            f"(overall HR {arms[-1]} vs {arms[0]}: {overall.hr:.2f}, 95 % CI {overall.lower:.2f}–{overall.upper:.2f})."
        )
    verdict = "non-inferior" if overall.upper < margin else "non-inferiority not shown"
    return (
        f"HR {arms[-1]} vs {arms[0]} {overall.hr:.2f} (95 % CI {overall.lower:.2f}–{overall.upper:.2f}); "
        f"upper limit vs margin {margin:g}: {verdict}."
    )
