"""Kaplan–Meier estimator, identical to R ``survfit`` / ``summary.survfit`` / ``quantile.survfit``.

Own code rather than lifelines because the numbers must equal R's where Python libraries differ:
the default CI is R's ``log`` (not log-log), limits are NA where S(t) = 0 (and for log-log where
S(t) = 1), and quantiles follow ``quantile.survfit`` exactly — the midpoint of a flat stretch at
S(t) = 1 − p, NA where a limit is not reached. It is also the hot path for large cohorts: one hash group-by
over whole columns and a sort of the distinct times (≤ 1 s for 10^7 subjects; benchmarks/stats_vs_r.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
from scipy.stats import norm

from rtio.stats._inputs import as_events, as_times, as_weights, group_codes
from rtio.stats.estimate import Estimate

CONF_TYPES = ("log", "log-log", "plain")
TOLERANCE = np.sqrt(np.finfo(float).eps)
"""R's ``quantile.survfit`` tolerance, sqrt(.Machine$double.eps)."""


def confidence_band(
    survival: np.ndarray, se_cumhaz: np.ndarray, conf_level: float, conf_type: str
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise limits of S(t) from the SE of the cumulative hazard (R ``survfit_confint``)."""
    z = norm.ppf(1 - (1 - conf_level) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            half = se_cumhaz * survival * z
            return np.maximum(survival - half, 0), np.minimum(survival + half, 1)
        if conf_type == "log":
            s = np.where(survival == 0, np.nan, survival)
            return np.exp(np.log(s) - z * se_cumhaz), np.minimum(
                np.exp(np.log(s) + z * se_cumhaz), 1
            )
        if conf_type == "log-log":
            s = np.where((survival == 0) | (survival == 1), np.nan, survival)
            half = z * se_cumhaz / np.log(s)
            return np.exp(-np.exp(np.log(-np.log(s)) - half)), np.exp(
                -np.exp(np.log(-np.log(s)) + half)
            )
    raise ValueError(f"conf_type must be one of {CONF_TYPES}, not {conf_type!r}")


def _first_reaching(y: np.ndarray, index: np.ndarray, p: float) -> float:
    """R ``approx(y, index, p, method = "constant", f = 1)``.

    As R, the points are first ordered by y (a confidence band need not be monotone), then the
    index of the first y >= p is returned; NaN outside the range of y.
    """
    order = np.argsort(y, kind="stable")
    y, index = y[order], index[order]
    if y.size == 0 or p < y[0] or p > y[-1]:
        return np.nan
    return float(index[np.searchsorted(y, p, side="left")])


def find_quantile(x: np.ndarray, y: np.ndarray, p: float, tol: float = TOLERANCE) -> float:
    """Time at which the distribution ``y`` (= 1 − S) first reaches ``p`` (R survival ``findq``).

    ``x`` starts with the time origin and ``y`` with 0. Where y equals p on a flat stretch the
    midpoint between its start and the next time is returned; NaN if p is never reached.
    """
    if np.all(np.isnan(y)) or np.nanmax(y) < p:
        return np.nan
    xmax = x[-1]
    keep = ~pd.Series(y).duplicated().to_numpy()
    x, y = x[keep], y[keep]
    position = np.arange(1, y.size + 1, dtype=float)
    known = ~np.isnan(y)
    i1 = _first_reaching(y[known] + tol, position[known], p)
    i2 = _first_reaching(y[known] - tol, position[known], p)
    pick = lambda i: np.nan if np.isnan(i) else x[int(i) - 1]  # noqa: E731
    if p == 0:
        return float(x[0])
    if not np.isnan(y[-1]) and abs(p - y[-1]) < tol:
        return (pick(i1) + xmax) / 2
    return (pick(i1) + pick(i2)) / 2


@dataclass
class KaplanMeier:
    """A fitted Kaplan–Meier curve (one row per distinct time, as R ``summary(fit, censored=TRUE)``)."""

    time: np.ndarray
    n_risk: np.ndarray
    n_event: np.ndarray
    n_censor: np.ndarray
    survival: np.ndarray
    se_cumhaz: np.ndarray
    conf_level: float
    conf_type: str
    n: float
    group: Any = None

    @property
    def lower(self) -> np.ndarray:
        return confidence_band(self.survival, self.se_cumhaz, self.conf_level, self.conf_type)[0]

    @property
    def upper(self) -> np.ndarray:
        return confidence_band(self.survival, self.se_cumhaz, self.conf_level, self.conf_type)[1]

    @property
    def std_err(self) -> np.ndarray:
        """Standard error of S(t) (Greenwood), as R ``summary.survfit``; NaN where S(t) = 0."""
        with np.errstate(invalid="ignore"):
            return np.where(self.survival == 0, np.nan, self.se_cumhaz * self.survival)

    @property
    def table(self) -> pd.DataFrame:
        lower, upper = confidence_band(
            self.survival, self.se_cumhaz, self.conf_level, self.conf_type
        )
        return pd.DataFrame(
            {
                "time": self.time,
                "n_risk": self.n_risk,
                "n_event": self.n_event,
                "n_censor": self.n_censor,
                "survival": self.survival,
                "std_err": self.std_err,
                "lower": lower,
                "upper": upper,
            }
        )

    def quantile(self, p: float) -> Estimate:
        """Time by which a fraction ``p`` has had the event, with CI (R ``quantile.survfit``)."""
        if not 0 <= p <= 1:
            raise ValueError(f"p must lie in [0, 1], not {p}")
        lower, upper = confidence_band(
            self.survival, self.se_cumhaz, self.conf_level, self.conf_type
        )
        x = np.concatenate([[0.0], self.time])
        curve = lambda s: np.concatenate([[0.0], 1 - s])  # noqa: E731
        return Estimate(
            value=find_quantile(x, curve(self.survival), p),
            lower=find_quantile(x, curve(lower), p),
            upper=find_quantile(x, curve(upper), p),
            conf_level=self.conf_level,
            method=f"Kaplan–Meier; CI from the {self.conf_type}-transformed pointwise band "
            "(Brookmeyer–Crowley inversion, as R quantile.survfit)",
        )

    def median(self) -> Estimate:
        """Median survival with CI; NaN where not reached."""
        return self.quantile(0.5)

    def survival_at(self, times: Any, extend: bool = False) -> pd.DataFrame:
        """S(t) with CI at given times (R ``summary(fit, times = ...)``).

        Times beyond the last observation are dropped unless ``extend`` (as R).
        """
        times = as_times(times, "times")
        if not extend:
            times = times[times <= self.time[-1]]
        row = np.searchsorted(self.time, times, side="right") - 1
        before = row < 0
        safe = np.where(before, 0, row)
        lower, upper = confidence_band(
            self.survival, self.se_cumhaz, self.conf_level, self.conf_type
        )
        pick = lambda values, start: np.where(before, start, values[safe])  # noqa: E731
        risk_row = np.searchsorted(self.time, times, side="left")
        n_risk = np.where(
            risk_row < self.time.size, self.n_risk[np.minimum(risk_row, self.time.size - 1)], 0
        )
        return pd.DataFrame(
            {
                "time": times,
                "n_risk": n_risk,
                "survival": pick(self.survival, 1.0),
                "std_err": pick(self.std_err, 0.0),
                "lower": pick(lower, 1.0),
                "upper": pick(upper, 1.0),
            }
        )


def counts_by_time(time: np.ndarray, *values: np.ndarray) -> tuple[np.ndarray, ...]:
    """Distinct sorted times and the sum of each of ``values`` at each time.

    A hash group-by (polars, multi-threaded) then a sort of the distinct times only: with the
    heavy ties of real follow-up data this is several times faster than sorting every row.
    """
    columns = {"time": time} | {f"v{i}": v for i, v in enumerate(values)}
    grouped = pl.DataFrame(columns).group_by("time").agg(pl.all().sum()).sort("time")
    return (grouped["time"].to_numpy(), *(grouped[f"v{i}"].to_numpy() for i in range(len(values))))


def _fit(
    time: np.ndarray,
    event: np.ndarray,
    weights: np.ndarray,
    entry: np.ndarray | None,
    conf_level: float,
    conf_type: str,
    group: Any = None,
) -> KaplanMeier:
    unique, n_event, n_censor = counts_by_time(time, event * weights, (1 - event) * weights)
    n_risk = np.cumsum((n_event + n_censor)[::-1])[::-1]
    if entry is not None:
        order = np.argsort(entry, kind="stable")
        entered = np.concatenate([[0.0], np.cumsum(weights[order])])
        later = entered[-1] - entered[np.searchsorted(entry[order], unique, side="left")]
        n_risk = n_risk - later
        keep = n_risk > 0
        unique, n_event, n_censor, n_risk = (
            unique[keep],
            n_event[keep],
            n_censor[keep],
            n_risk[keep],
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1 - n_event / n_risk)
        increment = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
    se_cumhaz = np.sqrt(np.cumsum(increment))
    return KaplanMeier(
        unique,
        n_risk,
        n_event,
        n_censor,
        survival,
        se_cumhaz,
        conf_level,
        conf_type,
        float(weights.sum()),
        group,
    )


def kaplan_meier(
    time: Any,
    event: Any,
    conf_level: float = 0.95,
    conf_type: str = "log",
    by: Any = None,
    weights: Any = None,
    entry: Any = None,
) -> KaplanMeier | dict[Any, KaplanMeier]:
    """Kaplan–Meier estimate of S(t) (R ``survfit(Surv(time, event) ~ 1)``).

    ``conf_type``: "log" (R's default), "log-log" or "plain". ``by``: a grouping; returns
    {group: KaplanMeier} in R's strata order (a pandas Categorical's categories, else sorted). ``weights``: case weights
    (weighted KM, e.g. IPTW). ``entry``: delayed-entry times for counting-process data
    (R ``Surv(entry, time, event)``): a subject is at risk over (entry, time].
    """
    if conf_type not in CONF_TYPES:
        raise ValueError(f"conf_type must be one of {CONF_TYPES}, not {conf_type!r}")
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level must lie in (0, 1), not {conf_level}")
    time = as_times(time)
    if time.size == 0:
        raise ValueError("time: no observations")
    event = as_events(event, time.size)
    weights = as_weights(weights, time.size)
    start = None
    if entry is not None:
        start = as_times(entry, "entry")
        if start.size != time.size:
            raise ValueError(f"entry: length {start.size} differs from time's length {time.size}")
        if (start >= time).any():
            bad = np.flatnonzero(start >= time)[:10].tolist()
            raise ValueError(f"entry: must be before time; not at positions {bad}")
    if by is None:
        return _fit(time, event, weights, start, conf_level, conf_type)
    labels, codes = group_codes(by, time.size, "by")
    fits = {}
    for code, label in enumerate(labels):
        pick = codes == code
        fits[label] = _fit(
            time[pick],
            event[pick],
            weights[pick],
            None if start is None else start[pick],
            conf_level,
            conf_type,
            label,
        )
    return fits
