"""Subgroup hazard ratios of a randomized trial (forest plot data): the experimental arm vs the
declared reference arm, overall and within each level of the usual subgroups."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rtio.analyse.arms import StudyArms
from rtio.analyse.effects import hazard_ratio
from rtio.analyse.results import Forest, ForestRow

MISSING = "missing"
"""The subgroup level of patients whose value is missing."""
SUBGROUPS = [("sex", "Sex"), ("ecog", "ECOG"), ("age_group", "Age"), ("stratum", "Stratum")]


def _level(value: object) -> str:
    """A subgroup level as written (a whole number read as float, e.g. ECOG 1.0, as 1)."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def forest(
    adtte: pd.DataFrame, subjects: pd.DataFrame, arms: StudyArms, endpoint: str, population: str
) -> Forest | None:
    """Cox HR (Efron ties, Wald 95 % CI) of ``arms.group`` vs ``arms.reference``, overall and
    within each subgroup level; a subgroup without the data for a fit is not estimable. Patients
    with a missing subgroup value form their own "missing" level (never dropped)."""
    if not arms.comparable or arms.group is None or arms.reference is None:
        return None
    rows = adtte.loc[adtte["paramcd"] == endpoint, ["subject_id", "aval_months", "cnsr"]]
    if rows.empty:
        return None
    frame = rows.merge(subjects.drop(columns="arm"), on="subject_id")
    frame["arm"] = frame["subject_id"].map(arms.of_subject)
    frame["event"] = 1 - frame["cnsr"]
    frame["age_group"] = np.where(frame["age"] < 60, "<60", "≥60")
    group, reference = arms.group, arms.reference

    def fit(part: pd.DataFrame, subgroup: str, level: str) -> ForestRow:
        effect, _ = hazard_ratio(
            part["aval_months"].to_numpy(float),
            part["event"].to_numpy(int),
            (part["arm"] == group).to_numpy(),
            group,
            reference,
        )
        return ForestRow(
            subgroup=subgroup,
            level=level,
            n=len(part),
            events=int(part["event"].sum()),
            hazard_ratio=effect,
        )

    out = [fit(frame, "All patients", "")]
    for column, label in SUBGROUPS:
        if column in frame and frame[column].notna().any():
            given = frame[column].notna()
            for level, part in frame[given].groupby(column, sort=True):
                out.append(fit(part, label, _level(level)))
            if not given.all():
                out.append(fit(frame[~given], label, MISSING))
    return Forest(
        endpoint=endpoint, population=population, group=group, reference=reference, rows=out
    )
