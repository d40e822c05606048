"""Irradiated and non-irradiated lesions: abscopal responses, the field of first progression and
the cumulative incidence of competing first events (in-field / out-of-field progression, death)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd

from rtio.analyse.arms import StudyArms
from rtio.analyse.derived import Derived
from rtio.analyse.results import Abscopal, CompetingRisks, CompetingRisksArm, RTLesions, Test
from rtio.derive.lesions_rt import (
    PROGRESSION_CAUSES,
    abscopal_response,
    lesion_trajectories,
    progression_causes,
    progression_field,
)
from rtio.io import Study
from rtio.lookup import by_key
from rtio.stats import NotEstimableError, binomial_ci, cumulative_incidence, gray_test

INCIDENCE_MONTHS = (6.0, 12.0, 24.0)


def abscopal_split(
    abscopal: pd.DataFrame, radiotherapy: pd.DataFrame, exposures: pd.DataFrame | None
) -> pd.Series:
    """Per responding subject (non-irradiated lesions down ≥ 30 % after RT start): True when no
    systemic therapy was given between the first RT fraction and the response scan (abscopal),
    False otherwise (out-of-field response: the systemic therapy may explain it)."""
    responders = abscopal[abscopal["abscopal_response"].astype(bool)]
    if responders.empty:
        return pd.Series(dtype=bool)
    rt_start = radiotherapy.groupby("subject_id")["start_date"].min()
    window = responders.assign(rt_start=by_key(responders["subject_id"], rt_start))
    if exposures is None or exposures.empty:
        return pd.Series(True, index=window["subject_id"].to_numpy())
    doses = exposures[["subject_id", "date"]].merge(
        window[["subject_id", "rt_start", "best_date"]], on="subject_id"
    )
    concurrent = doses[(doses["date"] > doses["rt_start"]) & (doses["date"] <= doses["best_date"])]
    treated = set(concurrent["subject_id"])
    return pd.Series(
        ~window["subject_id"].isin(treated).to_numpy(), index=window["subject_id"].to_numpy()
    )


def rt_lesion_summary(study: Study, derived: Derived, arms: StudyArms) -> RTLesions | None:
    """Abscopal and out-of-field responses and the field of first progression; None without
    lesion or RT data."""
    radiotherapy = study.table("radiotherapy")
    lesions, measurements = study.table("lesions"), study.table("measurements")
    if (
        derived.timepoints is None
        or radiotherapy is None
        or lesions is None
        or measurements is None
    ):
        return None
    trajectories = lesion_trajectories(
        lesions,
        measurements,
        study.tables["subjects"],
        radiotherapy,
        derived.baseline_window_days,
    )
    responses = abscopal_response(trajectories)
    split = abscopal_split(responses, radiotherapy, study.table("exposures"))
    field_table = progression_field(trajectories, derived.timepoints)
    shrink = (
        responses["definition"].iloc[0]
        if len(responses)
        else "no irradiated patient had non-irradiated measurable target lesions"
    )
    by_arm: dict[str, tuple[Abscopal, dict[str, int]]] = {}
    if arms.comparable:
        for label in arms.labels:
            members = arms.of_subject.index[(arms.of_subject == label).to_numpy()]
            by_arm[label] = (
                _abscopal(
                    responses[responses["subject_id"].astype(str).isin(members)],
                    split[split.index.astype(str).isin(members)],
                    shrink,
                ),
                _fields(field_table[field_table["subject_id"].astype(str).isin(members)]),
            )
    return RTLesions(
        competing_risks=progression_incidence(derived, field_table, arms),
        abscopal=_abscopal(responses, split, shrink),
        progression_field=_fields(field_table),
        abscopal_by_arm={label: counts[0] for label, counts in by_arm.items()},
        progression_field_by_arm={label: counts[1] for label, counts in by_arm.items()},
    )


def _abscopal(responses: pd.DataFrame, split: pd.Series, shrink: str) -> Abscopal:
    """Abscopal and out-of-field responses among ``responses`` (the evaluable patients), with the
    exact binomial CI of the abscopal rate."""
    k, n = int(split.sum()), len(responses)
    lower, upper = binomial_ci(k, n) if n else (None, None)
    return Abscopal(
        k=k,
        n=n,
        lower=lower,
        upper=upper,
        definition=(
            f"{shrink}, with every such lesion outside every RT field and no systemic therapy "
            "between the first RT fraction and the response scan"
            if n
            else shrink
        ),
        out_of_field_k=int((~split).sum()),
        out_of_field_definition=(
            "out-of-field response: the same shrinkage of non-irradiated lesions while "
            "systemic therapy was given between RT start and the response scan, so the "
            "systemic therapy may explain it (not called abscopal)"
        ),
    )


def _fields(field_table: pd.DataFrame) -> dict[str, int]:
    """Patients by the field of their first progression."""
    counts = field_table["progression_field"].value_counts()
    return {str(key): int(value) for key, value in counts.items()}


def progression_incidence(
    derived: Derived, fields: pd.DataFrame, arms: StudyArms
) -> CompetingRisks | None:
    """Aalen–Johansen cumulative incidence of each competing first event (in-field / out-of-field
    progression, field undetermined, death) at 6, 12 and 24 months, over all patients and within
    each arm (R ``cmprsk::cuminc(ftime, fstatus, group)`` with ``timepoints``); with two arms,
    Gray's test of each cause between arms."""
    if not (derived.adtte["paramcd"] == "PFS").any():
        return None
    events = progression_causes(derived.adtte, fields)
    incidence, counts = cause_incidence(events)
    gray, by_arm = None, None
    if len(arms.labels) >= 2:
        arm = events["subject_id"].map(arms.of_subject)
        known, label = events[arm.notna()], arm[arm.notna()].to_numpy(dtype=str)
        per_arm = incidence_by_arm(known, label)
        by_arm = {a: per_arm[a] for a in arms.labels if a in per_arm}
        if len(arms.labels) == 2:
            gray = gray_tests(known, label)
    return CompetingRisks(
        n=len(events),
        times_months=list(INCIDENCE_MONTHS),
        incidence=incidence,
        events=counts,
        gray_test_by_arm=gray,
        by_arm=by_arm,
    )


def cause_incidence(
    events: pd.DataFrame, causes: Sequence[int] = ()
) -> tuple[dict[str, list[float]], dict[str, int]]:
    """Cumulative incidence at 6, 12 and 24 months and the number of events of each cause seen in
    ``events`` (time in months, cause 0 censored); ``causes`` adds causes not seen (incidence 0)."""
    incidence = cumulative_incidence(events["time"], events["cause"], list(INCIDENCE_MONTHS))
    counts = events["cause"].value_counts()
    columns = {int(c[len("cause_") :]) for c in incidence.columns if c.startswith("cause_")}
    seen = sorted(columns | {int(c) for c in counts.index if c > 0} | set(causes))
    return (
        {
            PROGRESSION_CAUSES[c]: (
                [float(v) for v in incidence[f"cause_{c}"]]
                if f"cause_{c}" in incidence
                else [0.0] * len(INCIDENCE_MONTHS)
            )
            for c in seen
        },
        {PROGRESSION_CAUSES[c]: int(counts.get(c, 0)) for c in seen},
    )


def incidence_by_arm(events: pd.DataFrame, arm: np.ndarray) -> dict[str, CompetingRisksArm]:
    """The cumulative incidence of every cause within each arm (``arm`` per row of ``events``);
    a cause not seen in an arm has incidence 0 there."""
    causes = sorted({int(c) for c in events["cause"] if c > 0})
    out = {}
    for label in sorted(pd.unique(arm)):
        part = events[arm == label]
        incidence, counts = cause_incidence(part, causes)
        out[str(label)] = CompetingRisksArm(n=len(part), incidence=incidence, events=counts)
    return out


GRAY_METHOD = "Gray's test of equal cumulative incidence (R cmprsk cuminc)"


def gray_test_of_cause(events: pd.DataFrame, arm: np.ndarray, cause: int) -> Test:
    """Gray's test by arm of one cause (as each row of R ``cuminc()$Tests``, which tests every
    cause on its own); not estimable, with the reason, when its variance is singular (e.g. the
    cause seen in one arm only) or there is one arm."""
    try:
        row = gray_test(events["time"], events["cause"], arm, causes=[cause]).iloc[0]
    except (NotEstimableError, np.linalg.LinAlgError, ValueError) as error:
        reason = getattr(error, "reason", None) or (
            "singular variance (too few events of the cause in an arm)"
            if isinstance(error, np.linalg.LinAlgError)
            else str(error)
        )
        return Test(
            statistic=None,
            p_value=None,
            method=GRAY_METHOD,
            not_estimable=re.sub(r"^cause \d+: ", "", reason),
        )
    if not np.isfinite(row["statistic"]):
        return Test(
            statistic=None, p_value=None, method=GRAY_METHOD, not_estimable="singular variance"
        )
    return Test(
        statistic=float(row["statistic"]),
        df=float(row["df"]),
        p_value=float(row["p_value"]),
        method=GRAY_METHOD,
    )


def gray_tests(events: pd.DataFrame, arm: np.ndarray) -> dict[str, Test]:
    """Gray's test by arm for each cause seen, each on its own: one cause that cannot be
    compared leaves the others' tests standing."""
    return {
        PROGRESSION_CAUSES[int(c)]: gray_test_of_cause(events, arm, int(c))
        for c in np.unique(events["cause"])
        if c > 0
    }
