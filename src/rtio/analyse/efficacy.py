"""Response and time-to-event results per population (seed 004 Results and Supplementary Table 2),
overall and, in a randomized trial, per arm.

ORR and DCR are read two ways, as the protocol says: from the best overall response (RECIST 1.1
Table 3) and from the timepoint response at a protocol timepoint (seed 004: 3 months after
completing RT — the first assessment on or after that date, with a 14-day lead window; a subject
without such an assessment counts as NE in the denominator).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from rtio.analyse.arms import StudyArms
from rtio.analyse.derived import Derived
from rtio.analyse.effects import odds_ratio, rate_difference
from rtio.analyse.results import (
    CountRow,
    HistoricalComparison,
    Interval,
    Proportion,
    ResponseBlock,
    SurvivalResult,
)
from rtio.analyse.survival import _none, summarise_by_group, summarise_km
from rtio.derive.response_endpoints import disease_control_rate, objective_response_rate
from rtio.io import Study
from rtio.lookup import is_in
from rtio.stats import exponential_test, kaplan_meier, median_follow_up, one_sample_logrank
from rtio.vocabulary import Response

CATEGORIES = list(Response.values())
TIMEPOINT_LEAD_DAYS = 14


def _proportion(rate: Any, label: str, population: str) -> Proportion:
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
    n = len(frame)
    distribution = [
        CountRow(category=c, n=int(counts.get(c, 0)), pct=100 * counts.get(c, 0) / n if n else None)
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


def response_by_arm(
    bor: pd.DataFrame, ids: pd.Index, population: str, reading: str, arms: StudyArms
) -> ResponseBlock:
    """The response block of ``ids`` with one block per arm and, with a declared reference, the
    ORR of the other arm vs the reference as an odds ratio and a difference."""
    block = response_block(bor, ids, population, reading)
    if not arms.labels:
        return block
    arm_of = pd.Series(ids, index=ids).map(arms.of_subject)
    by_arm = {
        label: response_block(bor, pd.Index(ids[(arm_of == label).to_numpy()]), population, reading)
        for label in arms.labels
    }
    update: dict[str, Any] = {"by_arm": by_arm}
    if arms.comparable and arms.group in by_arm and arms.reference in by_arm:
        g, r = by_arm[arms.group].orr, by_arm[arms.reference].orr
        args = (g.k, g.n, r.k, r.n, arms.group, arms.reference)
        update |= {"orr_odds_ratio": odds_ratio(*args), "orr_difference": rate_difference(*args)}
    return block.model_copy(update=update)


def response_at(timepoints: pd.DataFrame, anchor: pd.Series, days: float) -> pd.DataFrame:
    """Timepoint response at the first assessment ≥ (anchor date + ``days`` − 14 days), per
    subject (``anchor``: subject_id → date); subjects without one are absent (NE in a block)."""
    target = anchor + pd.to_timedelta(round(days) - TIMEPOINT_LEAD_DAYS, unit="D")
    tp = timepoints.assign(target=timepoints["subject_id"].map(target))
    tp = tp[tp["target"].notna() & (tp["assessment_date"] >= tp["target"])]
    first = tp.sort_values("assessment_date").drop_duplicates("subject_id")
    return first[["subject_id", "overall_response"]].rename(columns={"overall_response": "bor"})


ANCHORS = {
    "rt_completion": "completing RT",
    "treatment_start": "the start of treatment",
    "rt_start": "the start of RT",
}


def anchor_dates(study: Study, anchor: str) -> pd.Series | None:
    """Per subject, the date a protocol timepoint is counted from; None when the study lacks it."""
    subjects = study.tables["subjects"]
    radiotherapy = study.table("radiotherapy")
    if anchor == "treatment_start":
        return subjects.set_index("subject_id")["start_date"]
    if radiotherapy is None or radiotherapy.empty:
        return None
    if anchor == "rt_completion":
        return radiotherapy.groupby("subject_id")["end_date"].max()
    if anchor == "rt_start":
        return radiotherapy.groupby("subject_id")["start_date"].min()
    return None


def timepoint_readings(study: Study) -> list[tuple[str, str, float]]:
    """(label, anchor, days) of each protocol timepoint at which response is read (the readings
    of the binary response endpoints), without repeats."""
    out: dict[tuple[str, float], str] = {}
    for endpoint in study.protocol.endpoints:
        if endpoint.kind != "binary" or not {"CR", "PR"} & set(endpoint.responses):
            continue
        for reading in endpoint.readings:
            if (
                reading.reading != "timepoint"
                or reading.timepoint is None
                or reading.anchor is None
            ):
                continue
            unit = (
                reading.timepoint.unit.rstrip("s")
                if reading.timepoint.value == 1
                else reading.timepoint.unit
            )
            label = (
                f"response {reading.timepoint.value:g} {unit} after "
                f"{ANCHORS.get(reading.anchor, reading.anchor)}"
            )
            out.setdefault((reading.anchor, reading.timepoint.days()), label)
    return [(label, anchor, days) for (anchor, days), label in out.items()]


def follow_up(
    adtte: pd.DataFrame,
) -> tuple[Interval | None, tuple[float | None, float | None] | None]:
    """Median follow-up by reverse KM on OS (months), and the range of follow-up among the
    censored; None when no patient is censored (follow-up is then not estimable)."""
    os_rows = adtte[adtte["paramcd"] == "OS"]
    censored = os_rows.loc[os_rows["cnsr"] == 1, "aval_months"]
    if os_rows.empty or censored.empty:
        return None, None
    estimate = median_follow_up(os_rows["aval_months"], 1 - os_rows["cnsr"])
    return Interval(
        value=estimate.value,
        lower=estimate.lower,
        upper=estimate.upper,
        method=estimate.method,
    ), (float(censored.min()), float(censored.max()))


def duration_of_response(
    adtte: pd.DataFrame, ids: pd.Index
) -> tuple[Interval, tuple[float | None, float | None]] | None:
    """Median DoR with CI and its KM interquartile range (25th and 75th percentiles)."""
    rows = adtte[(adtte["paramcd"] == "DOR") & is_in(adtte["subject_id"], ids)]
    if rows.empty:
        return None
    fit = kaplan_meier(rows["aval_months"], 1 - rows["cnsr"])
    median = fit.median()
    return (
        Interval(value=median.value, lower=median.lower, upper=median.upper, method=median.method),
        (_none(fit.quantile(0.25).value), _none(fit.quantile(0.75).value)),
    )


def historical_comparison(
    adtte: pd.DataFrame, endpoint: str, population: str, median_control: float, sided: int
) -> list[HistoricalComparison]:
    """One-sample log-rank (Finkelstein 2003) and exponential tests against the control median."""
    rows = adtte[adtte["paramcd"] == endpoint]
    if rows.empty:
        return []
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
        assert expo.median is not None
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


def efficacy_populations(populations: dict[str, pd.Index]) -> list[str]:
    """Populations efficacy is reported in (all but safety)."""
    return [p for p in populations if p != "safety"]


def unavailable(derived: Derived) -> dict[str, str]:
    """Efficacy sections that cannot be computed, with the reason."""
    if derived.bor is None:
        return {"response": "the study has no lesions / measurements tables"}
    return {}


def response_blocks(
    study: Study, derived: Derived, populations: dict[str, pd.Index], arms: StudyArms
) -> list[ResponseBlock]:
    """Per efficacy population: the best overall response as the protocol reads it, the other
    reading (confirmed / unconfirmed) beside it, and the response at each protocol timepoint."""
    if derived.bor is None or derived.timepoints is None:
        return []
    readings = [
        (
            "best overall response (RECIST 1.1, confirmed)",
            derived.bor_confirmed,
        ),
        (
            "best overall response (RECIST 1.1, unconfirmed)",
            derived.bor_unconfirmed,
        ),
    ]
    if not derived.confirmed:
        readings.reverse()
    for label, anchor, days in timepoint_readings(study):
        dates = anchor_dates(study, anchor)
        if dates is not None:
            readings.append((label, response_at(derived.timepoints, dates, days)))
    return [
        response_by_arm(bor, populations[population], population, reading, arms)
        for population in efficacy_populations(populations)
        for reading, bor in readings
        if bor is not None
    ]


def survival_summaries(
    derived: Derived,
    populations: dict[str, pd.Index],
    groups: pd.Series | None = None,
    order: Sequence[str] = (),
) -> list[SurvivalResult]:
    """KM summaries of PFS and OS per efficacy population, with one per group (arm, or a
    cohort's exposure group) in ``by_arm``."""
    adtte = derived.adtte
    out = []
    for population in efficacy_populations(populations):
        rows = adtte[is_in(adtte["subject_id"], populations[population])]
        for endpoint in ("PFS", "OS"):
            summary = summarise_km(rows, endpoint, population)
            if summary is None:
                continue
            if groups is not None and order:
                by_arm = summarise_by_group(rows, endpoint, population, groups, order)
                summary = summary.model_copy(update={"by_arm": by_arm})
            out.append(summary)
    return out


def historical_control(
    study: Study, derived: Derived, populations: dict[str, pd.Index]
) -> list[HistoricalComparison]:
    """The primary endpoint against the protocol's historical control median (ITT)."""
    plan = study.protocol.statistical_plan
    if not (plan and plan.historical_control and plan.historical_control.median_months):
        return []
    endpoint = plan.historical_control.endpoint
    ids = populations.get("ITT", pd.Index(derived.adsl["subject_id"]))
    rows = derived.adtte[is_in(derived.adtte["subject_id"], ids)]
    return historical_comparison(
        rows, endpoint, "ITT", plan.historical_control.median_months, plan.sided or 2
    )
