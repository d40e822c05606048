"""The CONSORT trial profile: screening, enrolment, allocation per arm, received allocated
intervention, discontinued with reasons, analysed per population.

A reason for stopping comes from the events table (``treatment_discontinuation``, ``withdrawal``,
``lost_to_follow_up``: their ``detail``, else their kind); a patient without such an event who
progressed or died is counted under "disease progression" or "death"; "no reason recorded" is
left only for patients with neither.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from rtio.analyse.arms import StudyArms
from rtio.analyse.derived import Derived
from rtio.analyse.populations import received_allocated
from rtio.analyse.results import ArmDisposition, Disposition
from rtio.eligibility.profile import STOP_KINDS, trial_profile
from rtio.io import Study

NO_REASON = "no reason recorded"


def stop_reasons(study: Study, derived: Derived) -> pd.Series:
    """Per subject (index: subject_id), why treatment stopped: the first stop event's detail or
    kind, else disease progression or death from ADTTE, else None (no stop)."""
    subjects = study.tables["subjects"]
    ids = pd.Index(subjects["subject_id"].astype(str))
    events = study.table("events")
    reason = pd.Series(None, index=ids, dtype=object)
    if events is not None and not events.empty:
        stops = events[events["kind"].isin(STOP_KINDS)].sort_values("date", kind="stable")
        first = stops.assign(subject_id=stops["subject_id"].astype(str)).drop_duplicates(
            "subject_id"
        )
        detail = (
            first["detail"].astype("string").str.strip().mask(lambda d: d == "")
            if "detail" in first
            else pd.Series(pd.NA, index=first.index)
        )
        said = detail.fillna(first["kind"].astype("string").str.replace("_", " "))
        reason = reason.combine_first(
            pd.Series(said.to_numpy(dtype=object), index=first["subject_id"]).reindex(ids)
        )
    adtte = derived.adtte
    pfs = adtte[(adtte["paramcd"] == "PFS") & (adtte["cnsr"] == 0)]
    progression = pfs["evntdesc"].astype("string").str.startswith("Progress").fillna(False)
    outcome = pd.Series(
        ["disease progression" if p else "death" for p in progression.to_numpy()],
        index=pfs["subject_id"].astype(str).to_numpy(),
        dtype=object,
    )
    deaths = adtte[(adtte["paramcd"] == "OS") & (adtte["cnsr"] == 0)]["subject_id"].astype(str)
    outcome = outcome.combine_first(pd.Series("death", index=deaths.to_numpy(), dtype=object))
    return reason.combine_first(outcome.reindex(ids)).reindex(ids)


def completed_rt_ids(study: Study) -> list[str]:
    """Subjects whose RT courses all delivered their planned fractions with no RT discontinuation
    (the trial profile's "completed RT")."""
    rt = study.table("radiotherapy")
    if rt is None or rt.empty:
        return []
    planned = (
        rt["planned_fractions"].fillna(rt["fractions"])
        if "planned_fractions" in rt
        else rt["fractions"]
    )
    complete = (rt["fractions"] >= planned).groupby(rt["subject_id"].astype(str)).all()
    events = study.table("events")
    stopped = (
        set(events.loc[events["kind"] == "rt_discontinuation", "subject_id"].astype(str))
        if events is not None
        else set()
    )
    return [s for s in complete.index[complete.to_numpy()] if s not in stopped]


def _counts(values: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in values.value_counts().items()}


def disposition(
    study: Study,
    derived: Derived,
    populations: dict[str, pd.Index],
    arms: StudyArms,
    rt_not_completed: Sequence[str] = (),
) -> Disposition:
    """The trial profile's numbers; per arm in a randomized trial. Patients whose RT broke the
    protocol's window or coverage rule (``rt_not_completed``) do not count as having completed RT."""
    subjects = study.tables["subjects"]
    screening = study.table("screening")
    log = (
        screening
        if screening is not None
        else pd.DataFrame({"candidate_id": [], "outcome": [], "reason": []})
    )
    counts = trial_profile(log, subjects, study.table("radiotherapy"), study.table("events"))
    reasons = stop_reasons(study, derived)
    rt = study.table("radiotherapy")
    started = set() if rt is None else set(rt["subject_id"].astype(str))
    before = reasons[~reasons.index.isin(started)].fillna(NO_REASON)
    counts["discontinued_before_rt_by_reason"] = _counts(before)
    if rt_not_completed:
        completed = set(completed_rt_ids(study)) - set(rt_not_completed)
        counts["completed_rt"] = len(completed)
    if screening is None:
        counts |= {"screened": None, "excluded": None, "pending": None, "excluded_by_reason": {}}
    arm_rows = []
    if arms.labels:
        received = received_allocated(study, arms)
        arm = arms.of_subject.reindex(reasons.index)
        for label in arms.labels:
            members = arm.index[(arm == label).to_numpy()]
            got = received.reindex(members).astype(bool)
            arm_rows.append(
                ArmDisposition(
                    arm=label,
                    allocated=len(members),
                    received_allocated=int(got.sum()),
                    not_received=_counts(
                        reasons.reindex(members[~got.to_numpy()]).fillna(NO_REASON)
                    ),
                    discontinued=_counts(reasons.reindex(members).dropna()),
                    analysed={
                        name: int(ids.isin(members).sum()) for name, ids in populations.items()
                    },
                    discontinued_before_rt_by_reason=_counts(
                        before.reindex(before.index.intersection(members))
                    ),
                )
            )
    return Disposition.model_validate(counts | {"arms": arm_rows})
