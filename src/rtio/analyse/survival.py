"""Kaplan–Meier summaries of ADTTE parameters: medians, landmark rates, curves, comparisons."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rtio.analyse.results import CurvePoint, GroupComparison, Interval, RateAt, SurvivalResult
from rtio.stats import CoxPH, NotEstimableError, cox_ph, cox_zph, kaplan_meier, logrank_test

KM_METHOD = (
    "Kaplan–Meier; 95 % CI on the log scale (R survfit default); median CI by "
    "Brookmeyer–Crowley inversion of the pointwise band (R quantile.survfit)"
)


def _none(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else float(value)


def summarise_km(
    adtte: pd.DataFrame,
    endpoint: str,
    population: str,
    rate_months: Sequence[float] = (12, 24),
    group: str | None = None,
) -> SurvivalResult | None:
    """KM summary of one ADTTE parameter (rows already restricted to the population)."""
    rows = adtte[adtte["paramcd"] == endpoint]
    if rows.empty:
        return None
    time = rows["aval_months"].to_numpy(float)
    event = 1 - rows["cnsr"].to_numpy(int)
    fit = kaplan_meier(time, event)
    median = fit.median()
    at = fit.survival_at(list(rate_months), extend=True)
    table = fit.table
    curve = [
        CurvePoint(
            months=float(r.time),
            survival=float(r.survival),
            lower=_none(r.lower),
            upper=_none(r.upper),
            n_risk=float(r.n_risk),
            n_event=float(r.n_event),
            n_censor=float(r.n_censor),
        )
        for r in table.itertuples()
    ]
    rates = [
        RateAt(
            months=float(r.time),
            survival=_none(r.survival),
            lower=_none(r.lower),
            upper=_none(r.upper),
            n_risk=int(r.n_risk),
        )
        for r in at.itertuples()
    ]
    return SurvivalResult(
        endpoint=endpoint,
        population=population,
        group=group,
        n=len(rows),
        events=int(event.sum()),
        median=Interval(
            value=_none(median.value),
            lower=_none(median.lower),
            upper=_none(median.upper),
            method=KM_METHOD,
        ),
        rates=rates,
        curve=curve,
        method=KM_METHOD,
    )


def compare_groups(
    adtte: pd.DataFrame,
    endpoint: str,
    population: str,
    groups: pd.Series,
    title: str,
    strata: pd.Series | None = None,
) -> GroupComparison | None:
    """KM per group, log-rank test, and the Cox HR (second vs first group) when there are two;
    with ``strata`` (per subject, e.g. the randomization stratum) also the stratified log-rank
    test and the stratified Cox HR (ICH E9: analysis stratified as randomized)."""
    rows = adtte[adtte["paramcd"] == endpoint]
    labels = rows["subject_id"].map(groups)
    rows, labels = rows[labels.notna()], labels[labels.notna()]
    if labels.nunique() < 2:
        return None
    time = rows["aval_months"].to_numpy(float)
    event = 1 - rows["cnsr"].to_numpy(int)
    test = logrank_test(time, event, labels.to_numpy())
    curves = [
        summarise_km(rows[labels.to_numpy() == level], endpoint, population, group=str(level))
        for level in test.observed.index
    ]
    hazard, ph = None, None
    if len(curves) == 2:
        model, hazard = _hazard_ratio(time, event, labels.to_numpy(), test.observed.index)
        ph = _proportional_hazards(model)
    return GroupComparison(
        title=title,
        endpoint=endpoint,
        population=population,
        curves=[c for c in curves if c is not None],
        logrank_chisq=test.chisq,
        logrank_df=test.df,
        logrank_p=test.p_value,
        hazard_ratio=hazard,
        ph_test_chisq=None if ph is None else ph[0],
        ph_test_p=None if ph is None else ph[1],
        **_stratified(rows, time, event, labels, test.observed.index, strata),
    )


def _stratified(
    rows: pd.DataFrame,
    time: np.ndarray,
    event: np.ndarray,
    labels: pd.Series,
    order: pd.Index,
    strata: pd.Series | None,
) -> dict:
    """Stratified log-rank test and Cox HR (second vs first group); {} without strata."""
    if strata is None:
        return {}
    layer = rows["subject_id"].map(strata)
    if layer.isna().any() or layer.nunique() < 2:
        return {}
    test = logrank_test(time, event, labels.to_numpy(), strata=layer.to_numpy())
    out = {"stratified_logrank_chisq": test.chisq, "stratified_logrank_p": test.p_value}
    if len(order) == 2:
        _, out["stratified_hazard_ratio"] = _hazard_ratio(
            time, event, labels.to_numpy(), order, layer.to_numpy()
        )
    return out


def _hazard_ratio(
    time: np.ndarray,
    event: np.ndarray,
    labels: np.ndarray,
    order: pd.Index,
    strata: np.ndarray | None = None,
) -> tuple[CoxPH, Interval]:
    """Cox HR of the second group vs the first (Efron ties), optionally stratified."""
    frame = pd.DataFrame({"t": time, "e": event, "g": (labels == order[1]).astype(float)})
    if strata is not None:
        frame["s"] = strata
    model = cox_ph(frame, "t", "e", ["g"], strata=None if strata is None else "s")
    fit = model.summary.iloc[0]
    how = (
        "Cox PH (Efron ties)"
        if strata is None
        else f"Cox PH (Efron ties) stratified by {len(np.unique(strata))} randomization strata"
    )
    return model, Interval(
        value=float(fit["hr"]),
        lower=float(fit["hr_lower"]),
        upper=float(fit["hr_upper"]),
        unit="hazard ratio",
        method=f"{how}, {order[1]} vs {order[0]}",
    )


def _proportional_hazards(model: CoxPH) -> tuple[float, float] | None:
    """cox.zph test of the hazard ratio's proportionality (KM time scale); None when the
    information for it is singular (e.g. too few events)."""
    try:
        row = cox_zph(model).table.loc["GLOBAL"]
    except (np.linalg.LinAlgError, NotEstimableError):
        return None
    if not np.isfinite(row["chisq"]):
        return None
    return float(row["chisq"]), float(row["p"])
