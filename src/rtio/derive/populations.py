"""Analysis populations (ADSL flags) from the protocol's population rules.

Each protocol population lists the conditions a subject must meet (``Population.requires``); each
condition is one function of the study tables here. Seed 004: ITT = enrolled; efficacy-evaluable =
received RT of all lesions and had at least one post-baseline assessment; safety = received at
least one dose of study drug.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from rtio.frames import read_dates
from rtio.lookup import by_key, is_in

if TYPE_CHECKING:
    from rtio.protocol.models import Protocol

__all__ = [
    "CONDITIONS",
    "REGION_TARGETS",
    "completed_rt_all_lesions",
    "course_lesions",
    "derive_adsl",
    "enrolled",
    "irradiated_lesion_ids",
    "post_baseline_assessment",
    "received_study_drug",
]

REGION_TARGETS = {"primary": ("primary",), "locoregional": ("primary", "regional_node")}
"""Radiotherapy targets named by region, and the lesion sites they cover."""


def _ids(subjects: pd.DataFrame) -> pd.Index:
    return pd.Index(subjects["subject_id"].astype(str), name="subject_id")


def course_lesions(radiotherapy: pd.DataFrame, lesions: pd.DataFrame) -> pd.DataFrame:
    """(course, subject_id, lesion_id) for each lesion an RT course covers: lesion ids in ``target``
    (';'-separated) or a region (primary, locoregional) mapped to the lesions of that site.
    ``course`` is the course's row label in ``radiotherapy``."""
    tokens = radiotherapy.assign(
        course=radiotherapy.index, token=radiotherapy["target"].astype(str).str.split(";")
    )
    tokens = tokens[["course", "subject_id", "token"]].explode("token")
    tokens["token"] = tokens["token"].str.strip()
    ids = lesions[["subject_id", "lesion_id"]]
    pairs = [
        tokens.merge(ids, left_on=["subject_id", "token"], right_on=["subject_id", "lesion_id"])
    ]
    if "site" in lesions:
        for region, sites in REGION_TARGETS.items():
            named = tokens[tokens["token"].str.lower() == region][["course", "subject_id"]]
            covered = lesions[lesions["site"].isin(sites)][["subject_id", "lesion_id"]]
            pairs.append(named.merge(covered, on="subject_id"))
    columns = ["course", "subject_id", "lesion_id"]
    return pd.concat([p[columns] for p in pairs], ignore_index=True).drop_duplicates()


def irradiated_lesion_ids(radiotherapy: pd.DataFrame, lesions: pd.DataFrame) -> pd.DataFrame:
    """(subject_id, lesion_id) pairs covered by any RT course (see :func:`course_lesions`)."""
    return course_lesions(radiotherapy, lesions)[["subject_id", "lesion_id"]].drop_duplicates()


def enrolled(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """Every subject in the subjects table."""
    return pd.Series(True, index=_ids(tables["subjects"]))


def received_study_drug(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """At least one administration in the exposures table."""
    ids = _ids(tables["subjects"])
    exposures = tables.get("exposures")
    dosed = is_in(ids, exposures["subject_id"].astype(str)) if exposures is not None else False
    return pd.Series(dosed, index=ids, dtype=bool)


def completed_rt_all_lesions(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """Every baseline lesion (target and non-target) irradiated, every course delivered as planned,
    and no RT discontinuation event."""
    ids = _ids(tables["subjects"])
    rt = tables.get("radiotherapy")
    if rt is None or rt.empty:
        return pd.Series(False, index=ids)
    planned = (
        rt["planned_fractions"].fillna(rt["fractions"])
        if "planned_fractions" in rt
        else rt["fractions"]
    )
    complete = (
        (rt["fractions"] >= planned)
        .groupby(rt["subject_id"].astype(str))
        .all()
        .reindex(ids, fill_value=False)
    )
    events = tables.get("events")
    if events is not None:
        stopped = events.loc[events["kind"] == "rt_discontinuation", "subject_id"].astype(str)
        complete &= ~ids.isin(stopped)
    lesions = tables.get("lesions")
    if lesions is None:
        return complete
    baseline = lesions[lesions["role"].isin(["target", "non_target"])][["subject_id", "lesion_id"]]
    covered = irradiated_lesion_ids(rt, lesions).assign(covered=True)
    merged = baseline.merge(covered, on=["subject_id", "lesion_id"], how="left")
    all_covered = merged["covered"].notna().groupby(merged["subject_id"].astype(str)).all()
    return complete & all_covered.reindex(ids, fill_value=False)


def post_baseline_assessment(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """At least one tumour assessment after day 1 (measurements, else reported responses)."""
    ids = _ids(tables["subjects"])
    start = read_dates(tables["subjects"], "subjects", "start_date").set_axis(ids)
    assessed = np.zeros(len(ids), dtype=bool)
    for name, column in (("measurements", "assessment_date"), ("responses", "assessment_date")):
        frame = tables.get(name)
        if frame is not None:
            subject = frame["subject_id"].astype(str)
            later = (read_dates(frame, name, column) > by_key(subject, start)).to_numpy()
            assessed |= is_in(ids, subject[later])
    return pd.Series(assessed, index=ids)


CONDITIONS: dict[str, Callable[[dict[str, pd.DataFrame]], pd.Series]] = {
    "enrolled": enrolled,
    "received_study_drug": received_study_drug,
    "completed_rt_all_lesions": completed_rt_all_lesions,
    "post_baseline_assessment": post_baseline_assessment,
}


def derive_adsl(tables: dict[str, pd.DataFrame], protocol: Protocol | None) -> pd.DataFrame:
    """One row per subject with a boolean flag per protocol population (``<id>_flag``) and the
    flag of each condition used; protocols without populations get ITT (= enrolled)."""
    subjects = tables["subjects"]
    ids = _ids(subjects)
    adsl = subjects.assign(subject_id=ids.to_numpy()).set_index("subject_id")
    populations = list(getattr(protocol, "populations", None) or [])
    needed = {c for p in populations for c in p.requires} or {"enrolled"}
    for condition in sorted(needed):
        adsl[condition] = CONDITIONS[condition](tables).reindex(ids).to_numpy()
    if not populations:
        adsl["ITT_flag"] = adsl["enrolled"]
    for population in populations:
        flags = np.ones(len(adsl), dtype=bool)
        for condition in population.requires:
            flags &= adsl[condition].to_numpy(dtype=bool)
        adsl[f"{population.id}_flag"] = flags
    return adsl.reset_index()
