"""Surgical and pathological endpoints of a neoadjuvant cohort (seed 002), each with an exact CI.

Definitions: R0 = microscopically clear margins; pCR = ypT0 and ypN0 (no residual tumour in the
primary or nodes); MPR = ≤ 10 % viable tumour in the specimen; clinical downstaging = a lower
clinical stage group at restaging than at baseline; pathological downstaging = a lower ypTNM stage
group than the baseline cTNM group (both by the protocol's staging edition — AJCC 8th in seed 002).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from rtio.lookup import by_key
from rtio.stats import binomial_ci

ROMAN = {"0": 0, "I": 1, "II": 2, "III": 3, "IV": 4}
_STAGE = re.compile(r"^\s*(?:stage\s*)?(0|IV|III|II|I)([ABC]?)\s*$", re.IGNORECASE)


def stage_rank(stage: pd.Series) -> pd.DataFrame:
    """Stage group as (group 0–4, sub-group 0–3; 0 = none given); NaN where not a stage group."""
    parts = stage.astype("string").str.extract(_STAGE)
    group = parts[0].str.upper().map(ROMAN)
    letter = parts[1].str.upper().map({"": 0, "A": 1, "B": 2, "C": 3})
    return pd.DataFrame(
        {"group": group.astype(float), "sub": letter.astype(float)}, index=stage.index
    )


def downstaged(before: pd.Series, after: pd.Series) -> pd.Series:
    """True where ``after`` is a lower stage group than ``before``; NA where either is unknown.

    Groups compare first (II < III); within a group, sub-groups compare only when both are given
    (IIIA < IIIB), since "III" against "IIIB" does not say which is lower.
    """
    b, a = stage_rank(before), stage_rank(after)
    lower = (a["group"] < b["group"]) | (
        (a["group"] == b["group"]) & (a["sub"] > 0) & (b["sub"] > 0) & (a["sub"] < b["sub"])
    )
    known = b["group"].notna() & a["group"].notna()
    return lower.where(known).astype("boolean")


def _category(value: pd.Series) -> pd.Series:
    return (
        value.astype("string")
        .str.strip()
        .str.replace(r"^(yp|p|c)", "", regex=True, case=False)
        .str.upper()
    )


def pathological_complete_response(surgery: pd.DataFrame) -> pd.Series:
    """pCR: ypT0 and ypN0."""
    return (_category(surgery["ypt"]) == "T0") & (_category(surgery["ypn"]) == "N0")


def major_pathological_response(surgery: pd.DataFrame, max_viable_pct: float = 10.0) -> pd.Series:
    """MPR: at most ``max_viable_pct`` % viable tumour in the resected specimen."""
    return surgery["viable_tumor_pct"] <= max_viable_pct


def r0_resection(surgery: pd.DataFrame) -> pd.Series:
    """R0: microscopically clear resection margins."""
    return surgery["margin"] == "R0"


def rt_to_surgery_days(radiotherapy: pd.DataFrame, surgery: pd.DataFrame) -> pd.Series:
    """Days from the last RT fraction before surgery to surgery, per operated subject."""
    first_surgery = surgery.groupby("subject_id")["date"].min()
    rt = radiotherapy.assign(surgery_date=by_key(radiotherapy["subject_id"], first_surgery))
    rt = rt[rt["end_date"] <= rt["surgery_date"]]
    last_end = rt.groupby("subject_id")["end_date"].max()
    return (first_surgery.reindex(last_end.index) - last_end).dt.days.rename("rt_to_surgery_days")


def proportion(name: str, flags: pd.Series, conf_level: float = 0.95) -> dict[str, object]:
    """k / n with its exact (Clopper–Pearson) CI; unknown flags are counted, not dropped."""
    known = flags.dropna().astype(bool)
    k, n = int(known.sum()), len(known)
    lower, upper = (
        binomial_ci(k, n, conf_level=conf_level, method="exact") if n else (np.nan, np.nan)
    )
    return {
        "endpoint": name,
        "k": k,
        "n": n,
        "n_unknown": int(len(flags) - n),
        "rate": k / n if n else np.nan,
        "lower": lower,
        "upper": upper,
        "ci_method": f"exact (Clopper–Pearson) {conf_level:.0%}",
    }


MYELOSUPPRESSION_TERMS = (
    "Anemia",
    "Lymphocyte count decreased",
    "Neutrophil count decreased",
    "Platelet count decreased",
    "White blood cell decreased",
    "Febrile neutropenia",
)
GASTROINTESTINAL_TERMS = (
    "Esophagitis",
    "Nausea",
    "Vomiting",
    "Diarrhea",
    "Dysphagia",
    "Anorexia",
    "Esophageal pain",
    "Gastritis",
)


def any_event(subject_ids: pd.Series, adverse_events: pd.DataFrame, mask: pd.Series) -> pd.Series:
    """Per subject: True if any adverse event selected by ``mask`` occurred."""
    hit = set(adverse_events.loc[mask, "subject_id"])
    return subject_ids.isin(hit)


def neoadjuvant_endpoints(
    subjects: pd.DataFrame,
    surgery: pd.DataFrame,
    responses: pd.DataFrame | None = None,
    adverse_events: pd.DataFrame | None = None,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Seed 002's endpoints, each as k / n with an exact CI; denominator: all cohort subjects.

    A subject without surgery counts as not R0 / not pCR / not MPR (intention-to-treat). Response
    after induction RT is the last timepoint response before surgery in ``responses``.
    """
    ids = subjects["subject_id"]
    operated = surgery.sort_values("date").drop_duplicates("subject_id").set_index("subject_id")
    on = operated.reindex(ids)
    rows = [
        proportion("R0 resection", r0_resection(on).fillna(False), conf_level),
        proportion("pCR (ypT0N0)", pathological_complete_response(on).fillna(False), conf_level),
        proportion(
            "MPR (<= 10 % viable tumour)", major_pathological_response(on).fillna(False), conf_level
        ),
    ]
    if "post_clinical_stage" in on:
        stage = subjects.set_index("subject_id")["stage"].reindex(ids)
        rows.append(
            proportion(
                "clinical downstaging", downstaged(stage, on["post_clinical_stage"]), conf_level
            )
        )
    if "yp_stage" in on:
        stage = subjects.set_index("subject_id")["stage"].reindex(ids)
        rows.append(
            proportion("pathological downstaging", downstaged(stage, on["yp_stage"]), conf_level)
        )
    if "complication_grade" in on:
        rows.append(
            proportion(
                "surgical complications grade 3-4",
                on["complication_grade"].between(3, 4),
                conf_level,
            )
        )
    if responses is not None and not responses.empty:
        before = responses.assign(surgery_date=by_key(responses["subject_id"], on["date"]))
        before = before[before["assessment_date"] <= before["surgery_date"]]
        last = before.sort_values("assessment_date").drop_duplicates("subject_id", keep="last")
        response = last.set_index("subject_id")["overall_response"].reindex(ids)
        rows.append(proportion("ORR after induction RT", response.isin(["CR", "PR"]), conf_level))
        rows.append(
            proportion(
                "DCR after induction RT",
                response.isin(["CR", "PR", "SD", "NON-CR/NON-PD"]),
                conf_level,
            )
        )
    if adverse_events is not None and not adverse_events.empty:
        rt_severe = adverse_events["related_radiotherapy"] & adverse_events["grade"].between(3, 4)
        for label, terms in (
            ("RT-related grade 3-4 myelosuppression", MYELOSUPPRESSION_TERMS),
            ("RT-related grade 3-4 gastrointestinal", GASTROINTESTINAL_TERMS),
        ):
            mask = rt_severe & adverse_events["term"].isin(terms)
            rows.append(proportion(label, any_event(ids, adverse_events, mask), conf_level))
    return pd.DataFrame(rows)
