"""Adverse-event tables by worst CTCAE grade (the layout of seed 004 Tables 2 and 3).

Per term: the number and percentage of patients by their worst grade (1–5), any grade and grade ≥ 3,
among a stated denominator (a population: all treated patients; for RT-related events the
patients who received RT). A patient counts once per term, at the worst grade.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

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
    return terms.map(lambda t: term_map.get(t, t)) if term_map else terms


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
    ids = pd.Index([str(s) for s in population]).unique()
    n = len(ids)
    events = adverse_events.assign(subject_id=adverse_events["subject_id"].astype(str))
    events = events.assign(term=map_terms(events, term_map))
    events = events[events["subject_id"].isin(ids)]
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
