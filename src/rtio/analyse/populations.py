"""Analysis populations: the protocol's (ADSL flags) and, for a non-inferiority comparison whose
protocol defines no per-protocol population, an assumed one (ITT patients who received the
allocated intervention), labelled assumed wherever it is used."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rtio.analyse.arms import StudyArms
from rtio.analyse.derived import Derived
from rtio.io import Study

PER_PROTOCOL = "per_protocol"
ASSUMED_PER_PROTOCOL = (
    "per-protocol population (not defined by the protocol): ITT patients who received the "
    "allocated intervention without a deviation from the RT prescription"
)


def population_ids(derived: Derived) -> dict[str, pd.Index]:
    """Subject ids of each population flagged in ADSL (``<id>_flag``)."""
    adsl = derived.adsl
    return {
        column.removesuffix("_flag"): pd.Index(adsl.loc[adsl[column].astype(bool), "subject_id"])
        for column in adsl.columns
        if column.endswith("_flag")
    }


def received_allocated(study: Study, arms: StudyArms) -> pd.Series:
    """Per subject: received the allocated intervention — an RT course where the arm's protocol
    prescribes unconditional radiotherapy (immediate RT), else at least one dose of study drug
    (everyone when no exposures table exists)."""
    subjects = study.tables["subjects"]
    ids = pd.Index(subjects["subject_id"].astype(str))
    rt = study.table("radiotherapy")
    exposures = study.table("exposures")
    irradiated = ids.isin([] if rt is None else rt["subject_id"].astype(str))
    dosed = ids.isin(ids if exposures is None else exposures["subject_id"].astype(str))
    courses = {c.id: c for c in study.protocol.radiotherapy}
    needs_rt = {
        arm.label
        for arm in study.protocol.arms
        if any(courses[c].condition is None for c in arm.radiotherapy if c in courses)
    }
    prescribed_rt = arms.of_subject.reindex(ids).isin(needs_rt).to_numpy()
    return pd.Series(np.where(prescribed_rt, irradiated, dosed), index=ids)


def analysis_populations(
    study: Study, derived: Derived, arms: StudyArms, deviating: Sequence[str] = ()
) -> tuple[dict[str, pd.Index], list[str]]:
    """The populations analysed and the definitions that were assumed. A protocol's own
    per-protocol population also leaves out patients with RT deviations (``deviating``)."""
    populations = population_ids(derived)
    if PER_PROTOCOL in populations:
        kept = populations[PER_PROTOCOL]
        populations[PER_PROTOCOL] = pd.Index(kept[~kept.isin(list(deviating))])
        return populations, []
    plan = study.protocol.statistical_plan
    if plan is None or plan.comparison != "non_inferiority" or not arms.labels:
        return populations, []
    itt = populations.get("ITT", pd.Index(derived.adsl["subject_id"]))
    received = received_allocated(study, arms).reindex(itt).fillna(False).to_numpy(bool)
    keep = received & ~itt.isin(list(deviating))
    populations[PER_PROTOCOL] = pd.Index(itt[keep])
    return populations, [ASSUMED_PER_PROTOCOL]
