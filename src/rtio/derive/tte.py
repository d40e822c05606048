"""Time-to-event parameters (ADTTE rows) from timepoint responses: PFS, OS, DoR, TTR.

Rules: RECIST 1.1 §4.5 (Eisenhauer 2009) for the response-based durations; the PFS censoring
options follow FDA guidance "Clinical Trial Endpoints for the Approval of Cancer Drugs and
Biologics" (2018), Table A ("PFS date of progression or censoring"). Every row is one subject x
parameter with the ADaM columns ``subject_id, paramcd, param, start_date, adt, aval_days,
aval_months, cnsr (0 event, 1 censored), evntdesc, cnsdtdsc``. Months = days / DAYS_PER_MONTH
(:mod:`rtio.vocabulary`).
``aval_days = adt − start_date`` (add ``add_one=True`` for the "+1 day" convention).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rtio.frames import DateLike, FrameLike, as_frame, read_date, read_dates, require_columns
from rtio.lookup import by_key
from rtio.vocabulary import (
    DAYS_PER_MONTH,
    OBJECTIVE_RESPONSE,
    CensorDescription,
    EventDescription,
    Response,
)

__all__ = ["derive_dor", "derive_os", "derive_pfs", "derive_ttr"]

_ADEQUATE = [r.value for r in Response if r is not Response.NE]
_COLS = [
    "subject_id",
    "paramcd",
    "param",
    "start_date",
    "adt",
    "aval_days",
    "aval_months",
    "cnsr",
    "evntdesc",
    "cnsdtdsc",
]


def _subjects(subjects: FrameLike, data_cutoff: DateLike | None) -> pd.DataFrame:
    subj = as_frame(subjects, "subjects")
    require_columns(subj, "subjects", ["subject_id", "start_date"])
    subj["subject_id"] = subj["subject_id"].astype(str)
    subj["start_date"] = read_dates(subj, "subjects", "start_date")
    for col in ("death_date", "last_known_alive_date"):
        subj[col] = read_dates(subj, "subjects", col) if col in subj.columns else pd.NaT
    cut = read_date(data_cutoff, "data_cutoff")
    if cut is not None:
        subj["death_date"] = subj["death_date"].where(subj["death_date"] <= cut)
        subj["last_known_alive_date"] = subj["last_known_alive_date"].clip(upper=cut)
    return subj


def _responses(responses: FrameLike, data_cutoff: DateLike | None) -> pd.DataFrame:
    rs = as_frame(responses, "responses")
    require_columns(rs, "responses", ["subject_id", "assessment_date", "overall_response"])
    rs["subject_id"] = rs["subject_id"].astype(str)
    rs["assessment_date"] = read_dates(rs, "responses", "assessment_date")
    cut = read_date(data_cutoff, "data_cutoff")
    if cut is not None:
        rs = rs[rs["assessment_date"] <= cut]
    return rs


def _finish(out: pd.DataFrame, paramcd: str, param: str, add_one: bool) -> pd.DataFrame:
    out["paramcd"] = paramcd
    out["param"] = param
    out["aval_days"] = (out["adt"] - out["start_date"]).dt.days + int(add_one)
    out["aval_months"] = out["aval_days"] / DAYS_PER_MONTH
    out["cnsr"] = out["cnsr"].astype(int)
    return out[_COLS].reset_index(drop=True)


def _progression(
    origin: pd.DataFrame,
    rs: pd.DataFrame,
    events: FrameLike | None,
    censor_new_therapy: bool,
    missed_assessments: int | None,
    assessment_interval_days: int | None,
) -> pd.DataFrame:
    """First PD or death after ``origin.start_date``; censored at the last adequate assessment."""
    rs = rs.merge(origin[["subject_id", "start_date"]], on="subject_id")
    rs = rs[rs["assessment_date"] > rs["start_date"]]
    nat = pd.Series(pd.NaT, index=origin["subject_id"].to_numpy(), dtype="datetime64[ns]")
    if censor_new_therapy and events is not None:
        ev = as_frame(events, "events")
        require_columns(ev, "events", ["subject_id", "kind", "date"])
        ev["subject_id"] = ev["subject_id"].astype(str)
        ev["date"] = read_dates(ev, "events", "date")
        first_nat = ev[ev["kind"] == "new_anticancer_therapy"].groupby("subject_id")["date"].min()
        nat = by_key(origin["subject_id"], first_nat).set_axis(origin["subject_id"].to_numpy())
    rs = rs.assign(nat=by_key(rs["subject_id"], nat))
    before_nat = rs["nat"].isna() | (rs["assessment_date"] <= rs["nat"])
    pd_rows = rs[(rs["overall_response"] == "PD") & before_nat]
    first_pd = pd_rows.groupby("subject_id")["assessment_date"].min()
    adequate = rs[rs["overall_response"].isin(_ADEQUATE) & before_nat]
    adequate = adequate.assign(first_pd=by_key(adequate["subject_id"], first_pd))
    adequate = adequate[
        adequate["first_pd"].isna() | (adequate["assessment_date"] < adequate["first_pd"])
    ]
    last_adequate = adequate.groupby("subject_id")["assessment_date"].max()

    out = origin.copy()
    sid = out["subject_id"]
    out["pd"] = by_key(sid, first_pd)
    out["last_adequate"] = by_key(sid, last_adequate)
    out["nat"] = by_key(sid, nat)
    death = out["death_date"].where(out["death_date"] > out["start_date"] - pd.Timedelta(days=1))
    death_ok = death.notna() & (out["nat"].isna() | (death <= out["nat"]))
    out["death"] = death.where(death_ok)
    event_date = out[["pd", "death"]].min(axis=1)
    has_event = event_date.notna()
    event_is_pd = has_event & out["pd"].notna() & (out["pd"] <= event_date)
    reference = out["last_adequate"].fillna(out["start_date"])
    late = pd.Series(False, index=out.index)
    if missed_assessments is not None:
        if assessment_interval_days is None:
            raise ValueError("assessment_interval_days is required with missed_assessments")
        gap = (event_date - reference).dt.days
        late = has_event & (gap > missed_assessments * assessment_interval_days)
    event = has_event & ~late
    out["adt"] = event_date.where(event, reference)
    out["cnsr"] = (~event).astype(int)
    out["evntdesc"] = np.where(
        event, np.where(event_is_pd, EventDescription.PROGRESSION, EventDescription.DEATH), ""
    )
    nat_censor = out["nat"].notna() & ~event
    out["cnsdtdsc"] = np.select(
        [
            event,
            late,
            nat_censor,
            out["last_adequate"].isna(),
        ],
        [
            "",
            CensorDescription.MISSED_ASSESSMENTS.format(missed=missed_assessments),
            CensorDescription.NEW_ANTICANCER_THERAPY,
            CensorDescription.NO_ADEQUATE_ASSESSMENT,
        ],
        default=CensorDescription.LAST_ADEQUATE_ASSESSMENT,
    )
    return out


def derive_pfs(
    responses: FrameLike,
    subjects: FrameLike,
    *,
    data_cutoff: DateLike | None = None,
    events: FrameLike | None = None,
    censor_new_therapy: bool = False,
    missed_assessments: int | None = None,
    assessment_interval_days: int | None = None,
    add_one: bool = False,
) -> pd.DataFrame:
    """Progression-free survival (RECIST 1.1 §4.5; FDA 2018 Table A censoring).

    Event: the first PD (its date is the first scan showing progression) or death from any cause,
    whichever is first. Censored at the last adequate assessment (CR, PR, SD, NON-CR/NON-PD) when
    neither occurred, and at the start date when there is no adequate post-baseline assessment.
    Options: ``censor_new_therapy`` censors at the last adequate assessment before the first
    ``new_anticancer_therapy`` event of ``events``; ``missed_assessments`` (with
    ``assessment_interval_days``) censors an event that follows more than ``missed_assessments``
    × interval days after the last adequate assessment. ``data_cutoff`` drops later data.
    """
    subj = _subjects(subjects, data_cutoff)
    rs = _responses(responses, data_cutoff)
    out = _progression(
        subj, rs, events, censor_new_therapy, missed_assessments, assessment_interval_days
    )
    return _finish(out, "PFS", "Progression-free survival", add_one)


def derive_os(
    subjects: FrameLike, *, data_cutoff: DateLike | None = None, add_one: bool = False
) -> pd.DataFrame:
    """Overall survival: start date to death from any cause; censored at the last known alive
    date (capped at ``data_cutoff``), or at the start date when that is missing."""
    out = _subjects(subjects, data_cutoff)
    event = out["death_date"].notna()
    alive = out["last_known_alive_date"].fillna(out["start_date"])
    out["adt"] = out["death_date"].where(event, alive)
    out["cnsr"] = (~event).astype(int)
    out["evntdesc"] = np.where(event, EventDescription.DEATH, "")
    out["cnsdtdsc"] = np.select(
        [event, out["last_known_alive_date"].isna()],
        ["", CensorDescription.NO_FOLLOW_UP],
        default=CensorDescription.LAST_KNOWN_ALIVE,
    )
    return _finish(out, "OS", "Overall survival", add_one)


def _first_response(rs: pd.DataFrame, bor: FrameLike) -> pd.Series:
    best = as_frame(bor, "bor")
    require_columns(best, "bor", ["subject_id", "bor"])
    responders = best.loc[best["bor"].isin(OBJECTIVE_RESPONSE), "subject_id"].astype(str)
    hits = rs[rs["overall_response"].isin(OBJECTIVE_RESPONSE) & rs["subject_id"].isin(responders)]
    return hits.groupby("subject_id")["assessment_date"].min()


def derive_dor(
    responses: FrameLike,
    subjects: FrameLike,
    bor: FrameLike,
    *,
    data_cutoff: DateLike | None = None,
    events: FrameLike | None = None,
    censor_new_therapy: bool = False,
    missed_assessments: int | None = None,
    assessment_interval_days: int | None = None,
    add_one: bool = False,
) -> pd.DataFrame:
    """Duration of response (RECIST 1.1 §4.5): for subjects whose ``bor`` is CR or PR, from the
    first date CR or PR criteria were met to the first PD or death; censored as for PFS."""
    subj = _subjects(subjects, data_cutoff)
    rs = _responses(responses, data_cutoff)
    rs = rs.merge(subj[["subject_id", "start_date"]], on="subject_id")
    rs = rs[rs["assessment_date"] > rs["start_date"]].drop(columns="start_date")
    first = _first_response(rs, bor)
    origin = subj[subj["subject_id"].isin(first.index)].copy()
    origin["start_date"] = by_key(origin["subject_id"], first)
    out = _progression(
        origin, rs, events, censor_new_therapy, missed_assessments, assessment_interval_days
    )
    out["cnsdtdsc"] = out["cnsdtdsc"].replace(
        CensorDescription.NO_ADEQUATE_ASSESSMENT.value,
        CensorDescription.NO_ASSESSMENT_AFTER_RESPONSE.value,
    )
    return _finish(out, "DOR", "Duration of response", add_one)


def derive_ttr(
    responses: FrameLike, subjects: FrameLike, bor: FrameLike, *, add_one: bool = False
) -> pd.DataFrame:
    """Time to response (RECIST 1.1 §4.5): start date to the first date CR or PR criteria were
    met, for responders (``bor`` CR or PR) only."""
    subj = _subjects(subjects, None)
    rs = _responses(responses, None)
    rs = rs.merge(subj[["subject_id", "start_date"]], on="subject_id")
    rs = rs[rs["assessment_date"] > rs["start_date"]]
    first = _first_response(rs, bor)
    out = subj[subj["subject_id"].isin(first.index)].copy()
    out["adt"] = by_key(out["subject_id"], first)
    out["cnsr"] = 0
    out["evntdesc"] = EventDescription.FIRST_RESPONSE.value
    out["cnsdtdsc"] = ""
    return _finish(out, "TTR", "Time to response", add_one)
