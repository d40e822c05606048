"""Response endpoints from best overall response and timepoint responses: ORR, DCR (RECIST 1.1
§4.5), waterfall and spider data.

Exact (Clopper–Pearson) intervals come from :func:`scipy.stats.binomtest` ``proportion_ci(method=
"exact")``, the interval R's ``binom.test`` prints.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import binomtest

from rtio.frames import FrameLike, as_frame, read_dates, require_columns, subject_index
from rtio.lookup import is_in
from rtio.vocabulary import DAYS_PER_MONTH, DISEASE_CONTROL, OBJECTIVE_RESPONSE

__all__ = [
    "RateResult",
    "disease_control_rate",
    "objective_response_rate",
    "spider_data",
    "waterfall_data",
]


@dataclass(frozen=True)
class RateResult:
    """A proportion with its exact confidence interval."""

    k: int
    n: int
    rate: float
    lower: float
    upper: float
    conf_level: float
    method: str = "exact (Clopper-Pearson)"
    categories: tuple[str, ...] = ()


def _rate(
    bor: FrameLike, categories: tuple[str, ...], population: Iterable[str] | None, conf_level: float
) -> RateResult:
    table = as_frame(bor, "bor")
    require_columns(table, "bor", ["subject_id", "bor"])
    table["subject_id"] = table["subject_id"].astype(str)
    if population is not None:
        wanted = subject_index(population)
        missing = wanted.difference(pd.Index(table["subject_id"]))
        if len(missing):
            raise ValueError(f"population: subject(s) {', '.join(missing[:5])} have no BOR row")
        table = table[table["subject_id"].isin(wanted)]
    n = len(table)
    k = int(table["bor"].isin(categories).sum())
    if n == 0:
        return RateResult(0, 0, np.nan, np.nan, np.nan, conf_level, categories=categories)
    ci = binomtest(k, n).proportion_ci(confidence_level=conf_level, method="exact")
    return RateResult(k, n, k / n, float(ci.low), float(ci.high), conf_level, categories=categories)


def objective_response_rate(
    bor: FrameLike, population: Iterable[str] | None = None, conf_level: float = 0.95
) -> RateResult:
    """ORR: share of the population (subject ids; all rows when None) with BOR CR or PR
    (RECIST 1.1 §4.5), exact CI. Subjects without assessment count in the denominator (NE)."""
    return _rate(bor, OBJECTIVE_RESPONSE, population, conf_level)


def disease_control_rate(
    bor: FrameLike, population: Iterable[str] | None = None, conf_level: float = 0.95
) -> RateResult:
    """DCR: BOR CR, PR, SD or NON-CR/NON-PD (SD already meets the minimum duration in
    :func:`rtio.derive.recist.best_overall_response`), exact CI."""
    return _rate(bor, DISEASE_CONTROL, population, conf_level)


def waterfall_data(timepoints: FrameLike) -> pd.DataFrame:
    """Best (smallest) % change of the target sum from baseline per subject, over timepoints with
    every target assessed; one row per subject with ``best_pct_from_baseline`` and its date."""
    tp = as_frame(timepoints, "timepoints")
    require_columns(tp, "timepoints", ["subject_id", "assessment_date", "pct_from_baseline"])
    ok = tp[tp["pct_from_baseline"].notna()]
    idx = ok.groupby("subject_id")["pct_from_baseline"].idxmin()
    out = ok.loc[idx.to_numpy(), ["subject_id", "assessment_date", "pct_from_baseline"]]
    out = out.rename(
        columns={"pct_from_baseline": "best_pct_from_baseline", "assessment_date": "best_date"}
    )
    return out.sort_values("best_pct_from_baseline", ascending=False).reset_index(drop=True)


def spider_data(timepoints: FrameLike, subjects: FrameLike) -> pd.DataFrame:
    """% change of the target sum from baseline over time (days and months = days /
    :data:`rtio.vocabulary.DAYS_PER_MONTH` from day 1), one row per subject x timepoint with every target assessed, starting at 0 % on day 0."""
    tp = as_frame(timepoints, "timepoints")
    subj = as_frame(subjects, "subjects")
    require_columns(tp, "timepoints", ["subject_id", "assessment_date", "pct_from_baseline"])
    require_columns(subj, "subjects", ["subject_id", "start_date"])
    subj = subj.assign(
        subject_id=subj["subject_id"].astype(str),
        start_date=read_dates(subj, "subjects", "start_date"),
    )
    ok = tp[tp["pct_from_baseline"].notna()].assign(
        subject_id=lambda f: f["subject_id"].astype(str),
        assessment_date=lambda f: read_dates(f, "timepoints", "assessment_date"),
    )
    ok = ok.merge(subj[["subject_id", "start_date"]], on="subject_id")
    origin = subj[is_in(subj["subject_id"], ok["subject_id"])].assign(
        assessment_date=lambda f: f["start_date"], pct_from_baseline=0.0
    )
    out = pd.concat(
        [origin, ok[["subject_id", "start_date", "assessment_date", "pct_from_baseline"]]],
        ignore_index=True,
    )
    out["day"] = (out["assessment_date"] - out["start_date"]).dt.days
    out["month"] = out["day"] / DAYS_PER_MONTH
    cols = ["subject_id", "assessment_date", "day", "month", "pct_from_baseline"]
    return out.sort_values(["subject_id", "day"]).reset_index(drop=True)[cols]
