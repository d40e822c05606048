"""Checks of when records happen relative to day 1, the baseline window, screening and the
data cut-off.

These rules name every record that an analysis treats differently because of its date, so that
no record changes what counts without a note: a scan before day 1 that is not the baseline, an
adverse event that began before treatment, a subject who starts after the cut-off. Day 1 is the
subject's ``start_date``; the imaging baseline window is the protocol's (RECIST 1.1 §3.2: the
baseline is the last assessment on or before day 1 and no more than the window before it).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from rtio.io.checked import CheckedStudy
from rtio.io.consistency import DATED_COLUMNS, lesion_roles
from rtio.io.issues import Collector
from rtio.io.parsing import ParsedTable
from rtio.vocabulary import BASELINE_WINDOW_DAYS, LesionRole, MeasurementStatus

__all__ = [
    "MEASURABLE_MM",
    "MEASURABLE_NODE_MM",
    "baseline_window_days",
    "check_adverse_event_timing",
    "check_after_cutoff",
    "check_baseline_scans",
    "check_responses_before_day1",
    "check_screening_before_treatment",
    "check_start_after_cutoff",
    "check_treatment_before_day1",
    "scan_timepoints",
]

MEASURABLE_MM = 10.0
MEASURABLE_NODE_MM = 15.0
"""RECIST 1.1 §3.1: a measurable lesion is ≥ 10 mm (a lymph node ≥ 15 mm in short axis)."""

AE_FLAGS = ("related_treatment", "related_radiotherapy", "immune_related")


def baseline_window_days(protocol: Any) -> int:
    """The imaging baseline window (days before day 1) the protocol states, else
    :data:`rtio.vocabulary.BASELINE_WINDOW_DAYS`."""
    for assessment in getattr(protocol, "assessments", None) or []:
        if assessment.kind != "imaging":
            continue
        for phase in assessment.phases:
            if phase.within_days_before_start is not None:
                return int(phase.within_days_before_start)
    return BASELINE_WINDOW_DAYS


def _day_text(value: Any) -> str:
    return pd.Timestamp(value).date().isoformat() if pd.notna(value) else "?"


def scan_timepoints(study: CheckedStudy, table: ParsedTable) -> pd.DataFrame | None:
    """Per measurement row: its subject, timepoint key (the visit when given, else the date,
    DESIGN), the timepoint's date (its last scan), day 1, and whether the timepoint is the
    subject's baseline (the last one on or before day 1 within the window)."""
    if not table.has("subject_id", "assessment_date"):
        return None
    start = study.subject_values(table, "start_date")
    if start is None:
        return None
    frame = table.frame
    date = frame["assessment_date"]
    visit = (
        frame["visit"].astype("string").str.strip()
        if table.has("visit")
        else pd.Series(pd.NA, index=frame.index, dtype="string")
    )
    visit = visit.mask(visit == "")
    key = visit.fillna("date " + date.dt.strftime("%Y-%m-%d").fillna(""))
    rows = pd.DataFrame(
        {
            "subject": study.key(table.raw.name, "subject_id"),
            "key": key.astype(object),
            "date": date,
            "day1": pd.to_datetime(start),
        }
    )
    rows["tp_date"] = rows.groupby(["subject", "key"], dropna=False)["date"].transform("max")
    window = pd.Timedelta(days=baseline_window_days(study.protocol))
    candidate = (rows["tp_date"] <= rows["day1"]) & (rows["tp_date"] >= rows["day1"] - window)
    baseline_date = rows["tp_date"].where(candidate).groupby(rows["subject"]).transform("max")
    rows["baseline_date"] = baseline_date
    rows["is_baseline"] = candidate & (rows["tp_date"] == baseline_date)
    rows["before_day1"] = rows["tp_date"] <= rows["day1"]
    return rows


def check_baseline_scans(study: CheckedStudy, collect: Collector) -> None:
    """Scans on or before day 1 other than the baseline are not used (warning); a subject
    without a scan in the window has no baseline (warning); a target lesion measured 0 mm or
    absent at baseline is an error (RECIST 1.1 §3.1; its baseline sum could be 0 and every
    percentage change infinite), one below the measurable size a warning."""
    table = study.table("measurements", "subject_id", "assessment_date")
    if table is None:
        return
    rows = scan_timepoints(study, table)
    if rows is None:
        return
    locator, date = table.raw.locator, table.frame["assessment_date"]
    window = baseline_window_days(study.protocol)
    unused = (rows["before_day1"] & ~rows["is_baseline"]).to_numpy(dtype=bool)

    def unused_message(pos: int) -> str:
        row = rows.iloc[pos]
        days = (row["day1"] - row["tp_date"]).days
        if days > window:
            return (
                f"scan {days} days before day 1 ({_day_text(row['day1'])}), outside the "
                f"protocol's {window}-day baseline window: not used"
            )
        return (
            f"an earlier pre-treatment scan; the baseline is the later one of "
            f"{_day_text(row['baseline_date'])}: not used"
        )

    collect.add_rows(
        "warning",
        locator,
        unused,
        "assessment_date",
        date,
        "before_baseline",
        unused_message,
    )
    known = rows["day1"].notna() & rows["subject"].notna()
    first_row = ~rows["subject"].duplicated() & known
    no_baseline = first_row & rows["baseline_date"].isna()
    collect.add_rows(
        "warning",
        locator,
        no_baseline.to_numpy(dtype=bool),
        "assessment_date",
        date,
        "no_baseline",
        f"the subject has no scan within {window} days before day 1: no baseline, so tumour "
        "response is not evaluable (NE)",
    )
    split = (~rows["before_day1"] & (rows["date"] <= rows["day1"])).to_numpy(dtype=bool)
    collect.add_rows(
        "warning",
        locator,
        split,
        "assessment_date",
        date,
        "before_day1",
        "dated on or before day 1 but grouped (by visit) with scans after day 1: the timepoint "
        "counts as post-baseline",
    )
    _check_baseline_measurable(study, table, rows, collect)


def _check_baseline_measurable(
    study: CheckedStudy, table: ParsedTable, rows: pd.DataFrame, collect: Collector
) -> None:
    if not table.has("status", "diameter_mm"):
        return
    role = lesion_roles(study, table)
    if role is None:
        return
    frame = table.frame
    status, diameter = frame["status"], frame["diameter_mm"]
    at_baseline = rows["is_baseline"].to_numpy(dtype=bool) & (role == LesionRole.TARGET).to_numpy(
        dtype=bool
    )
    zero = at_baseline & ((status == MeasurementStatus.ABSENT) | (diameter == 0)).to_numpy(
        dtype=bool
    )
    collect.add_rows(
        "error",
        table.raw.locator,
        zero,
        "diameter_mm",
        diameter,
        "baseline_measurable",
        "a target lesion absent or 0 mm at baseline: target lesions are measurable at baseline "
        "(RECIST 1.1 §3.1); a baseline sum of 0 makes every change from baseline infinite",
    )
    node = _lesion_is_node(study, table)
    limit = np.where(node, MEASURABLE_NODE_MM, MEASURABLE_MM)
    small = (
        at_baseline
        & ~zero
        & (
            (status == MeasurementStatus.TOO_SMALL_TO_MEASURE).to_numpy(dtype=bool)
            | (diameter.to_numpy(dtype=float, na_value=np.nan) < limit)
        )
    )
    collect.add_rows(
        "warning",
        table.raw.locator,
        small,
        "diameter_mm",
        diameter,
        "baseline_measurable",
        lambda pos: (
            f"a target lesion below the measurable size at baseline (RECIST 1.1 §3.1: "
            f"≥ {limit[pos]:g} mm{' short axis for a node' if node[pos] else ''}); it is summed "
            "as recorded"
        ),
    )


def _lesion_is_node(study: CheckedStudy, table: ParsedTable) -> np.ndarray:
    lesions = study.table("lesions", "subject_id", "lesion_id", "is_lymph_node")
    if lesions is None:
        return np.zeros(len(table.frame), dtype=bool)
    known = pd.DataFrame(
        {
            "subject_id": study.key("lesions", "subject_id"),
            "lesion_id": study.key("lesions", "lesion_id"),
            "node": lesions.frame["is_lymph_node"].astype("boolean"),
        }
    ).drop_duplicates(["subject_id", "lesion_id"])
    rows = pd.DataFrame(
        {
            "subject_id": study.key(table.raw.name, "subject_id"),
            "lesion_id": study.key(table.raw.name, "lesion_id"),
        }
    )
    merged = rows.merge(known, how="left", on=["subject_id", "lesion_id"])
    return merged["node"].to_numpy(dtype=bool, na_value=False)


def check_responses_before_day1(study: CheckedStudy, collect: Collector) -> None:
    """A reported response dated on or before day 1 is not a post-baseline assessment."""
    table = study.table("responses", "subject_id", "assessment_date")
    if table is None:
        return
    start = study.subject_values(table, "start_date")
    if start is None:
        return
    date = table.frame["assessment_date"]
    collect.add_rows(
        "warning",
        table.raw.locator,
        (date <= pd.to_datetime(start)).to_numpy(),
        "assessment_date",
        date,
        "before_day1",
        "a response dated on or before day 1 is not a post-baseline assessment: not used",
    )


def check_adverse_event_timing(study: CheckedStudy, collect: Collector) -> None:
    """An AE that ended before day 1 cannot be related to study treatment (error); one that
    began before day 1 is a pre-existing condition, not treatment-emergent (warning)."""
    table = study.table("adverse_events", "subject_id", "start_date")
    if table is None:
        return
    start = study.subject_values(table, "start_date")
    if start is None:
        return
    day1 = pd.to_datetime(start)
    frame, locator = table.frame, table.raw.locator
    related = np.zeros(len(frame), dtype=bool)
    for flag in AE_FLAGS:
        if table.has(flag):
            related |= frame[flag].to_numpy(dtype=bool, na_value=False)
    ended = (
        (frame["end_date"] < day1).to_numpy(dtype=bool)
        if table.has("end_date")
        else np.zeros(len(frame), dtype=bool)
    )
    collect.add_rows(
        "error",
        locator,
        ended & related,
        "end_date",
        frame["end_date"] if table.has("end_date") else None,
        "ae_before_treatment",
        lambda pos: (
            f"ended before day 1 ({_day_text(day1.iloc[pos])}) yet is marked related to "
            "treatment, radiotherapy or immunity"
        ),
    )
    began = (frame["start_date"] < day1).to_numpy(dtype=bool) & ~(ended & related)
    collect.add_rows(
        "warning",
        locator,
        began,
        "start_date",
        frame["start_date"],
        "ae_before_treatment",
        lambda pos: (
            f"began before day 1 ({_day_text(day1.iloc[pos])}): a pre-existing condition, "
            "not treatment-emergent"
        ),
    )


def _before_day1(start: pd.Series) -> Callable[[int], str]:
    return lambda pos: f"before day 1 ({_day_text(start.iloc[pos])}, start_date)"


def _before_screening(screened: pd.Series, where: np.ndarray) -> Callable[[int], str]:
    return lambda pos: (
        f"before the subject's screening on {_day_text(screened.iloc[pos])} ({where[pos]}): "
        "treatment cannot precede screening and consent"
    )


def check_treatment_before_day1(study: CheckedStudy, collect: Collector) -> None:
    """Study treatment given before day 1 (the start of study treatment) is named."""
    for name, column in (("exposures", "date"), ("radiotherapy", "start_date")):
        table = study.table(name, "subject_id", column)
        if table is None:
            continue
        start = study.subject_values(table, "start_date")
        if start is None:
            continue
        values = table.frame[column]
        collect.add_rows(
            "warning",
            table.raw.locator,
            (values < pd.to_datetime(start)).to_numpy(),
            column,
            values,
            "before_day1",
            _before_day1(start),
        )


def _screening_dates(study: CheckedStudy) -> tuple[pd.Series, pd.Series] | None:
    """Screening date and screening row of each enrolled subject (by cleaned subject id)."""
    screening = study.table("screening", "subject_id", "screening_date", "outcome")
    if screening is None:
        return None
    frame = screening.frame
    ids = study.key("screening", "subject_id")
    enrolled = (frame["outcome"] == "enrolled").to_numpy() & ids.notna().to_numpy()
    enrolled &= ~ids.duplicated().to_numpy()
    positions = np.flatnonzero(enrolled)
    files, rows = screening.raw.locator.locate(positions)
    index = pd.Index(ids.to_numpy()[positions])
    date = pd.Series(frame["screening_date"].to_numpy()[positions], index=index)
    where = pd.Series([f"{f} row {r}" for f, r in zip(files, rows, strict=True)], index=index)
    return date, where


def check_screening_before_treatment(study: CheckedStudy, collect: Collector) -> None:
    """Nobody starts or receives treatment before their screening (which follows consent)."""
    found = _screening_dates(study)
    if found is None:
        return
    date, where = found
    for name, column in (
        ("subjects", "start_date"),
        ("exposures", "date"),
        ("radiotherapy", "start_date"),
    ):
        table = study.table(name, "subject_id", column)
        if table is None:
            continue
        ids = study.key(name, "subject_id").to_numpy()
        screened = pd.to_datetime(pd.Series(date.reindex(ids).to_numpy(), index=table.frame.index))
        located = where.reindex(ids).to_numpy()
        values = table.frame[column]
        collect.add_rows(
            "error",
            table.raw.locator,
            (values < screened).to_numpy(),
            column,
            values,
            "before_screening",
            _before_screening(screened, located),
        )


def check_start_after_cutoff(study: CheckedStudy, collect: Collector) -> None:
    """A subject who starts after the data cut-off is excluded from analysis (DESIGN)."""
    table = study.table("subjects", "start_date")
    cutoff = study.cutoff
    if table is None or cutoff is None:
        return
    start = table.frame["start_date"]
    late = (start > cutoff).to_numpy()
    if late.any() and late.all():
        collect.add(
            "error",
            table.raw.file,
            "start_after_cutoff",
            f"every subject starts after the data cut-off {cutoff.date().isoformat()}: there "
            "is nothing to analyse (is the cut-off right?)",
            column="start_date",
        )
        return
    collect.add_rows(
        "warning",
        table.raw.locator,
        late,
        "start_date",
        start,
        "start_after_cutoff",
        f"starts after the data cut-off {cutoff.date().isoformat()}: excluded from analysis",
    )


def check_after_cutoff(study: CheckedStudy, collect: Collector) -> None:
    """Dates after the data cut-off are named (analyses ignore them)."""
    cutoff = study.cutoff
    if cutoff is None:
        return
    columns = {**DATED_COLUMNS, "subjects": ("death_date", "last_known_alive_date")}
    for name, dated in columns.items():
        table = study.table(name)
        if table is None:
            continue
        for column in dated:
            if not table.has(column):
                continue
            values = table.frame[column]
            collect.add_rows(
                "warning",
                table.raw.locator,
                (values > cutoff).to_numpy(),
                column,
                values,
                "after_cutoff",
                f"after the data cut-off {cutoff.date().isoformat()}; ignored by analyses",
            )
