"""Response and time-to-event results per population (seed 004 Results and Supplementary Table 2).

ORR and DCR are read two ways, as the protocol says: from the best overall response (RECIST 1.1
Table 3) and from the timepoint response at a protocol timepoint (seed 004: 3 months after
completing RT — the first assessment on or after that date, with a 14-day lead window; a subject
without such an assessment counts as NE in the denominator).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rtio.analyse.results import CountRow, HistoricalComparison, Interval, Proportion, ResponseBlock
from rtio.analyse.survival import _none
from rtio.derive.response_endpoints import disease_control_rate, objective_response_rate
from rtio.stats import exponential_test, kaplan_meier, median_follow_up, one_sample_logrank
from rtio.vocabulary import DAYS_PER_MONTH, Response

CATEGORIES = list(Response.values())
TIMEPOINT_LEAD_DAYS = 14


def _proportion(rate, label: str, population: str) -> Proportion:
    return Proportion(
        label=label,
        population=population,
        k=rate.k,
        n=rate.n,
        rate=_none(rate.rate),
        lower=_none(rate.lower),
        upper=_none(rate.upper),
        conf_level=rate.conf_level,
        method="exact (Clopper–Pearson)",
    )


def response_block(
    bor: pd.DataFrame, ids: pd.Index, population: str, reading: str
) -> ResponseBlock:
    """BOR distribution, ORR and DCR with exact CIs among ``ids`` (missing → NE)."""
    frame = pd.DataFrame({"subject_id": ids}).merge(
        bor[["subject_id", "bor"]], how="left", on="subject_id"
    )
    frame["bor"] = frame["bor"].fillna("NE")
    counts = frame["bor"].value_counts()
    distribution = [
        CountRow(category=c, n=int(counts.get(c, 0)), pct=100 * counts.get(c, 0) / len(frame))
        for c in CATEGORIES
        if counts.get(c, 0) or c in ("CR", "PR", "SD", "PD", "NE")
    ]
    return ResponseBlock(
        population=population,
        reading=reading,
        distribution=distribution,
        orr=_proportion(objective_response_rate(frame), "ORR (CR + PR)", population),
        dcr=_proportion(disease_control_rate(frame), "DCR (CR + PR + SD)", population),
    )


def response_after_rt(
    timepoints: pd.DataFrame, radiotherapy: pd.DataFrame | None, months: float
) -> pd.DataFrame:
    """Timepoint response at the first assessment ≥ (end of RT + ``months`` − 14 days), per subject."""
    if radiotherapy is None or radiotherapy.empty:
        return pd.DataFrame(columns=["subject_id", "bor"])
    end = radiotherapy.groupby("subject_id")["end_date"].max()
    target = end + pd.to_timedelta(round(months * DAYS_PER_MONTH) - TIMEPOINT_LEAD_DAYS, unit="D")
    tp = timepoints.assign(target=timepoints["subject_id"].map(target))
    tp = tp[tp["target"].notna() & (tp["assessment_date"] >= tp["target"])]
    first = tp.sort_values("assessment_date").drop_duplicates("subject_id")
    return first[["subject_id", "overall_response"]].rename(columns={"overall_response": "bor"})


def follow_up(adtte: pd.DataFrame) -> tuple[Interval, tuple[float, float]]:
    """Median follow-up by reverse KM on OS (months), and the range of follow-up among the censored."""
    os_rows = adtte[adtte["paramcd"] == "OS"]
    estimate = median_follow_up(os_rows["aval_months"], 1 - os_rows["cnsr"])
    censored = os_rows.loc[os_rows["cnsr"] == 1, "aval_months"]
    span = (float(censored.min()), float(censored.max())) if len(censored) else (np.nan, np.nan)
    return Interval(
        value=_none(estimate.value),
        lower=_none(estimate.lower),
        upper=_none(estimate.upper),
        method=estimate.method,
    ), span


def duration_of_response(
    adtte: pd.DataFrame, ids: pd.Index
) -> tuple[Interval, tuple[float | None, float | None]] | None:
    """Median DoR with CI and its KM interquartile range (25th and 75th percentiles)."""
    rows = adtte[(adtte["paramcd"] == "DOR") & adtte["subject_id"].isin(ids)]
    if rows.empty:
        return None
    fit = kaplan_meier(rows["aval_months"], 1 - rows["cnsr"])
    median = fit.median()
    return (
        Interval(
            value=_none(median.value),
            lower=_none(median.lower),
            upper=_none(median.upper),
            method=median.method,
        ),
        (_none(fit.quantile(0.25).value), _none(fit.quantile(0.75).value)),
    )


def historical_comparison(
    adtte: pd.DataFrame, endpoint: str, population: str, median_control: float, sided: int
) -> list[HistoricalComparison]:
    """One-sample log-rank (Finkelstein 2003) and exponential tests against the control median."""
    rows = adtte[adtte["paramcd"] == endpoint]
    time, event = rows["aval_months"].to_numpy(float), 1 - rows["cnsr"].to_numpy(int)
    out = []
    logrank = one_sample_logrank(time, event, median_control, sided=sided)
    out.append(
        HistoricalComparison(
            endpoint=endpoint,
            population=population,
            median_control_months=median_control,
            observed=logrank.observed,
            expected=logrank.expected,
            statistic=logrank.statistic,
            p_value=logrank.p_value,
            sided=sided,
            method=logrank.method + "; exponential control",
        )
    )
    if event.sum() > 0:
        expo = exponential_test(time, event, median_control, sided=sided)
        out.append(
            HistoricalComparison(
                endpoint=endpoint,
                population=population,
                median_control_months=median_control,
                observed=expo.observed,
                expected=expo.expected,
                statistic=expo.statistic,
                p_value=expo.p_value,
                sided=sided,
                method=expo.method,
                exponential_median=Interval(
                    value=expo.median.value,
                    lower=expo.median.lower,
                    upper=expo.median.upper,
                    method=expo.median.method,
                ),
            )
        )
    return out
