"""Kaplan–Meier summaries of ADTTE parameters and comparisons of groups with a declared
reference: medians, landmark rates, curves, log-rank tests and Cox hazard ratios."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rtio.analyse.effects import hazard_ratio, logrank
from rtio.analyse.results import (
    CurvePoint,
    Effect,
    GroupComparison,
    Interval,
    RateAt,
    SurvivalResult,
    Test,
)
from rtio.analyse.rows import records
from rtio.stats import CoxPH, NotEstimableError, cox_zph, kaplan_meier

KM_METHOD = (
    "Kaplan–Meier; 95 % CI on the log scale (R survfit default); median CI by "
    "Brookmeyer–Crowley inversion of the pointwise band (R quantile.survfit)"
)
PH_METHOD = "score test of a time-varying hazard ratio on the Kaplan–Meier time scale (R cox.zph)"


def _none(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def summarise_km(
    adtte: pd.DataFrame,
    endpoint: str,
    population: str,
    rate_months: Sequence[float] = (12, 24),
    group: str | None = None,
) -> SurvivalResult | None:
    """KM summary of one ADTTE parameter (rows already restricted to the population); None when
    the population has no row of that parameter."""
    rows = adtte[adtte["paramcd"] == endpoint]
    if rows.empty:
        return None
    time = rows["aval_months"].to_numpy(float)
    event = 1 - rows["cnsr"].to_numpy(int)
    fit = kaplan_meier(time, event)
    median = fit.median()
    at = fit.survival_at(list(rate_months), extend=True)
    table = fit.table
    return SurvivalResult(
        endpoint=endpoint,
        population=population,
        group=group,
        n=len(rows),
        events=int(event.sum()),
        median=Interval(
            value=median.value, lower=median.lower, upper=median.upper, method=KM_METHOD
        ),
        rates=records(at.rename(columns={"time": "months"}), RateAt),
        curve=records(table.rename(columns={"time": "months"}), CurvePoint),
        method=KM_METHOD,
    )


def summarise_by_group(
    adtte: pd.DataFrame, endpoint: str, population: str, groups: pd.Series, order: Sequence[str]
) -> dict[str, SurvivalResult]:
    """KM summary per group label (``groups``: subject_id → label), in ``order``."""
    label = adtte["subject_id"].map(groups)
    out = {}
    for level in order:
        summary = summarise_km(adtte[label == level], endpoint, population, group=level)
        if summary is not None:
            out[level] = summary
    return out


def strata_of(
    subjects: pd.DataFrame, factors: Sequence[str]
) -> tuple[pd.Series | None, str | None]:
    """One stratum label per subject from the stratification factors (subjects columns), or None
    with the error: a factor that is not a column, or patients with a missing value (named by
    table, column and subject; never dropped, as R ``strata()`` would drop them)."""
    if not factors:
        return None, None
    absent = [f for f in factors if f not in subjects.columns]
    if absent:
        return None, (
            f"stratification factor(s) {', '.join(absent)} not columns of the subjects table"
        )
    errors = []
    for factor in factors:
        missing = np.flatnonzero(subjects[factor].isna().to_numpy())
        if missing.size:
            ids = subjects["subject_id"].astype(str).to_numpy()[missing]
            named = ", ".join(ids[:10])
            more = f" and {missing.size - 10} more" if missing.size > 10 else ""
            errors.append(
                f"subjects.{factor} is missing for {missing.size} patient(s): {named}{more}"
            )
    if errors:
        return None, "; ".join(errors) + " (the stratified analyses need every value)"
    values = subjects[list(factors)]
    key = values.astype(str).agg(" | ".join, axis=1)
    return pd.Series(key.to_numpy(), index=subjects["subject_id"].astype(str).to_numpy()), None


def compare_groups(
    adtte: pd.DataFrame,
    endpoint: str,
    population: str,
    groups: pd.Series,
    reference: str,
    order: Sequence[str],
    title: str,
    strata: pd.Series | None = None,
    strata_label: str = "",
    strata_problem: str | None = None,
    conf_level: float = 0.95,
) -> GroupComparison | None:
    """KM per group (in ``order``), the log-rank test and, with two groups, the Cox HR of the other
    group vs ``reference``; with ``strata`` (per subject) also the stratified log-rank test and
    Cox HR (ICH E9: analysed as randomized). ``strata_problem`` (missing strata values) makes the
    stratified results not estimable with that reason. None when the endpoint has no rows."""
    rows = adtte[adtte["paramcd"] == endpoint]
    mapped = rows["subject_id"].map(groups)
    rows, label = rows[mapped.notna()], mapped[mapped.notna()].to_numpy(dtype=object)
    if rows.empty:
        return None
    time = rows["aval_months"].to_numpy(float)
    event = 1 - rows["cnsr"].to_numpy(int)
    levels = [g for g in order if (label == g).any()]
    curves = summarise_by_group(rows, endpoint, population, groups, levels)
    others = [g for g in order if g != reference]
    comparison = GroupComparison(
        title=title,
        endpoint=endpoint,
        population=population,
        reference=reference,
        groups=list(order),
        curves=list(curves.values()),
        logrank=logrank(time, event, label),
    )
    if len(order) != 2:
        return comparison
    group = others[0]
    hr, fit = hazard_ratio(time, event, label == group, group, reference, conf_level=conf_level)
    update: dict[str, object] = {"hazard_ratio": hr, "ph_test": _proportional_hazards(fit)}
    if strata is not None or strata_problem is not None:
        update |= _stratified(
            rows,
            time,
            event,
            label,
            group,
            reference,
            strata,
            strata_label,
            strata_problem,
            conf_level,
        )
    return comparison.model_copy(update=update)


def _stratified(
    rows: pd.DataFrame,
    time: np.ndarray,
    event: np.ndarray,
    label: np.ndarray,
    group: str,
    reference: str,
    strata: pd.Series | None,
    strata_label: str,
    problem: str | None,
    conf_level: float,
) -> dict[str, object]:
    """Stratified log-rank test and Cox HR, or both not estimable with the reason."""
    method = "Cox PH (Efron ties), Wald CI, stratified by " + strata_label
    if strata is None or problem is not None:
        reason = problem or "no strata"
        return {
            "strata": [strata_label] if strata_label else [],
            "stratified_hazard_ratio": Effect(
                value=None,
                lower=None,
                upper=None,
                conf_level=conf_level,
                group=group,
                reference=reference,
                method=method,
                not_estimable=reason,
            ),
            "stratified_logrank": Test(
                statistic=None,
                p_value=None,
                method="log-rank (R survdiff, rho = 0), stratified",
                not_estimable=reason,
            ),
        }
    layer = rows["subject_id"].map(strata).to_numpy()
    hr, _ = hazard_ratio(
        time, event, label == group, group, reference, layer, strata_label, conf_level
    )
    return {
        "strata": [strata_label],
        "stratified_hazard_ratio": hr,
        "stratified_logrank": logrank(time, event, label, layer),
    }


def _proportional_hazards(model: CoxPH | None) -> Test | None:
    """cox.zph test of the hazard ratio's proportionality (KM time scale); None without a fit,
    not estimable when its information is singular (e.g. too few events)."""
    if model is None:
        return None
    try:
        row = cox_zph(model).table.loc["GLOBAL"]
    except (np.linalg.LinAlgError, NotEstimableError) as error:
        reason = getattr(error, "reason", "singular information")
        return Test(statistic=None, p_value=None, method=PH_METHOD, not_estimable=reason)
    chisq, df, p = (float(np.asarray(row[key])) for key in ("chisq", "df", "p"))
    if not np.isfinite(chisq):
        return Test(
            statistic=None, p_value=None, method=PH_METHOD, not_estimable="singular information"
        )
    return Test(statistic=chisq, df=df, p_value=p, method=PH_METHOD)
