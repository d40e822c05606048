"""Restricted mean survival time and cumulative incidence with competing risks.

* ``rmst``: the area under the Kaplan–Meier curve up to τ, with the variance
  Σ_{tᵢ ≤ τ} Aᵢ² dᵢ / (nᵢ(nᵢ − dᵢ)), Aᵢ the area from tᵢ to τ — as R ``summary(survfit, rmean = τ)``.
* ``cumulative_incidence``: Aalen–Johansen estimates of the probability of each cause by t, with the
  event-free probability (R ``survfit(Surv(time, factor(cause)) ~ 1)``, ``pstate``). Used for in-field
  vs out-of-field progression with death as a competing event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from rtio.stats._inputs import as_array, as_events, as_times
from rtio.stats.kaplan_meier import counts_by_time


@dataclass(frozen=True)
class RestrictedMean:
    """RMST up to ``tau`` with its standard error."""

    tau: float
    rmst: float
    se: float
    method: str = "area under the Kaplan–Meier curve (R summary(survfit, rmean = tau))"


def rmst(time: Any, event: Any, tau: float) -> RestrictedMean:
    """Restricted mean survival time up to ``tau``."""
    t = as_times(time)
    e = as_events(event, t.size)
    unique, deaths, censored = counts_by_time(t, e.astype(float), 1.0 - e)
    at_risk = np.cumsum((deaths + censored)[::-1])[::-1]
    keep = unique <= tau
    times, d, n = unique[keep], deaths[keep], at_risk[keep]
    survival = np.cumprod(1 - d / n)
    edges = np.concatenate([[0.0], times, [tau]])
    heights = np.concatenate([[1.0], survival])
    pieces = heights * np.diff(edges)
    area = float(pieces.sum())
    after = np.cumsum(pieces[::-1])[::-1][1:]  # area from each event time to tau
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(d > 0, after**2 * d / (n * (n - d)), 0.0)
    return RestrictedMean(tau, area, float(np.sqrt(np.nansum(terms))))


def cumulative_incidence(time: Any, cause: Any, times: Any) -> pd.DataFrame:
    """Aalen–Johansen probabilities at ``times``: event-free and one column per cause (0 = censored)."""
    t = as_times(time)
    c = as_array(cause, "cause").astype(int)
    if c.size != t.size:
        raise ValueError(f"cause: length {c.size} differs from time's length {t.size}")
    if (c < 0).any():
        raise ValueError("cause: 0 for censored, 1, 2, ... for the competing events")
    causes = np.unique(c[c > 0])
    counts = counts_by_time(t, *[(c == k).astype(float) for k in causes], (c == 0).astype(float))
    unique, per_cause, censored = counts[0], counts[1:-1], counts[-1]
    total_events = np.sum(per_cause, axis=0)
    at_risk = np.cumsum((total_events + censored)[::-1])[::-1]
    event_free = np.cumprod(1 - total_events / at_risk)
    before = np.concatenate([[1.0], event_free[:-1]])
    incidence = [np.cumsum(before * d / at_risk) for d in per_cause]
    where = np.searchsorted(unique, as_times(times, "times"), side="right") - 1
    pick = lambda values, start: np.where(where < 0, start, values[np.maximum(where, 0)])  # noqa: E731
    out = {"time": as_times(times, "times"), "event_free": pick(event_free, 1.0)}
    for k, values in zip(causes, incidence, strict=True):
        out[f"cause_{k}"] = pick(values, 0.0)
    return pd.DataFrame(out)
