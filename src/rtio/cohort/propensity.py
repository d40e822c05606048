"""Propensity scores for baseline confounders: logistic model, weights, balance and matching.

The logistic model is statsmodels' binomial GLM (the same maximum-likelihood fit as R's
``glm(family = binomial)``); weights and standardised differences are short formulas kept here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import statsmodels.api as sm


def _design(frame: pd.DataFrame, covariates: Sequence[str]) -> pd.DataFrame:
    """Covariates as numbers: categorical ones as indicator columns (first level dropped)."""
    missing = [c for c in covariates if c not in frame]
    if missing:
        raise ValueError(f"covariates not in the data: {missing}")
    data = frame[list(covariates)]
    incomplete = data.isna().any(axis=1).to_numpy()
    if incomplete.any():
        raise ValueError(
            f"rows {np.flatnonzero(incomplete).tolist()} have missing covariates; "
            "impute or restrict the cohort first"
        )
    return pd.get_dummies(data, drop_first=True, dtype=float)


def propensity_scores(frame: pd.DataFrame, treatment: str, covariates: Sequence[str]) -> np.ndarray:
    """P(treatment = 1 | covariates) from a logistic regression with an intercept."""
    treated = frame[treatment].to_numpy(dtype=float)
    if not np.isin(treated, (0.0, 1.0)).all():
        raise ValueError(f"{treatment}: must be 0/1")
    design = sm.add_constant(_design(frame, covariates), has_constant="add")
    fit = sm.GLM(treated, design, family=sm.families.Binomial()).fit()
    return np.asarray(fit.fittedvalues, dtype=float)


def inverse_probability_weights(
    ps: np.ndarray,
    treated: np.ndarray,
    stabilized: bool = True,
    trim: tuple[float, float] | None = None,
) -> np.ndarray:
    """Inverse-probability-of-treatment weights (Robins, Hernán & Brumback 2000).

    Unstabilised: 1/ps for the treated, 1/(1 − ps) for the untreated. Stabilised: multiplied by
    the marginal probability of the treatment received. ``trim=(lo, hi)`` truncates the weights
    at those quantiles (e.g. (0.01, 0.99); Cole & Hernán 2008).
    """
    ps = np.asarray(ps, dtype=float)
    treated = np.asarray(treated).astype(bool)
    if ((ps <= 0) | (ps >= 1)).any():
        raise ValueError("propensity scores must lie strictly between 0 and 1")
    weight = np.where(treated, 1 / ps, 1 / (1 - ps))
    if stabilized:
        share = treated.mean()
        weight = weight * np.where(treated, share, 1 - share)
    if trim is not None:
        low, high = np.quantile(weight, trim)
        weight = np.clip(weight, low, high)
    return weight


def standardized_difference(x: np.ndarray, treated: np.ndarray, weights: np.ndarray) -> float:
    """(mean₁ − mean₀) / sqrt((var₁ + var₀) / 2), weighted means and variances (Σw normalised)."""
    t = treated.astype(bool)
    means, variances = [], []
    for group in (t, ~t):
        w, v = weights[group], x[group]
        mean = np.average(v, weights=w)
        means.append(mean)
        variances.append(np.average((v - mean) ** 2, weights=w))
    pooled = np.sqrt((variances[0] + variances[1]) / 2)
    return float((means[0] - means[1]) / pooled) if pooled > 0 else 0.0


def balance_table(
    frame: pd.DataFrame,
    treatment: str,
    covariates: Sequence[str],
    weights: np.ndarray | None = None,
) -> pd.DataFrame:
    """Standardised mean differences before and after weighting, one row per covariate term.

    |SMD| < 0.1 is the usual mark of balance (Austin 2009).
    """
    design = _design(frame, covariates)
    treated = frame[treatment].to_numpy(dtype=int)
    ones = np.ones(len(frame))
    rows = []
    for term in design.columns:
        x = design[term].to_numpy(dtype=float)
        row = {
            "covariate": term,
            "mean_treated": float(x[treated == 1].mean()),
            "mean_untreated": float(x[treated == 0].mean()),
            "smd_before": standardized_difference(x, treated, ones),
        }
        if weights is not None:
            row["smd_after"] = standardized_difference(x, treated, np.asarray(weights, dtype=float))
        rows.append(row)
    return pd.DataFrame(rows)


TIE = 1e-10
"""Logit distances closer than this are ties in :func:`match_nearest`."""


def match_nearest(ps: np.ndarray, treated: np.ndarray, caliper_sd: float = 0.2) -> np.ndarray:
    """1:1 nearest-neighbour matching on the logit of the propensity score, without replacement,
    within a caliper of ``caliper_sd`` standard deviations of the logit (Austin 2011). Treated
    patients are matched in descending order of their score (hardest first; equal scores in data
    order), each to the nearest available control; distances within :data:`TIE` of the nearest
    are equal and the first in data order wins, so that floating-point noise between equidistant
    controls (ages 50 and 52 for a treated patient aged 51) cannot decide. Returns the index of the
    matched control for each patient (-1 when unmatched, and for controls)."""
    ps = np.asarray(ps, dtype=float)
    treated = np.asarray(treated).astype(bool)
    logit = np.log(ps / (1 - ps))
    caliper = caliper_sd * logit.std(ddof=1)
    controls = np.flatnonzero(~treated)
    available = np.ones(controls.size, dtype=bool)
    match = np.full(ps.size, -1)
    order = np.argsort(-logit[treated], kind="stable")  # ties: data order (as R's order())
    for i in np.flatnonzero(treated)[order]:  # greedy matching is sequential by nature
        distance = np.where(available, np.abs(logit[controls] - logit[i]), np.inf)
        best = int(np.argmax(distance <= distance.min() + TIE))
        if distance[best] <= caliper:
            match[i] = controls[best]
            available[best] = False
    return match
