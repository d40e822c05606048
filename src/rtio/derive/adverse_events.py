"""Adverse-event tables by worst CTCAE grade (the layout of seed 004 Tables 2 and 3).

Per term: the number and percentage of patients by their worst grade (1–5), any grade and grade ≥ 3,
among a stated denominator (a population: all treated patients; for RT-related events the
patients who received RT). A patient counts once per term, at the worst grade.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd

from rtio.dates import parse_iso_dates
from rtio.frames import FrameLike, subject_index, with_dates
from rtio.lookup import by_key, is_in
from rtio.vocabulary import TEAE_IMMUNE_WINDOW_DAYS, TEAE_WINDOW_DAYS

__all__ = [
    "FILTERS",
    "ae_grade_table",
    "lab_events",
    "lab_shift_table",
    "map_terms",
    "percent_text",
    "treatment_emergent",
]

FILTERS = ("related_treatment", "related_radiotherapy", "immune_related", "serious")


def percent_text(k: int, n: int) -> str:
    """``k (p%)`` with p rounded half up to a whole percent, as seed 004 prints it ("18 (55%)")."""
    if k == 0:
        return "0"
    pct = Decimal(100 * k) / Decimal(n)
    return f"{k} ({pct.quantize(Decimal(1), rounding=ROUND_HALF_UP)}%)"


def map_terms(adverse_events: pd.DataFrame, term_map: Mapping[str, str] | None) -> pd.Series:
    """The CTCAE term of each row: ``term`` translated by the study's term map where listed."""
    terms = adverse_events["term"].astype(str)
    if not term_map:
        return terms
    mapped = terms.map(dict(term_map))  # a dict lookup per row in C, no Python per row
    return mapped.where(mapped.notna(), terms)


def ae_grade_table(
    adverse_events: pd.DataFrame,
    population: Iterable[str],
    only: str | None = None,
    term_map: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Patients by worst grade per term among ``population`` (subject ids = the denominator).

    ``only``: keep events flagged in that column (related_treatment, related_radiotherapy,
    immune_related, serious). Sorted by any-grade frequency, then grade ≥ 3, then term.
    """
    if only is not None and only not in FILTERS:
        raise ValueError(f"only must be one of {FILTERS}, not {only!r}")
    ids = subject_index(population).unique()
    n = len(ids)
    events = adverse_events.assign(subject_id=adverse_events["subject_id"].astype(str))
    events = events.assign(term=map_terms(events, term_map))
    events = events[is_in(events["subject_id"], ids)]
    if only is not None:
        events = events[events[only].astype(bool)]
    worst = events.groupby(["term", "subject_id"])["grade"].max().reset_index()
    counts = pd.crosstab(worst["term"], worst["grade"]).reindex(columns=range(1, 6), fill_value=0)
    counts.columns = [f"grade_{g}" for g in range(1, 6)]
    table = counts.assign(
        any_grade=counts.sum(axis=1),
        grade_3_plus=counts[["grade_3", "grade_4", "grade_5"]].sum(axis=1),
    )
    table = table.reset_index().sort_values(
        ["any_grade", "grade_3_plus", "term"], ascending=[False, False, True]
    )
    table.insert(1, "denominator", n)
    for column in [
        "grade_1",
        "grade_2",
        "grade_3",
        "grade_4",
        "grade_5",
        "any_grade",
        "grade_3_plus",
    ]:
        table[f"{column}_pct"] = 100 * table[column] / n if n else float("nan")
    return table.reset_index(drop=True)


def treatment_emergent(
    adverse_events: FrameLike,
    exposures: FrameLike,
    window_days: int = TEAE_WINDOW_DAYS,
    immune_window_days: int = TEAE_IMMUNE_WINDOW_DAYS,
) -> pd.Series:
    """True for AEs starting between the first dose and the last dose + ``window_days``
    (immune-related AEs: + ``immune_window_days``) — DESIGN's treatment-emergent window."""
    adverse_events = with_dates(adverse_events, "adverse_events", ["start_date"])
    exposures = with_dates(exposures, "exposures", ["date"])
    doses = exposures.groupby("subject_id")["date"].agg(["min", "max"])
    first = by_key(adverse_events["subject_id"], doses["min"])
    last = by_key(adverse_events["subject_id"], doses["max"])
    window = np.where(
        adverse_events["immune_related"].astype(bool), immune_window_days, window_days
    )
    end = last + pd.to_timedelta(window, unit="D")
    return (adverse_events["start_date"] >= first) & (adverse_events["start_date"] <= end)


def lab_events(graded_labs: FrameLike, adverse_events: FrameLike) -> pd.DataFrame:
    """Graded lab abnormalities (grade ≥ 1) as AE rows, except where a reported AE of the same subject,
    term and date exists — one abnormality is counted once."""
    graded_labs = with_dates(graded_labs, "graded labs", ["date"])
    adverse_events = with_dates(adverse_events, "adverse_events", ["start_date"])
    abnormal = graded_labs[graded_labs["grade"] >= 1]
    reported = pd.MultiIndex.from_frame(
        adverse_events[["subject_id", "term", "start_date"]].astype(str)
    )
    keys = pd.MultiIndex.from_arrays(
        [
            abnormal["subject_id"].astype(str),
            abnormal["ctcae_term"].astype(str),
            abnormal["date"].astype(str),
        ]
    )
    new = abnormal[~is_in(keys, reported)]
    return pd.DataFrame(
        {
            "subject_id": new["subject_id"].to_numpy(),
            "term": new["ctcae_term"].to_numpy(),
            "grade": new["grade"].astype(int).to_numpy(),
            "start_date": new["date"].to_numpy(),
            "source": "laboratory",
        }
    )


def lab_shift_table(graded_labs: FrameLike, first_dose: pd.Series) -> pd.DataFrame:
    """Baseline grade (last result on or before the first dose) → worst post-baseline grade, per term:
    number of patients in each (baseline, worst) cell."""
    graded_labs = with_dates(graded_labs, "graded labs", ["date"])
    first_dose = parse_iso_dates(first_dose, column="first dose", source="first_dose")
    labs = graded_labs.dropna(subset=["grade"]).assign(
        first=lambda f: by_key(f["subject_id"], first_dose)
    )
    before = (
        labs[labs["date"] <= labs["first"]]
        .sort_values("date")
        .drop_duplicates(["subject_id", "ctcae_term"], keep="last")
    )
    after = (
        labs[labs["date"] > labs["first"]]
        .groupby(["subject_id", "ctcae_term"])["grade"]
        .max()
        .rename("worst")
    )
    pairs = (
        before.set_index(["subject_id", "ctcae_term"])["grade"]
        .rename("baseline")
        .to_frame()
        .join(after, how="inner")
    )
    table = (
        pairs.reset_index()
        .groupby(["ctcae_term", "baseline", "worst"])
        .size()
        .rename("patients")
        .reset_index()
    )
    return table.astype({"baseline": int, "worst": int})
