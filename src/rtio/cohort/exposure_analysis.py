"""Naive, landmark and time-varying comparisons of an exposure that starts after the index date.

Every comparison is reported with its numbers (patients, events) so a reader sees who was
compared. The naive comparison is kept — readers expect it — but is flagged whenever the
exposure can start after the index date, because it then credits the exposure with immortal time
(Suissa 2008). Survival statistics come from :mod:`rtio.stats`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rtio.cohort.landmark import landmark_data
from rtio.cohort.timing import counting_process
from rtio.stats import KaplanMeierGroups, NotEstimableError, cox_ph, kaplan_meier, logrank_test
from rtio.vocabulary import DAYS_PER_MONTH


@dataclass(frozen=True)
class HazardRatio:
    """A Cox hazard ratio with its Wald CI and p-value, and who it was estimated from; NaN with
    ``not_estimable`` (the reason) when the data cannot support a fit."""

    hr: float
    lower: float
    upper: float
    p_value: float
    n_subjects: int
    n_events: int
    method: str
    not_estimable: str | None = None


@dataclass(frozen=True)
class GroupMedian:
    """Kaplan–Meier median survival (months) of one group."""

    group: str
    n: int
    events: int
    median_months: float
    lower_months: float
    upper_months: float


@dataclass
class ExposureComparison:
    """One exposure compared three ways: naive, at landmarks, and as a time-varying covariate."""

    exposure: str
    starts_after_index: bool
    naive_medians: list[GroupMedian]
    naive_logrank_p: float
    naive_hr: HazardRatio
    landmarks: dict[float, HazardRatio] = field(default_factory=dict)
    landmark_medians: dict[float, list[GroupMedian]] = field(default_factory=dict)
    time_varying_hr: HazardRatio | None = None
    warning: str | None = None


def _hazard_ratio(
    frame: pd.DataFrame, covariate: str, method: str, entry: str | None = None
) -> HazardRatio:
    subjects = frame["subject_id"].nunique() if "subject_id" in frame else len(frame)
    events = int(frame["event"].sum())
    try:
        fit = cox_ph(frame, "stop" if entry else "time", "event", [covariate], entry=entry)
    except (NotEstimableError, np.linalg.LinAlgError) as error:
        reason = getattr(error, "reason", None) or (
            "no events" if events == 0 else "the data cannot support a Cox fit"
        )
        nan = float("nan")
        return HazardRatio(nan, nan, nan, nan, int(subjects), events, method, reason)
    row = fit.summary.iloc[0]
    return HazardRatio(
        hr=float(row["hr"]),
        lower=float(row["hr_lower"]),
        upper=float(row["hr_upper"]),
        p_value=float(row["p_value"]),
        n_subjects=int(subjects),
        n_events=int(frame["event"].sum()),
        method=method,
        not_estimable=fit.not_estimable(fit.names[0]),
    )


def logrank_p(time: np.ndarray, event: np.ndarray, group: np.ndarray) -> float:
    """Log-rank p across the groups present; NaN with fewer than two groups or no events."""
    if np.unique(group).size < 2 or event.sum() == 0:
        return float("nan")
    try:
        return float(logrank_test(time, event, group).p_value)
    except (NotEstimableError, np.linalg.LinAlgError):
        return float("nan")


def group_medians(
    time: np.ndarray, event: np.ndarray, group: np.ndarray, labels: dict
) -> list[GroupMedian]:
    """KM median (months) per group, with R's log-transformed CI."""
    out = []
    for value, label in labels.items():
        pick = group == value
        if not pick.any():
            continue
        median = kaplan_meier(time[pick] / DAYS_PER_MONTH, event[pick]).median()
        out.append(
            GroupMedian(
                str(label),
                int(pick.sum()),
                int(event[pick].sum()),
                median.value,
                median.lower,
                median.upper,
            )
        )
    return out


def simon_makuch(process: pd.DataFrame) -> KaplanMeierGroups:
    """Extended Kaplan–Meier curves by current exposure level (Simon & Makuch 1984).

    Subjects contribute to the unexposed curve until their exposure starts and to the exposed curve
    from then on (delayed entry). R: ``survfit(Surv(start, stop, event) ~ level)``.
    """
    return kaplan_meier(
        process["stop"].to_numpy(float),
        process["event"].to_numpy(int),
        by=process["level"].to_numpy(int),
        entry=process["start"].to_numpy(float),
    )


def compare_exposure(
    followup: pd.DataFrame,
    exposure_day: pd.Series,
    name: str,
    landmarks_days: Sequence[float] = (),
) -> ExposureComparison:
    """Compare exposed with unexposed subjects, honestly.

    ``followup``: subject_id, time (days from index), event. ``exposure_day``: days from the index
    date to the start of exposure, per subject_id (NaN = never exposed).
    """
    day = exposure_day.reindex(followup["subject_id"]).to_numpy(dtype=float)
    ever = (~np.isnan(day)).astype(int)
    time, event = followup["time"].to_numpy(float), followup["event"].to_numpy(int)
    naive = followup.assign(exposed=ever)
    labels = {0: f"no {name}", 1: name}
    starts_after = bool(np.nanmax(day, initial=0) > 0)
    comparison = ExposureComparison(
        exposure=name,
        starts_after_index=starts_after,
        naive_medians=group_medians(time, event, ever, labels),
        naive_logrank_p=logrank_p(time, event, ever),
        naive_hr=_hazard_ratio(
            naive, "exposed", "Cox PH, exposure as ever/never from the index date (naive)"
        ),
        warning=(
            f"{name} can start after the index date: the naive comparison credits it with the "
            "time patients had to survive to receive it (immortal-time bias). Read the landmark "
            "and time-varying results."
            if starts_after
            else None
        ),
    )
    for landmark in landmarks_days:
        data = landmark_data(followup, exposure_day, landmark)
        comparison.landmarks[landmark] = _hazard_ratio(
            data, "exposed", f"Cox PH at a {landmark:g}-day landmark (exposure by the landmark)"
        )
        comparison.landmark_medians[landmark] = group_medians(
            data["time"].to_numpy(float),
            data["event"].to_numpy(int),
            data["exposed"].to_numpy(int),
            labels,
        )
    changes = (
        exposure_day.dropna().rename("time").rename_axis("subject_id").reset_index().assign(level=1)
    )
    process = counting_process(followup, changes).rename(columns={"level": "exposed"})
    comparison.time_varying_hr = _hazard_ratio(
        process,
        "exposed",
        "Cox PH with exposure as a time-varying covariate (start, stop]",
        entry="start",
    )
    return comparison


@dataclass
class CategoricalComparison:
    """A graded exposure that accrues over time (e.g. IO cycles 1–6 / 7–12 / > 12), three ways."""

    exposure: str
    labels: list[str]
    naive_medians: list[GroupMedian]
    naive_logrank_p: float
    landmark_medians: dict[float, list[GroupMedian]] = field(default_factory=dict)
    landmark_logrank_p: dict[float, float] = field(default_factory=dict)
    time_varying_hr: dict[str, HazardRatio] = field(default_factory=dict)
    warning: str | None = None


def level_at(changes: pd.DataFrame, subject_ids: pd.Series, day: np.ndarray) -> np.ndarray:
    """The exposure level each subject has reached by ``day`` (0 before any change)."""
    reached = changes.merge(
        pd.DataFrame({"subject_id": subject_ids.to_numpy(), "limit": day}), on="subject_id"
    )
    reached = reached[reached["time"] <= reached["limit"]]
    level = reached.groupby("subject_id")["level"].max()
    return level.reindex(subject_ids.to_numpy()).fillna(0).to_numpy(dtype=int)


def compare_categorical_exposure(
    followup: pd.DataFrame,
    changes: pd.DataFrame,
    labels: list[str],
    name: str,
    landmarks_days: Sequence[float] = (),
) -> CategoricalComparison:
    """Compare the categories of an exposure that accrues after the index date.

    Naive: category reached by the end of follow-up (credits long survivors with more cycles).
    Landmark: category reached by the landmark, among patients still followed, time from there.
    Time-varying: Cox PH on counting-process data with the current category as a factor (each
    category against the first). ``changes``: subject_id, time (days), level (1, 2, ...).
    """
    time, event = followup["time"].to_numpy(float), followup["event"].to_numpy(int)
    ids = followup["subject_id"]
    final = level_at(changes, ids, time)
    names = dict(enumerate(labels))
    result = CategoricalComparison(
        exposure=name,
        labels=labels,
        naive_medians=group_medians(time, event, final, names),
        naive_logrank_p=logrank_p(time, event, final),
        warning=(
            f"{name} accrues after the index date: patients must survive to receive more cycles, so the "
            "naive comparison by the final category is biased towards the higher categories "
            "(immortal-time bias). Read the landmark and time-varying results."
        ),
    )
    for landmark in landmarks_days:
        keep = time > landmark
        reached = level_at(changes, ids[keep], np.full(keep.sum(), landmark))
        t, e = time[keep] - landmark, event[keep]
        result.landmark_medians[landmark] = group_medians(t, e, reached, names)
        if np.unique(reached).size > 1:
            result.landmark_logrank_p[landmark] = logrank_p(t, e, reached)
    process = counting_process(followup, changes)
    present = sorted(set(process["level"]))
    if len(present) > 1 and process["event"].sum() > 0:
        frame = process.assign(category=pd.Categorical(process["level"], categories=present))
        try:
            fit = cox_ph(frame, "stop", "event", ["category"], entry="start")
        except (NotEstimableError, np.linalg.LinAlgError):
            return result
        for row_name, row in fit.summary.iterrows():
            level = int(str(row_name).removeprefix("category"))
            result.time_varying_hr[labels[level]] = HazardRatio(
                hr=float(row["hr"]),
                lower=float(row["hr_lower"]),
                upper=float(row["hr_upper"]),
                p_value=float(row["p_value"]),
                n_subjects=int(ids.size),
                n_events=int(event.sum()),
                method=f"Cox PH, current {name} category as a time-varying factor vs {labels[present[0]]}",
                not_estimable=fit.not_estimable(str(row_name)),
            )
    return result
