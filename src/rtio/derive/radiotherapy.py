"""Radiotherapy dose bookkeeping and protocol compliance.

Linear-quadratic model (Fowler 1989): BED = n·d·(1 + d/(α/β)); EQD2 = BED / (1 + 2/(α/β)). Optional
repopulation correction BED_T = BED − ln 2 / (α·T_pot) · max(0, T − T_k) with every parameter explicit
(no hidden defaults). BED and EQD2 add across courses for one tissue and one α/β; physical doses of
different fractionations are not added as a biological dose.

Course classes (documented thresholds): low-dose = total ≤ 2 Gy (immunomodulatory LDRT, seed 000);
SBRT = technique SBRT, or ≥ 5 Gy per fraction in ≤ 8 fractions; hypofractionated = > 2.2 Gy per
fraction; conventional otherwise (1.8–2.2 Gy per fraction).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from rtio.derive.populations import course_lesions
from rtio.frames import FrameLike, with_dates

__all__ = [
    "ALPHA_BETA",
    "bed",
    "classify_course",
    "course_doses",
    "eqd2",
    "lesion_doses",
]

ALPHA_BETA = {"tumour": 10.0, "late": 3.0}
"""Default α/β (Gy): tumour and acutely responding tissue 10, late-responding tissue 3."""


def bed(
    total_dose: Any,
    fractions: Any,
    alpha_beta: float = 10.0,
    treatment_days: Any = None,
    kickoff_days: float | None = None,
    alpha: float | None = None,
    tpot_days: float | None = None,
) -> Any:
    """Biologically effective dose (Gy), vectorised; bed(50, 25, 10) = 60."""
    d = np.asarray(total_dose, dtype=float) / np.asarray(fractions, dtype=float)
    value = np.asarray(total_dose, dtype=float) * (1 + d / alpha_beta)
    repopulation = (treatment_days, kickoff_days, alpha, tpot_days)
    if any(v is not None for v in repopulation):
        if treatment_days is None or kickoff_days is None or alpha is None or tpot_days is None:
            raise ValueError(
                "repopulation needs treatment_days, kickoff_days, alpha and tpot_days together"
            )
        late = np.maximum(0.0, np.asarray(treatment_days, dtype=float) - kickoff_days)
        value = value - np.log(2) / (alpha * tpot_days) * late
    return float(value) if np.ndim(value) == 0 else value


def eqd2(total_dose: Any, fractions: Any, alpha_beta: float = 10.0, **repopulation: Any) -> Any:
    """Equivalent dose in 2-Gy fractions (Gy), vectorised; eqd2(50, 25, 10) = 50."""
    value = np.asarray(bed(total_dose, fractions, alpha_beta, **repopulation)) / (
        1 + 2 / alpha_beta
    )
    return float(value) if np.ndim(value) == 0 else value


def classify_course(
    total_dose: Any, dose_per_fraction: Any, fractions: Any, technique: Any = None
) -> np.ndarray:
    """low-dose / SBRT / hypofractionated / conventional (thresholds in the module doc)."""
    total = np.asarray(total_dose, dtype=float)
    per = np.asarray(dose_per_fraction, dtype=float)
    n = np.asarray(fractions, dtype=float)
    sbrt_technique = (
        np.zeros(total.shape, dtype=bool)
        if technique is None
        else (pd.Series(technique).astype(str).str.upper().str.contains("SBRT|SABR").to_numpy())
    )
    return np.select(
        [total <= 2.0, sbrt_technique | ((per >= 5) & (n <= 8)), per > 2.2],
        ["low-dose", "SBRT", "hypofractionated"],
        default="conventional",
    )


def course_doses(
    radiotherapy: FrameLike, alpha_betas: Sequence[float] = (10.0, 3.0)
) -> pd.DataFrame:
    """Per course: total dose, class, overall time (days), BED and EQD2 for each α/β."""
    out = with_dates(radiotherapy, "radiotherapy", ["start_date", "end_date"])
    out["total_dose_gy"] = out["dose_per_fraction_gy"] * out["fractions"]
    out["course_class"] = classify_course(
        out["total_dose_gy"], out["dose_per_fraction_gy"], out["fractions"], out["technique"]
    )
    out["overall_days"] = (out["end_date"] - out["start_date"]).dt.days
    for ab in alpha_betas:
        out[f"bed_{ab:g}"] = bed(out["total_dose_gy"], out["fractions"], ab)
        out[f"eqd2_{ab:g}"] = eqd2(out["total_dose_gy"], out["fractions"], ab)
    return out


def lesion_doses(
    radiotherapy: pd.DataFrame, lesions: pd.DataFrame, alpha_beta: float = 10.0
) -> pd.DataFrame:
    """Cumulative physical dose and EQD2 per irradiated lesion, with its first and last RT dates."""
    courses = course_doses(radiotherapy, [alpha_beta])
    pairs = course_lesions(radiotherapy, lesions).merge(
        courses.drop(columns="subject_id"), left_on="course", right_index=True
    )
    eqd2_column = f"eqd2_{alpha_beta:g}"
    return (
        pairs.groupby(["subject_id", "lesion_id"])
        .agg(
            first_rt_start=("start_date", "min"),
            last_rt_end=("end_date", "max"),
            total_dose_gy=("total_dose_gy", "sum"),
            eqd2=(eqd2_column, "sum"),
            courses=("course", "count"),
        )
        .rename(columns={"eqd2": eqd2_column})
        .reset_index()
    )
