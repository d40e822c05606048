"""Treatment exposure (seed 004 Supplementary Table 1): per drug, the patients treated, cycles
received, time on treatment (first dose to last dose + one cycle, months) and relative dose
intensity where the protocol gives a fixed dose (delivered per cycle-length of treatment over the
planned dose); with the reasons treatment stopped. Overall and per arm."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rtio.analyse.arms import StudyArms
from rtio.analyse.results import ExposureRow, ExposureSummary
from rtio.derive.exposure import exposure_summary
from rtio.io import Study

DEFAULT_CYCLE_DAYS = 21


def _cycle_days(study: Study) -> int:
    lengths = [r.cycle_length_days for r in study.protocol.regimens if r.cycle_length_days]
    return int(min(lengths)) if lengths else DEFAULT_CYCLE_DAYS


def planned_doses(study: Study) -> dict[str, float]:
    """Fixed planned doses per administration (mg) by drug name, where the protocol gives one."""
    return {
        r.drug.lower(): float(r.dose.value)
        for r in study.protocol.regimens
        if r.dose is not None and r.dose.value is not None and r.dose.unit == "mg"
    }


def _quantiles(values: pd.Series) -> tuple[float | None, ...]:
    if values.dropna().empty:
        return (None, None, None, None, None)
    q1, median, q3 = np.nanpercentile(values.astype(float), [25, 50, 75])
    return (float(median), float(q1), float(q3), float(values.min()), float(values.max()))


def _rows(summary: pd.DataFrame, group: str) -> list[ExposureRow]:
    out = []
    for drug, part in summary.groupby("drug", sort=True):
        cycles = _quantiles(part["cycles"])
        months = _quantiles(part["time_on_treatment_months"])
        intensity = (
            _quantiles(part["relative_dose_intensity"])
            if "relative_dose_intensity" in part and part["relative_dose_intensity"].notna().any()
            else (None,) * 5
        )
        out.append(
            ExposureRow(
                drug=str(drug),
                group=group,
                patients=int(part["subject_id"].nunique()),
                cycles_median=cycles[0],
                cycles_q1=cycles[1],
                cycles_q3=cycles[2],
                cycles_min=cycles[3],
                cycles_max=cycles[4],
                months_median=months[0],
                months_q1=months[1],
                months_q3=months[2],
                dose_intensity_median=intensity[0],
            )
        )
    return out


def exposure(study: Study, arms: StudyArms, stop_reasons: pd.Series) -> ExposureSummary | None:
    """The exposure summary; None without an exposures table."""
    exposures = study.table("exposures")
    if exposures is None or exposures.empty:
        return None
    cycle_days = _cycle_days(study)
    planned = planned_doses(study)
    summary = exposure_summary(exposures, cycle_days, None)
    if planned:
        with_dose = exposure_summary(
            exposures.assign(drug=exposures["drug"].astype(str).str.lower()), cycle_days, planned
        )
        summary = summary.assign(
            relative_dose_intensity=with_dose["relative_dose_intensity"].to_numpy()
        )
    summary = summary.assign(subject_id=summary["subject_id"].astype(str))
    rows = _rows(summary, "All")
    by_arm: dict[str, dict[str, int]] = {}
    for label in arms.labels:
        members = arms.of_subject.index[(arms.of_subject == label).to_numpy()]
        rows += _rows(summary[summary["subject_id"].isin(members)], label)
        by_arm[label] = {
            str(k): int(v) for k, v in stop_reasons.reindex(members).dropna().value_counts().items()
        }
    return ExposureSummary(
        rows=rows,
        cycle_days=cycle_days,
        planned_doses=planned,
        discontinuation={str(k): int(v) for k, v in stop_reasons.dropna().value_counts().items()},
        discontinuation_by_arm=by_arm,
    )
