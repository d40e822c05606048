"""Log-rank test, identical to R ``survdiff`` (rho = 0), with optional strata.

Own code: vectorised over whole columns (a hash group-by on time x group, then 2-d bincounts over
the distinct times) so that 10^7
subjects test in about a second, and the variance is R's hypergeometric one, summed over strata
as ``survdiff(... + strata())`` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
from scipy.stats import chi2

from rtio.stats._inputs import as_events, as_times, group_codes


@dataclass(frozen=True)
class LogRank:
    """Result of :func:`logrank_test`: observed and expected events per group, in R's order."""

    chisq: float
    df: int
    p_value: float
    observed: pd.Series
    expected: pd.Series
    variance: np.ndarray
    method: str


def _stratum_terms(time: np.ndarray, event: np.ndarray, codes: np.ndarray, n_groups: int):
    """Observed, expected and variance contributions of one stratum."""
    grouped = (
        pl.DataFrame({"time": time, "group": codes, "event": event.astype(float)})
        .group_by(["time", "group"])
        .agg(pl.col("event").sum().alias("deaths"), pl.len().alias("count"))
    )
    unique = np.unique(grouped["time"].to_numpy())
    row = np.searchsorted(unique, grouped["time"].to_numpy())
    cell = row * n_groups + grouped["group"].to_numpy()
    size = unique.size * n_groups
    deaths = np.bincount(cell, weights=grouped["deaths"].to_numpy(), minlength=size).reshape(
        unique.size, n_groups
    )
    counts = np.bincount(cell, weights=grouped["count"].to_numpy(), minlength=size).reshape(
        unique.size, n_groups
    )
    at_risk = np.cumsum(counts[::-1], axis=0)[::-1]
    n = at_risk.sum(axis=1)
    d = deaths.sum(axis=1)
    share = at_risk / n[:, None]
    expected = (d[:, None] * share).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        weight = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
    variance = np.diag(weight @ share) - share.T @ (weight[:, None] * share)
    return deaths.sum(axis=0), expected, variance


def logrank_test(time: Any, event: Any, group: Any, strata: Any = None) -> LogRank:
    """Test equality of survival across groups (R ``survdiff(Surv(time, event) ~ group)``).

    Groups are reported in sorted order (R's factor-level order). ``strata``: a second grouping;
    observed − expected and variances are summed over strata (R ``+ strata(x)``).
    """
    time = as_times(time)
    event = as_events(event, time.size)
    labels, codes = group_codes(group, time.size, "group")
    if len(labels) < 2:
        raise ValueError("group: needs at least two groups")
    layers = np.zeros(time.size, dtype=int)
    if strata is not None:
        _, layers = group_codes(strata, time.size, "strata")
    observed = np.zeros(len(labels))
    expected = np.zeros(len(labels))
    variance = np.zeros((len(labels), len(labels)))
    for layer in np.unique(layers):
        pick = layers == layer
        o, e, v = _stratum_terms(time[pick], event[pick], codes[pick], len(labels))
        observed += o
        expected += e
        variance += v
    diff = (observed - expected)[1:]
    chisq = float(diff @ np.linalg.solve(variance[1:, 1:], diff))
    df = len(labels) - 1
    method = "log-rank (R survdiff, rho = 0)" + (", stratified" if strata is not None else "")
    return LogRank(
        chisq=chisq,
        df=df,
        p_value=float(chi2.sf(chisq, df)),
        observed=pd.Series(observed, index=labels, name="observed"),
        expected=pd.Series(expected, index=labels, name="expected"),
        variance=variance,
        method=method,
    )
