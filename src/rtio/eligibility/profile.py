"""Trial profile (CONSORT flow) numbers from the study tables, as data for a figure (seed 004 Fig. 1)."""

from __future__ import annotations

from typing import Any

import pandas as pd

STOP_KINDS = ("treatment_discontinuation", "withdrawal", "lost_to_follow_up")


def _course_complete(rt: pd.DataFrame) -> pd.Series:
    """Per subject: every RT course delivered its planned fractions (planned = delivered when not given)."""
    planned = (
        rt["planned_fractions"].fillna(rt["fractions"])
        if "planned_fractions" in rt
        else rt["fractions"]
    )
    return (rt["fractions"] >= planned).groupby(rt["subject_id"]).all()


def trial_profile(
    screening: pd.DataFrame,
    subjects: pd.DataFrame,
    radiotherapy: pd.DataFrame | None = None,
    events: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Counts of a CONSORT trial profile.

    - screened / excluded (by ``reason``) / pending / enrolled from the screening table;
    - discontinued before RT: enrolled subjects with no radiotherapy row, by the ``detail`` of their first
      stop event (treatment_discontinuation, withdrawal, lost_to_follow_up; "unknown" when none);
    - started RT; completed RT: all courses reached planned fractions and no rt_discontinuation event;
    - completed treatment: no stop event at all.
    """
    out: dict[str, Any] = {
        "screened": len(screening),
        "excluded": int(screening["outcome"].eq("excluded").sum()),
        "excluded_by_reason": screening.loc[screening["outcome"].eq("excluded"), "reason"]
        .value_counts()
        .to_dict(),
        "pending": int(screening["outcome"].eq("pending").sum()),
        "enrolled": len(subjects),
    }
    ids = pd.Index(subjects["subject_id"])
    ev = (
        events
        if events is not None
        else pd.DataFrame(columns=["subject_id", "kind", "date", "detail"])
    )
    stops = ev[ev["kind"].isin(STOP_KINDS)].sort_values("date", kind="stable")
    first_stop = stops.groupby("subject_id").first()
    rt = (
        radiotherapy
        if radiotherapy is not None
        else pd.DataFrame(columns=["subject_id", "fractions"])
    )
    started = ids.isin(rt["subject_id"])
    before = ids[~started]
    detail = first_stop.get("detail", pd.Series(dtype=object)).reindex(before)
    reasons = detail.fillna(
        first_stop["kind"].reindex(before) if len(first_stop) else pd.Series(dtype=object)
    )
    out["discontinued_before_rt"] = len(before)
    out["discontinued_before_rt_by_reason"] = reasons.fillna("unknown").value_counts().to_dict()
    out["started_rt"] = int(started.sum())
    rt_stopped = set(ev.loc[ev["kind"].eq("rt_discontinuation"), "subject_id"])
    complete = _course_complete(rt) if len(rt) else pd.Series(dtype=bool)
    done = complete[complete & ~complete.index.isin(rt_stopped)]
    out["completed_rt"] = int(ids.isin(done.index).sum())
    out["completed_treatment"] = int((~ids.isin(stops["subject_id"])).sum())
    return out
