"""Kaplan–Meier estimator, identical to R ``survfit`` / ``summary.survfit`` / ``quantile.survfit``.

Own code rather than lifelines because the numbers must equal R's where Python libraries differ:
the default CI is R's ``log`` (not log-log), limits are NA where S(t) = 0 (and for log-log where
S(t) = 1), and quantiles follow ``quantile.survfit`` exactly — the midpoint of a flat stretch at
S(t) = 1 − p, NA where a limit is not reached. It is also the hot path for large cohorts: the counts
come from :func:`rtio.stats.risk_set.risk_table` (one sort, or direct counting of whole-number
times) and the quantile lookup is linear in the curve (benchmarks/stats_vs_r.py).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, overload

import numpy as np
import pandas as pd
from scipy.stats import norm

from rtio.stats.estimate import Estimate, NotEstimableError
from rtio.stats.inputs import (
    ArrayLike,
    FloatArray,
    IntArray,
    as_events,
    as_times,
    as_weights,
    group_codes,
)
from rtio.stats.risk_set import product_limit, risk_table

CONF_TYPES = ("log", "log-log", "plain")
TOLERANCE = np.sqrt(np.finfo(float).eps)
"""R's ``quantile.survfit`` tolerance, sqrt(.Machine$double.eps)."""


def _checked_z(conf_level: float, conf_type: str) -> float:
    if conf_type not in CONF_TYPES:
        raise ValueError(f"conf_type must be one of {CONF_TYPES}, not {conf_type!r}")
    return float(norm.ppf(1 - (1 - conf_level) / 2))


def lower_limit(
    survival: np.ndarray, se_cumhaz: np.ndarray, conf_level: float, conf_type: str
) -> np.ndarray:
    """Pointwise lower limit of S(t) from the SE of the cumulative hazard (R ``survfit_confint``)."""
    z = _checked_z(conf_level, conf_type)
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            return np.maximum(survival - se_cumhaz * survival * z, 0)
        if conf_type == "log":
            return np.exp(np.log(np.where(survival == 0, np.nan, survival)) - z * se_cumhaz)
        s = np.where((survival == 0) | (survival == 1), np.nan, survival)
        return np.exp(-np.exp(np.log(-np.log(s)) - z * se_cumhaz / np.log(s)))


def upper_limit(
    survival: np.ndarray, se_cumhaz: np.ndarray, conf_level: float, conf_type: str
) -> np.ndarray:
    """Pointwise upper limit of S(t) (R ``survfit_confint``); the same operations as R's, in
    place where they can be (the whole band of a long curve is needed for its quantiles)."""
    z = _checked_z(conf_level, conf_type)
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "plain":
            return np.minimum(survival + se_cumhaz * survival * z, 1)
        if conf_type == "log":
            limit = np.where(survival == 0, np.nan, survival)
            np.log(limit, out=limit)
            limit += z * se_cumhaz
            np.exp(limit, out=limit)
            return np.minimum(limit, 1, out=limit)
        s = np.where((survival == 0) | (survival == 1), np.nan, survival)
        return np.exp(-np.exp(np.log(-np.log(s)) + z * se_cumhaz / np.log(s)))


def confidence_band(
    survival: np.ndarray, se_cumhaz: np.ndarray, conf_level: float, conf_type: str
) -> tuple[np.ndarray, np.ndarray]:
    """Pointwise limits of S(t) from the SE of the cumulative hazard (R ``survfit_confint``)."""
    return (
        lower_limit(survival, se_cumhaz, conf_level, conf_type),
        upper_limit(survival, se_cumhaz, conf_level, conf_type),
    )


def _first_at_or_above(z: FloatArray, p: float) -> int:
    """R ``approx(z, seq_along(z), p, method = "constant", f = 1)`` on the first occurrences of
    the values of z (NA dropped): the index of the first occurrence of the smallest z >= p; -1
    where p lies outside the range of z. R orders the points by z first (a confidence band need
    not be monotone); the smallest qualifying value is found directly, without that sort."""
    known = z[~np.isnan(z)]
    if known.size == 0 or p < known.min() or p > known.max():
        return -1
    return int(np.argmin(np.where(z >= p, z, np.inf)))


def _same(values: FloatArray, value: float) -> np.ndarray:
    """values == value, with NaN equal to NaN (as R's ``duplicated``)."""
    return np.isnan(values) if np.isnan(value) else values == value


def _last_first_occurrence(y: FloatArray) -> float:
    """The last element of y once repeated values are dropped (R ``y[!duplicated(y)][n]``).

    Walks back over runs of equal values: the last run whose value did not occur before it. A
    monotone curve needs one pass; other curves a few, with ``np.unique`` as the bound.
    """
    end = y.size - 1
    for _ in range(8):
        if end < 0:
            break
        differs = np.flatnonzero(~_same(y[: end + 1], y[end]))
        start = int(differs[-1]) + 1 if differs.size else 0
        if not _same(y[:start], y[start]).any():
            return float(y[start])
        end = start - 1
    _, first = np.unique(y, return_index=True)
    return float(y[first.max()])


def _monotone_length(y: FloatArray) -> int | None:
    """The length of y's leading non-NaN part when y is non-decreasing there and NaN after it
    (a curve 1 − S, and most bands), else None."""
    nan = np.isnan(y)
    known = int(np.argmax(nan)) if nan.any() else y.size
    if not nan[known:].all() or not (y[1:known] >= y[: known - 1]).all():
        return None
    return known


def _first_monotone(y: FloatArray, known: int, shift: float, p: float) -> int:
    """:func:`_first_at_or_above` of y + shift for a non-decreasing y (NaN after ``known``): a
    binary search, since the first index reaching p holds the smallest such value."""
    if known == 0 or p < y[0] + shift or p > y[known - 1] + shift:
        return -1
    return bisect.bisect_left(range(known), True, key=lambda i: bool(y[i] + shift >= p))


def _monotone_quantile(
    x: FloatArray, y_at: Callable[[int], float], known: int, p: float, tol: float = TOLERANCE
) -> float:
    """:func:`find_quantile` for a curve known to be non-decreasing over its first ``known``
    points and NaN after them, given point by point (``y_at(k)``): O(log n) evaluations."""
    if known == 0 or y_at(known - 1) < p:
        return np.nan

    def first(shift: float) -> int:
        if p < y_at(0) + shift or p > y_at(known - 1) + shift:
            return -1
        return bisect.bisect_left(range(known), True, key=lambda k: bool(y_at(k) + shift >= p))

    i1, i2 = first(tol), first(-tol)
    at = lambda i: np.nan if i < 0 else float(x[i])  # noqa: E731
    quantile = x[0] if p == 0 else (at(i1) + at(i2)) / 2
    if known == x.size and abs(p - y_at(known - 1)) < tol:
        quantile = (at(i1) + x[-1]) / 2
    return float(quantile)


def find_quantile(x: FloatArray, y: FloatArray, p: float, tol: float = TOLERANCE) -> float:
    """Time at which the distribution ``y`` (= 1 − S) first reaches ``p`` (R survival ``findq``).

    ``x`` starts with the time origin and ``y`` with 0. Where y equals p on a flat stretch the
    midpoint between its start and the next time is returned; NaN if p is never reached. Linear
    in the length of the curve (no sort, no hashing); a binary search on a monotone curve.
    """
    length = _monotone_length(y)
    if length is not None:
        if length == 0 or y[length - 1] < p:
            return np.nan
        i1 = _first_monotone(y, length, tol, p)
        i2 = _first_monotone(y, length, -tol, p)
        last = float(y[length - 1]) if length == y.size else np.nan
    else:
        known = ~np.isnan(y)
        if not known.any() or y[known].max() < p:
            return np.nan
        i1 = _first_at_or_above(y + tol, p)
        i2 = _first_at_or_above(y - tol, p)
        last = _last_first_occurrence(y)
    at = lambda i: np.nan if i < 0 else float(x[i])  # noqa: E731
    quantile = x[0] if p == 0 else (at(i1) + at(i2)) / 2
    if not np.isnan(last) and abs(p - last) < tol:
        quantile = (at(i1) + x[-1]) / 2
    return float(quantile)


@dataclass(frozen=True, kw_only=True)
class KaplanMeier:
    """A fitted Kaplan–Meier curve (one row per distinct time, as R ``summary(fit, censored=TRUE)``).

    ``se_cumhaz``: the Greenwood standard error of the cumulative hazard; ``n``: the number (sum of
    weights) of subjects; ``group``: the group's label in a grouped fit, else None.
    """

    time: FloatArray
    n_risk: FloatArray
    n_event: FloatArray
    n_censor: FloatArray
    survival: FloatArray
    se_cumhaz: FloatArray
    conf_level: float
    conf_type: str
    n: float
    group: Any = None

    @property
    def lower(self) -> np.ndarray:
        return lower_limit(self.survival, self.se_cumhaz, self.conf_level, self.conf_type)

    @property
    def upper(self) -> np.ndarray:
        return upper_limit(self.survival, self.se_cumhaz, self.conf_level, self.conf_type)

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
        x = np.concatenate([[0.0], self.time])
        curve = lambda s: np.concatenate([[0.0], 1 - s])  # noqa: E731
        # 1 − S and, on the log and plain scales, 1 − lower are non-decreasing (S falls, its
        # standard error grows) and NaN only where S = 0: R's rule by binary search, evaluating
        # the band at the points visited only; the upper band can rise and is taken whole
        positive = int(np.count_nonzero(self.survival > 0))

        def band(k: int) -> float:
            lower = lower_limit(
                self.survival[k - 1 : k], self.se_cumhaz[k - 1 : k], self.conf_level, self.conf_type
            )
            return float(lower[0])

        value = _monotone_quantile(
            x, lambda k: 0.0 if k == 0 else 1 - self.survival[k - 1], x.size, p
        )
        if self.conf_type in ("log", "plain"):
            lower = _monotone_quantile(x, lambda k: 0.0 if k == 0 else 1 - band(k), 1 + positive, p)
            upper_band = upper_limit(self.survival, self.se_cumhaz, self.conf_level, self.conf_type)
        else:
            lower_band, upper_band = confidence_band(
                self.survival, self.se_cumhaz, self.conf_level, self.conf_type
            )
            lower = find_quantile(x, curve(lower_band), p)
        return Estimate(
            value=value,
            lower=lower,
            upper=find_quantile(x, curve(upper_band), p),
            conf_level=self.conf_level,
            method=f"Kaplan–Meier; CI from the {self.conf_type}-transformed pointwise band "
            "(Brookmeyer–Crowley inversion, as R quantile.survfit)",
        )

    def median(self) -> Estimate:
        """Median survival with CI; NaN where not reached."""
        return self.quantile(0.5)

    def survival_at(self, times: ArrayLike, extend: bool = False) -> pd.DataFrame:
        """S(t) with CI at given times (R ``summary(fit, times = ...)``).

        Times beyond the last observation are dropped unless ``extend`` (as R).
        """
        at = as_times(times, "times")
        if not extend:
            at = at[at <= self.time[-1]]
        row = np.searchsorted(self.time, at, side="right") - 1
        before = row < 0
        safe = np.where(before, 0, row)
        lower, upper = confidence_band(
            self.survival, self.se_cumhaz, self.conf_level, self.conf_type
        )
        pick = lambda values, start: np.where(before, start, values[safe])  # noqa: E731
        risk_row = np.searchsorted(self.time, at, side="left")
        n_risk = np.where(
            risk_row < self.time.size, self.n_risk[np.minimum(risk_row, self.time.size - 1)], 0
        )
        return pd.DataFrame(
            {
                "time": at,
                "n_risk": n_risk,
                "survival": pick(self.survival, 1.0),
                "std_err": pick(self.std_err, 0.0),
                "lower": pick(lower, 1.0),
                "upper": pick(upper, 1.0),
            }
        )


@dataclass(frozen=True)
class KaplanMeierGroups(Mapping[Any, KaplanMeier]):
    """Kaplan–Meier curves by group (R ``survfit(... ~ g)``), in R's strata order.

    Index it by group as R's ``fit[...]``: ``fits[g]`` is that group's :class:`KaplanMeier`; it is
    a read-only mapping (``keys()``, ``items()``, ``in``, ``len``, iteration over the groups).
    """

    curves: Mapping[Any, KaplanMeier] = field(repr=False)

    def __getitem__(self, group: Any) -> KaplanMeier:
        try:
            return self.curves[group]
        except KeyError:
            raise KeyError(f"no group {group!r}; groups are {list(self.curves)}") from None

    def __iter__(self) -> Iterator[Any]:
        return iter(self.curves)

    def __len__(self) -> int:
        return len(self.curves)

    @property
    def groups(self) -> list[Any]:
        """The group labels, in R's strata order."""
        return list(self.curves)

    @property
    def table(self) -> pd.DataFrame:
        """The curves' tables stacked, with a first column ``group``."""
        return pd.concat(
            [fit.table.assign(group=g)[["group", *fit.table.columns]] for g, fit in self.items()],
            ignore_index=True,
        )


def _fit(
    time: FloatArray,
    event: IntArray,
    weights: FloatArray | None,
    entry: FloatArray | None,
    conf_level: float,
    conf_type: str,
    timefix: bool,
    group: Any = None,
) -> KaplanMeier:
    table = risk_table(time, event, weights=weights, entry=entry, timefix=timefix)
    n_risk, n_event, n_censor = table.n_risk[:, 0], table.n_event[:, 0, 0], table.n_censor[:, 0]
    times = table.time
    if entry is not None:  # times at which nobody is at risk are not reported (as R)
        keep = n_risk > 0
        times, n_risk, n_event, n_censor = times[keep], n_risk[keep], n_event[keep], n_censor[keep]
    survival, cumhaz_variance = product_limit(n_risk, n_event)
    return KaplanMeier(
        time=times,
        n_risk=n_risk,
        n_event=n_event,
        n_censor=n_censor,
        survival=survival,
        se_cumhaz=np.sqrt(cumhaz_variance),
        conf_level=conf_level,
        conf_type=conf_type,
        n=float(time.size if weights is None else weights.sum()),
        group=group,
    )


@overload
def kaplan_meier(
    time: ArrayLike,
    event: ArrayLike,
    conf_level: float = ...,
    conf_type: str = ...,
    by: None = ...,
    weights: ArrayLike | None = ...,
    entry: ArrayLike | None = ...,
    *,
    timefix: bool = ...,
) -> KaplanMeier: ...


@overload
def kaplan_meier(
    time: ArrayLike,
    event: ArrayLike,
    conf_level: float = ...,
    conf_type: str = ...,
    *,
    by: ArrayLike,
    weights: ArrayLike | None = ...,
    entry: ArrayLike | None = ...,
    timefix: bool = ...,
) -> KaplanMeierGroups: ...


def kaplan_meier(
    time: ArrayLike,
    event: ArrayLike,
    conf_level: float = 0.95,
    conf_type: str = "log",
    by: ArrayLike | None = None,
    weights: ArrayLike | None = None,
    entry: ArrayLike | None = None,
    *,
    timefix: bool = True,
) -> KaplanMeier | KaplanMeierGroups:
    """Kaplan–Meier estimate of S(t) (R ``survfit(Surv(time, event) ~ 1)``).

    ``conf_type``: "log" (R's default), "log-log" or "plain". ``by``: a grouping; the result is
    then a :class:`KaplanMeierGroups`, one curve per group in R's strata order (a pandas
    Categorical's categories, else sorted), indexed by group as R's ``fit[...]``. ``weights``:
    case weights (weighted KM, e.g. IPTW). ``entry``: delayed-entry times for counting-process
    data (R ``Surv(entry, time, event)``): a subject is at risk over (entry, time]. ``timefix``:
    times equal within floating-point tolerance are one time, as R's default (``aeqSurv``);
    False keeps them apart (R ``timefix = FALSE``).
    """
    if conf_type not in CONF_TYPES:
        raise ValueError(f"conf_type must be one of {CONF_TYPES}, not {conf_type!r}")
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level must lie in (0, 1), not {conf_level}")
    t = as_times(time)
    if t.size == 0:
        raise NotEstimableError("time: no observations")
    e = as_events(event, t.size)
    w = None if weights is None else as_weights(weights, t.size)
    start = None
    if entry is not None:
        start = as_times(entry, "entry")
        if start.size != t.size:
            raise ValueError(f"entry: length {start.size} differs from time's length {t.size}")
        if (start >= t).any():
            bad = np.flatnonzero(start >= t)[:10].tolist()
            raise ValueError(f"entry: must be before time; not at positions {bad}")
    if by is None:
        return _fit(t, e, w, start, conf_level, conf_type, timefix)
    labels, codes = group_codes(by, t.size, "by")
    curves = {}
    for code, label in enumerate(labels):
        pick = codes == code
        curves[label] = _fit(
            t[pick],
            e[pick],
            None if w is None else w[pick],
            None if start is None else start[pick],
            conf_level,
            conf_type,
            timefix,
            label,
        )
    return KaplanMeierGroups(curves)
