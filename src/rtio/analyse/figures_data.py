"""Per-patient data behind the waterfall, spider, swimmer and biomarker figures, each built with
whole-column joins (one merge per source table, no per-subject lookups)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rtio.analyse.derived import Derived
from rtio.analyse.results import (
    BiomarkerValue,
    FiguresData,
    SpiderPoint,
    SwimmerLane,
    WaterfallBar,
)
from rtio.analyse.rows import records
from rtio.derive.response_endpoints import spider_data, waterfall_data
from rtio.io import Study
from rtio.lookup import by_key
from rtio.vocabulary import DAYS_PER_MONTH


def waterfall_bars(derived: Derived, arms: pd.Series | None = None) -> list[WaterfallBar]:
    """Best % change of the target sum per patient with the patient's BOR (RECIST 1.1) and, in a
    randomized study, arm (``arms``: each subject's arm label)."""
    if derived.timepoints is None or derived.bor is None:
        return []
    bars = waterfall_data(derived.timepoints).merge(
        derived.bor[["subject_id", "bor"]], on="subject_id", how="left"
    )
    if arms is not None:
        bars["arm"] = by_key(bars["subject_id"].astype(str), arms).to_numpy(dtype=object)
    return records(bars, WaterfallBar)


def spider_points(study: Study, derived: Derived) -> list[SpiderPoint]:
    """% change of the target sum over months from day 1, per patient and timepoint."""
    if derived.timepoints is None:
        return []
    return records(spider_data(derived.timepoints, study.tables["subjects"]), SpiderPoint)


def swimmer_lanes(study: Study, derived: Derived) -> list[SwimmerLane]:
    """Per patient: months on study (OS time), death, progression (PFS event time), response onset
    (first CR/PR timepoint) and BOR; one merge of each source on subject_id."""
    if derived.timepoints is None or derived.bor is None:
        return []
    subjects = study.tables["subjects"][["subject_id", "start_date"]]
    adtte = derived.adtte
    os_rows = adtte.loc[adtte["paramcd"] == "OS", ["subject_id", "aval_months", "cnsr"]]
    pfs_rows = adtte.loc[adtte["paramcd"] == "PFS", ["subject_id", "aval_months", "cnsr"]]
    pfs_rows = pfs_rows.assign(pd_months=pfs_rows["aval_months"].where(pfs_rows["cnsr"] == 0))
    timepoints = derived.timepoints
    onset = (
        timepoints[timepoints["overall_response"].isin(["CR", "PR"])]
        .groupby("subject_id", as_index=False)["assessment_date"]
        .min()
    )
    lanes = (
        subjects.merge(os_rows, on="subject_id", how="left")
        .merge(pfs_rows[["subject_id", "pd_months"]], on="subject_id", how="left")
        .merge(onset, on="subject_id", how="left")
        .merge(derived.bor[["subject_id", "bor"]], on="subject_id", how="left")
    )
    lanes = lanes.assign(
        os_months=lanes["aval_months"],
        dead=lanes["cnsr"] == 0,
        response_months=(lanes["assessment_date"] - lanes["start_date"]).dt.days / DAYS_PER_MONTH,
        bor=lanes["bor"].fillna("NE"),
    )
    return records(lanes, SwimmerLane)


def biomarker_values(study: Study, derived: Derived) -> list[BiomarkerValue]:
    """Each biomarker value with the patient's response group (PR/CR, SD or other)."""
    biomarkers = study.table("biomarkers")
    if biomarkers is None or derived.bor is None:
        return []
    data = biomarkers.merge(derived.bor[["subject_id", "bor"]], on="subject_id", how="left")
    data = data.assign(
        response=np.select(
            [data["bor"].isin(["CR", "PR"]), data["bor"] == "SD"], ["PR/CR", "SD"], "other"
        )
    )
    return records(data, BiomarkerValue)


def figures_data(study: Study, derived: Derived, arms: pd.Series | None = None) -> FiguresData:
    """The data of every per-patient figure the study supports; the waterfall by arm when
    ``arms`` (each subject's arm label) is given."""
    parts: dict[str, Any] = {
        "waterfall": waterfall_bars(derived, arms),
        "spider": spider_points(study, derived),
        "swimmer": swimmer_lanes(study, derived),
        "biomarkers": biomarker_values(study, derived),
    }
    return FiguresData(**parts)
