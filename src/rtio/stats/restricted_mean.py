"""Restricted mean survival time and cumulative incidence with competing risks.

* ``rmst``: the area under the Kaplan–Meier curve up to τ (case weights and delayed entry as
  ``kaplan_meier``), with the variance
  Σ_{tᵢ ≤ τ} Aᵢ² dᵢ / (nᵢ(nᵢ − dᵢ)), Aᵢ the area from tᵢ to τ — as R ``summary(survfit, rmean = τ)``.
* ``cumulative_incidence``: Aalen–Johansen estimates of the probability of each cause by t, with the
  event-free probability (R ``survfit(Surv(time, factor(cause)) ~ 1)``, ``pstate``). Used for in-field
  vs out-of-field progression with death as a competing event.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rtio.stats.inputs import ArrayLike, as_array, as_times, as_weights
from rtio.stats.kaplan_meier import kaplan_meier
from rtio.stats.risk_set import product_limit, risk_table


@dataclass(frozen=True, kw_only=True)
class RestrictedMean:
    """RMST up to ``tau`` with its standard error."""

    tau: float
    rmst: float
    se: float
    method: str = "area under the Kaplan–Meier curve (R summary(survfit, rmean = tau))"


def rmst(
    time: ArrayLike,
    event: ArrayLike,
    tau: float,
    *,
    weights: ArrayLike | None = None,
    entry: ArrayLike | None = None,
    timefix: bool = True,
) -> RestrictedMean:
    """Restricted mean survival time up to ``tau``, from the Kaplan–Meier curve of
    :func:`rtio.stats.kaplan_meier` (so with the same ``weights`` and delayed ``entry``)."""
    curve = kaplan_meier(time, event, weights=weights, entry=entry, timefix=timefix)
    keep = curve.time <= tau
    times, d, n = curve.time[keep], curve.n_event[keep], curve.n_risk[keep]
    survival = curve.survival[keep]
    edges = np.concatenate([[0.0], times, [tau]])
    heights = np.concatenate([[1.0], survival])
    pieces = heights * np.diff(edges)
    area = float(pieces.sum())
    after = np.cumsum(pieces[::-1])[::-1][1:]  # area from each event time to tau
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(d > 0, after**2 * d / (n * (n - d)), 0.0)
    return RestrictedMean(tau=tau, rmst=area, se=float(np.sqrt(np.nansum(terms))))


def cumulative_incidence(
    time: ArrayLike,
    cause: ArrayLike,
    times: ArrayLike,
    *,
    weights: ArrayLike | None = None,
    timefix: bool = True,
) -> pd.DataFrame:
    """Aalen–Johansen probabilities at ``times``: event-free and one column per cause (0 = censored).

    The counts come from :func:`rtio.stats.risk_set.risk_table` with one column per cause.
    """
    t = as_times(time)
    c = as_array(cause, "cause")
    if c.size != t.size:
        raise ValueError(f"cause: length {c.size} differs from time's length {t.size}")
    if not np.issubdtype(c.dtype, np.number) or (c < 0).any() or (c != np.round(c)).any():
        raise ValueError("cause: 0 for censored, 1, 2, ... for the competing events")
    c = c.astype(np.int64)
    causes = np.unique(c[c > 0])
    status = np.where(c > 0, np.searchsorted(causes, c) + 1, 0)
    w = None if weights is None else as_weights(weights, t.size)
    table = risk_table(t, status, weights=w, n_causes=max(causes.size, 1), timefix=timefix)
    at_risk, per_cause = table.n_risk[:, 0], table.n_event[:, 0, :]
    event_free, _ = product_limit(at_risk, per_cause.sum(axis=1))
    before = np.concatenate([[1.0], event_free[:-1]])
    incidence = np.cumsum(before[:, None] * per_cause / at_risk[:, None], axis=0)
    at = as_times(times, "times")
    where = np.searchsorted(table.time, at, side="right") - 1
    pick = lambda values, start: np.where(where < 0, start, values[np.maximum(where, 0)])  # noqa: E731
    out = {"time": at, "event_free": pick(event_free, 1.0)}
    for j, k in enumerate(causes):
        out[f"cause_{k}"] = pick(incidence[:, j], 0.0)
    return pd.DataFrame(out)
