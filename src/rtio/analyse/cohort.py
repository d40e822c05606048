"""Cohort analyses of a retrospective protocol: each exposure compared naively and honestly
(landmark, time-varying), and the surgical / pathological endpoints when a surgery table exists."""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pandas as pd

from rtio.analyse.adjusted import multivariable_cox, propensity_analysis
from rtio.analyse.effects import not_estimable
from rtio.analyse.results import (
    BinaryEndpoint,
    CategoricalComparison,
    CohortHazardRatio,
    CohortResults,
    DaysSummary,
    Effect,
    ExposureComparison,
    GroupMedian,
    Test,
)
from rtio.cohort import cycle_category_times, first_rt_start_day, overall_survival
from rtio.cohort import exposure_analysis as cohort_analysis
from rtio.cohort.exposure_analysis import (
    HazardRatio,
    compare_categorical_exposure,
    compare_exposure,
)
from rtio.cohort.surgical import neoadjuvant_endpoints, rt_to_surgery_days
from rtio.io import Study
from rtio.protocol.models import Protocol

LANDMARKS_DAYS = (91.3125, 182.625)
"""3 and 6 months (days / DAYS_PER_MONTH, :mod:`rtio.vocabulary`)."""
CYCLE_LANDMARK_DAYS = (273.9375,)
"""9 months: enough time for 13 three-weekly cycles."""
IMMUNOTHERAPY_DRUGS = (
    "atezolizumab",
    "camrelizumab",
    "durvalumab",
    "nivolumab",
    "pembrolizumab",
    "penpulimab",
    "serplulimab",
    "sintilimab",
    "tislelizumab",
    "toripalimab",
)
"""PD-1 / PD-L1 inhibitors counted as immunotherapy cycles when the protocol names no drugs."""


def cycle_categories(study: Study) -> tuple[list[str], list[int]] | None:
    """Labels and entry thresholds of the protocol's cumulative-cycles exposure (seed 001)."""
    cohort = study.protocol.cohort
    for exposure in cohort.exposures if cohort else []:
        if exposure.measure == "cumulative_cycles" and exposure.categories:
            labels = [c.label for c in exposure.categories]
            return labels, [int(c.min or 0) for c in exposure.categories[1:]]
    return None


def _effect(hr: HazardRatio, group: str, reference: str) -> CohortHazardRatio:
    """A cohort hazard ratio as an Effect of ``group`` vs ``reference`` (not estimable when the
    fit failed or its coefficient runs to infinity: monotone likelihood)."""
    reason = hr.not_estimable
    if reason is None and not np.isfinite(hr.hr):
        reason = "the data cannot support a Cox fit"
    effect = (
        not_estimable(group, reference, hr.method, reason)
        if reason
        else Effect(
            value=hr.hr,
            lower=hr.lower,
            upper=hr.upper,
            conf_level=0.95,
            group=group,
            reference=reference,
            method=hr.method,
            p_value=hr.p_value,
        )
    )
    return CohortHazardRatio(hazard_ratio=effect, n_subjects=hr.n_subjects, n_events=hr.n_events)


def _logrank(p_value: float) -> Test:
    method = "log-rank (R survdiff, rho = 0)"
    if not np.isfinite(p_value):
        return Test(
            statistic=None,
            p_value=None,
            method=method,
            not_estimable="fewer than two groups or no events",
        )
    return Test(statistic=None, p_value=p_value, method=method)


def _medians(medians: list) -> list[GroupMedian]:
    return [GroupMedian.model_validate(asdict(m)) for m in medians]


def exposure_comparison(c: cohort_analysis.ExposureComparison) -> ExposureComparison:
    """An ever / never exposure comparison as a Results section ("no <exposure>", the
    unexposed, is the reference of every hazard ratio)."""
    exposed, unexposed = c.exposure, f"no {c.exposure}"
    return ExposureComparison(
        exposure=c.exposure,
        starts_after_index=c.starts_after_index,
        naive_medians=_medians(c.naive_medians),
        naive_logrank=_logrank(c.naive_logrank_p),
        naive_hr=_effect(c.naive_hr, exposed, unexposed),
        landmarks={str(k): _effect(v, exposed, unexposed) for k, v in c.landmarks.items()},
        landmark_medians={str(k): _medians(v) for k, v in c.landmark_medians.items()},
        time_varying_hr=None
        if c.time_varying_hr is None
        else _effect(c.time_varying_hr, exposed, unexposed),
        warning=c.warning,
    )


def categorical_comparison(c: cohort_analysis.CategoricalComparison) -> CategoricalComparison:
    """A graded exposure comparison as a Results section (the first category is the reference)."""
    return CategoricalComparison(
        exposure=c.exposure,
        labels=c.labels,
        naive_medians=_medians(c.naive_medians),
        naive_logrank=_logrank(c.naive_logrank_p),
        landmark_medians={str(k): _medians(v) for k, v in c.landmark_medians.items()},
        landmark_logrank={str(k): _logrank(v) for k, v in c.landmark_logrank_p.items()},
        time_varying_hr={k: _effect(v, k, c.labels[0]) for k, v in c.time_varying_hr.items()},
        warning=c.warning,
    )


def local_rt_comparison(study: Study) -> ExposureComparison | None:
    """Ever vs never local RT: naive, at 3- and 6-month landmarks and time-varying (seed 001);
    "no local RT" (unexposed) is the reference."""
    tables = study.tables
    radiotherapy = tables.get("radiotherapy")
    if radiotherapy is None or radiotherapy.empty or tables.get("surgery") is not None:
        return None
    subjects = tables["subjects"]
    followup = overall_survival(subjects, study.settings.data_cutoff)
    rt_day = first_rt_start_day(subjects, radiotherapy)
    if not (rt_day.notna().any() and rt_day.isna().any()):
        return None
    return exposure_comparison(
        compare_exposure(followup, rt_day, "local RT", landmarks_days=LANDMARKS_DAYS)
    )


def io_cycle_comparison(study: Study) -> CategoricalComparison | None:
    """OS by the protocol's IO-cycle categories: naive, at a landmark and time-varying; the first
    category is the reference."""
    exposures, categories = study.tables.get("exposures"), cycle_categories(study)
    if exposures is None or categories is None:
        return None
    labels, thresholds = categories
    subjects = study.tables["subjects"]
    followup = overall_survival(subjects, study.settings.data_cutoff)
    changes = cycle_category_times(subjects, exposures, IMMUNOTHERAPY_DRUGS, thresholds)
    return categorical_comparison(
        compare_categorical_exposure(followup, changes, labels, "IO cycles", CYCLE_LANDMARK_DAYS)
    )


def surgical_endpoints(study: Study) -> list[BinaryEndpoint]:
    """Seed 002's surgical and pathological endpoints (exact CIs), when a surgery table exists."""
    tables = study.tables
    surgery = tables.get("surgery")
    if surgery is None or surgery.empty:
        return []
    endpoints = neoadjuvant_endpoints(
        tables["subjects"], surgery, tables.get("responses"), tables.get("adverse_events")
    )
    return [BinaryEndpoint.model_validate(row) for row in endpoints.to_dict(orient="records")]


def rt_to_surgery(study: Study) -> DaysSummary | None:
    """Days from the end of induction RT to surgery: median, range, n."""
    surgery, radiotherapy = study.tables.get("surgery"), study.tables.get("radiotherapy")
    if surgery is None or surgery.empty or radiotherapy is None:
        return None
    days = rt_to_surgery_days(radiotherapy, surgery)
    return DaysSummary(
        median=float(days.median()), min=float(days.min()), max=float(days.max()), n=int(days.size)
    )


def cohort_results(study: Study) -> CohortResults:
    """Every cohort analysis the study's tables support."""
    local_rt = local_rt_comparison(study)
    return CohortResults(
        local_rt=local_rt,
        io_cycles=io_cycle_comparison(study),
        neoadjuvant_endpoints=surgical_endpoints(study),
        rt_to_surgery_days=rt_to_surgery(study),
        multivariable=multivariable_cox(study) if local_rt else None,
        propensity=propensity_analysis(study) if local_rt else None,
    )


def unadjusted_reason(study: Study, results: CohortResults | None) -> dict[str, str]:
    """Why a cohort with an exposure comparison has no adjusted analyses, if it has none."""
    if results is None or results.local_rt is None or results.multivariable is not None:
        return {}
    return {
        "adjusted analyses": "the protocol names no covariates (cohort.covariates), so no "
        "multivariable Cox or propensity-score analysis was run"
    }


def exposure_groups(
    protocol: Protocol, subject_ids: pd.Series, exposed: np.ndarray
) -> tuple[pd.Series | None, list[str], str | None]:
    """Table 1 groups of a cohort whose protocol compares an "ever" radiotherapy exposure: each
    subject labelled by the protocol's cohort arm (exposed) or comparator cohort (unexposed, the
    reference); (None, [], None) when the protocol declares no such pair."""
    cohort = protocol.cohort
    ever = any(
        e.measure == "ever" and e.table == "radiotherapy"
        for e in (cohort.exposures if cohort else [])
    )
    treated = next((a for a in protocol.arms if a.type == "cohort"), None)
    untreated = next((a for a in protocol.arms if a.type == "comparator_cohort"), None)
    if not ever or treated is None or untreated is None:
        return None, [], None
    labels = np.where(exposed, treated.label, untreated.label)
    return (
        pd.Series(labels, index=subject_ids.to_numpy()),
        [untreated.label, treated.label],
        untreated.label,
    )


def immortal_time_note(results: CohortResults) -> str | None:
    """A plain-language note when an exposure can start after the index date."""
    warnings = [c.warning for c in (results.local_rt, results.io_cycles) if c and c.warning]
    return " ".join(warnings) if warnings else None
