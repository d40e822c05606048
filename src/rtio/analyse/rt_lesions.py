"""Irradiated and non-irradiated lesions: abscopal responses, the field of first progression and
the cumulative incidence of competing first events (in-field / out-of-field progression, death)."""

from __future__ import annotations

import pandas as pd

from rtio.analyse.derived import Derived
from rtio.analyse.results import Abscopal, CompetingRisks, GrayTest, RTLesions
from rtio.derive.lesions_rt import (
    PROGRESSION_CAUSES,
    abscopal_response,
    lesion_trajectories,
    progression_causes,
    progression_field,
)
from rtio.io import Study
from rtio.lookup import by_key
from rtio.stats import binomial_ci, cumulative_incidence, gray_test

INCIDENCE_MONTHS = (6.0, 12.0, 24.0)


def rt_lesion_summary(study: Study, derived: Derived) -> RTLesions | None:
    """Abscopal responses and the field of first progression; None without lesion or RT data."""
    if derived.timepoints is None or study.table("radiotherapy") is None:
        return None
    trajectories = lesion_trajectories(
        study.table("lesions"),
        study.table("measurements"),
        study.table("subjects"),
        study.table("radiotherapy"),
        derived.baseline_window_days,
    )
    abscopal = abscopal_response(trajectories)
    k, n = int(abscopal["abscopal_response"].sum()), len(abscopal)
    lower, upper = binomial_ci(k, n) if n else (None, None)
    field_table = progression_field(trajectories, derived.timepoints)
    fields = field_table["progression_field"].value_counts()
    return RTLesions(
        competing_risks=progression_incidence(study, derived, field_table),
        abscopal=Abscopal(
            k=k,
            n=n,
            lower=lower,
            upper=upper,
            definition=abscopal["definition"].iloc[0]
            if n
            else "no irradiated patient had non-irradiated measurable target lesions",
        ),
        progression_field={str(key): int(value) for key, value in fields.items()},
    )


def progression_incidence(
    study: Study, derived: Derived, fields: pd.DataFrame
) -> CompetingRisks | None:
    """Aalen–Johansen cumulative incidence of each competing first event (in-field / out-of-field
    progression, field undetermined, death) at 6, 12 and 24 months; with two arms, Gray's test of
    each cause between arms."""
    if not (derived.adtte["paramcd"] == "PFS").any():
        return None
    events = progression_causes(derived.adtte, fields)
    incidence = cumulative_incidence(events["time"], events["cause"], list(INCIDENCE_MONTHS))
    subjects = study.table("subjects")
    gray = None
    if "arm" in subjects.columns and subjects["arm"].nunique() == 2:
        arm = by_key(events["subject_id"], subjects.set_index("subject_id")["arm"])
        tests = gray_test(events["time"], events["cause"], arm.to_numpy())
        gray = {
            PROGRESSION_CAUSES[int(k)]: GrayTest(
                statistic=float(r.statistic), p_value=float(r.p_value)
            )
            for k, r in tests.iterrows()
        }
    return CompetingRisks(
        n=len(events),
        times_months=list(INCIDENCE_MONTHS),
        incidence={
            PROGRESSION_CAUSES[int(c[len("cause_") :])]: [float(v) for v in incidence[c]]
            for c in incidence.columns
            if c.startswith("cause_")
        },
        events={
            PROGRESSION_CAUSES[int(k)]: int(v)
            for k, v in events["cause"].value_counts().sort_index().items()
            if k > 0
        },
        gray_test_by_arm=gray,
    )
