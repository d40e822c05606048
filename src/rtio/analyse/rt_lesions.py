"""Irradiated and non-irradiated lesions: abscopal responses, the field of first progression and
the cumulative incidence of competing first events (in-field / out-of-field progression, death)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rtio.analyse.arms import StudyArms
from rtio.analyse.derived import Derived
from rtio.analyse.results import Abscopal, CompetingRisks, RTLesions, Test
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
    k, n = int(split.sum()), len(responses)
    lower, upper = binomial_ci(k, n) if n else (None, None)
    field_table = progression_field(trajectories, derived.timepoints)
    fields = field_table["progression_field"].value_counts()
    shrink = (
        responses["definition"].iloc[0]
        if n
        else "no irradiated patient had non-irradiated measurable target lesions"
    )
    return RTLesions(
        competing_risks=progression_incidence(derived, field_table, arms),
        abscopal=Abscopal(
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
        ),
        progression_field={str(key): int(value) for key, value in fields.items()},
    )


def progression_incidence(
    derived: Derived, fields: pd.DataFrame, arms: StudyArms
) -> CompetingRisks | None:
    """Aalen–Johansen cumulative incidence of each competing first event (in-field / out-of-field
    progression, field undetermined, death) at 6, 12 and 24 months; with two arms, Gray's test of
    each cause between arms."""
    if not (derived.adtte["paramcd"] == "PFS").any():
        return None
    events = progression_causes(derived.adtte, fields)
    incidence = cumulative_incidence(events["time"], events["cause"], list(INCIDENCE_MONTHS))
    gray = None
    if len(arms.labels) == 2:
        arm = events["subject_id"].map(arms.of_subject)
        gray = gray_tests(events[arm.notna()], arm[arm.notna()].to_numpy(dtype=str))
    counts = events["cause"].value_counts().sort_index()
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
            for k, v in zip(counts.index.to_numpy(), counts.to_numpy(), strict=True)
            if k > 0
        },
        gray_test_by_arm=gray,
    )


GRAY_METHOD = "Gray's test of equal cumulative incidence (R cmprsk cuminc)"


def gray_tests(events: pd.DataFrame, arm: np.ndarray) -> dict[str, Test]:
    """Gray's test by arm for each cause; not estimable (with the reason) when the test's
    variance is singular (e.g. a cause seen in one arm only) or there is one arm."""
    causes = [int(c) for c in np.unique(events["cause"]) if c > 0]
    try:
        tests = gray_test(events["time"], events["cause"], arm)
    except (NotEstimableError, np.linalg.LinAlgError, ValueError) as error:
        reason = getattr(error, "reason", None) or (
            "singular variance (too few events of a cause in an arm)"
            if isinstance(error, np.linalg.LinAlgError)
            else str(error)
        )
        return {
            PROGRESSION_CAUSES[c]: Test(
                statistic=None, p_value=None, method=GRAY_METHOD, not_estimable=reason
            )
            for c in causes
        }
    return {
        PROGRESSION_CAUSES[int(str(k))]: Test(
            statistic=float(r.statistic),
            df=float(r.df),
            p_value=float(r.p_value),
            method=GRAY_METHOD,
        )
        if np.isfinite(r.statistic)
        else Test(
            statistic=None, p_value=None, method=GRAY_METHOD, not_estimable="singular variance"
        )
        for k, r in tests.iterrows()
    }
