"""Cohort analyses of a retrospective protocol: each exposure compared naively and honestly
(landmark, time-varying), and the surgical / pathological endpoints when a surgery table exists."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rtio.cohort import cycle_category_times, first_rt_start_day, overall_survival
from rtio.cohort.exposure_analysis import compare_categorical_exposure, compare_exposure
from rtio.cohort.surgical import neoadjuvant_endpoints, rt_to_surgery_days
from rtio.io import Study

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


def _cycle_categories(study: Study) -> tuple[list[str], list[int]] | None:
    """Labels and entry thresholds of the protocol's cumulative-cycles exposure (seed 001)."""
    cohort = getattr(study.protocol, "cohort", None)
    for exposure in getattr(cohort, "exposures", None) or []:
        if exposure.measure == "cumulative_cycles" and exposure.categories:
            labels = [c.label for c in exposure.categories]
            return labels, [int(c.min) for c in exposure.categories[1:]]
    return None


def cohort_results(study: Study) -> dict[str, Any]:
    """Results of the cohort analyses as plain data (JSON-ready)."""
    tables = study.tables
    subjects = tables["subjects"]
    out: dict[str, Any] = {}
    radiotherapy = tables.get("radiotherapy")
    if radiotherapy is not None and not radiotherapy.empty and tables.get("surgery") is None:
        followup = overall_survival(subjects, study.settings.data_cutoff)
        rt_day = first_rt_start_day(subjects, radiotherapy)
        if rt_day.notna().any() and rt_day.isna().any():
            comparison = compare_exposure(
                followup, rt_day, "local RT", landmarks_days=LANDMARKS_DAYS
            )
            out["local_rt"] = asdict(comparison)
    exposures, categories = tables.get("exposures"), _cycle_categories(study)
    if exposures is not None and categories is not None:
        labels, thresholds = categories
        followup = overall_survival(subjects, study.settings.data_cutoff)
        changes = cycle_category_times(subjects, exposures, IMMUNOTHERAPY_DRUGS, thresholds)
        comparison = compare_categorical_exposure(
            followup, changes, labels, "IO cycles", CYCLE_LANDMARK_DAYS
        )
        out["io_cycles"] = asdict(comparison)
    surgery = tables.get("surgery")
    if surgery is not None and not surgery.empty:
        endpoints = neoadjuvant_endpoints(
            subjects, surgery, tables.get("responses"), tables.get("adverse_events")
        )
        out["neoadjuvant_endpoints"] = endpoints.to_dict(orient="records")
        if radiotherapy is not None:
            days = rt_to_surgery_days(radiotherapy, surgery)
            out["rt_to_surgery_days"] = {
                "median": float(days.median()),
                "min": float(days.min()),
                "max": float(days.max()),
                "n": int(days.size),
            }
    return out


def immortal_time_note(results: dict[str, Any]) -> str | None:
    """A plain-language note when an exposure can start after the index date."""
    warnings = [r["warning"] for r in results.values() if isinstance(r, dict) and r.get("warning")]
    return " ".join(warnings) if warnings else None
