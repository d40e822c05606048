"""Cox proportional-hazards regression, identical to R ``coxph``.

Supports Efron (R's default) and Breslow ties, strata, case weights, counting-process data
(``entry=``: R ``Surv(start, stop, event)``), and the robust sandwich variance (``robust=``,
``cluster=``: R ``robust = TRUE`` / ``cluster(id)``). The fit follows R's Newton–Raphson path
(start at 0, step halving, stop when the relative change in the log partial likelihood is below
1e-9) so that coefficients agree with R to its printed precision and beyond.

Own code because the risk-set sums are the hot path: per stratum each subject is placed once on the grid of
distinct event times, and every Newton step is a few bincounts over whole columns and cumulative
sums over the distinct times, which fits one covariate on
10^7 subjects far faster than R (benchmarks/stats_vs_r.py). lifelines' CoxPHFitter agrees with R
for Efron ties without weights but not for all the options above.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
from scipy.special import digamma, gammaln, polygamma
from scipy.stats import chi2, norm

from rtio.stats._inputs import as_events, as_times, as_weights
from rtio.stats.estimate import TestResult

EPS = 1e-9
"""R ``coxph.control(eps = 1e-9)``: convergence on the relative change of the log likelihood."""
MAX_ITER = 30


SMALL_TIES = 16
"""Efron sums over up to this many tied deaths are taken term by term; larger tie groups use the
closed forms in digamma / trigamma / log-gamma (exact algebra, far fewer operations)."""


@dataclass
class _TimeSums:
    """Per event time, the sums over Efron's k = 0..d−1 that the likelihood and residuals need.

    With den_k = S0 − (k/d)·D0 and num_k = S − (k/d)·D (Breslow: k/d taken as 0):
    log_den = Σ log den_k, mean = Σ num1_k/den_k, second = Σ num2_k/den_k,
    outer = Σ m_k m_kᵀ (m_k = num1_k/den_k), inv = Σ 1/den_k, mean_inv = Σ m_k/den_k,
    and the same two with each term weighted by (1 − k/d) for the deaths' own risk.
    """

    log_den: np.ndarray
    mean: np.ndarray
    second: np.ndarray
    outer: np.ndarray
    inv: np.ndarray
    mean_inv: np.ndarray
    inv_dead: np.ndarray
    mean_inv_dead: np.ndarray


def _slots(times: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Number of event times <= each value: a binary search per distinct value (hashed), not per row."""
    codes, distinct = pd.factorize(values)
    return np.searchsorted(times, distinct, side="right")[codes]


@dataclass
class _Stratum:
    """One stratum's data with each subject's position on the grid of distinct event times.

    Risk-set sums need no sort of the data: a subject is at risk at the event times up to its stop
    (and after its entry), so each sum is a bincount over the grid followed by a reverse cumulative
    sum over the distinct times only.
    """

    x: np.ndarray
    w: np.ndarray
    start: np.ndarray | None
    stop: np.ndarray
    dead: np.ndarray
    stop_slot: np.ndarray
    start_slot: np.ndarray | None
    times: np.ndarray
    death_time: np.ndarray
    deaths: np.ndarray
    death_weight: np.ndarray
    death_wx: np.ndarray
    efron: bool
    big: np.ndarray
    row_time: np.ndarray
    fraction: np.ndarray

    @classmethod
    def build(cls, x, w, start, stop, event, ties: str) -> _Stratum:
        dead = np.flatnonzero(event == 1)
        times = np.sort(pl.Series(stop[dead]).unique().to_numpy())
        stop_slot = _slots(times, stop)
        start_slot = None if start is None else _slots(times, start)
        death_time = stop_slot[dead] - 1
        deaths = np.bincount(death_time, minlength=times.size)
        death_weight = np.bincount(death_time, weights=w[dead], minlength=times.size)
        death_wx = (w[dead, None] * x[dead]).sum(axis=0)
        efron = ties == "efron"
        big = (deaths > SMALL_TIES) if efron else np.zeros(times.size, dtype=bool)
        expanded = np.where(big, 0, deaths if efron else 1)
        row_time = np.repeat(np.arange(times.size), expanded)
        first_row = np.cumsum(expanded) - expanded
        k = np.arange(row_time.size) - first_row[row_time]
        fraction = k / deaths[row_time] if efron else np.zeros(row_time.size)
        return cls(
            x,
            w,
            start,
            stop,
            dead,
            stop_slot,
            start_slot,
            times,
            death_time,
            deaths,
            death_weight,
            death_wx,
            efron,
            big,
            row_time,
            fraction,
        )

    def _suffix(self, slot: np.ndarray, values: np.ndarray) -> np.ndarray:
        """Σ values over subjects whose slot is above j, for each event time j."""
        size = self.times.size + 1
        if values.ndim == 1:
            binned = np.bincount(slot, weights=values, minlength=size)
        else:
            binned = np.stack(
                [
                    np.bincount(slot, weights=values[:, j], minlength=size)
                    for j in range(values.shape[1])
                ],
                axis=1,
            )
        return np.cumsum(binned[::-1], axis=0)[::-1][1:]

    def _at_risk(self, values: np.ndarray) -> np.ndarray:
        """Σ values over subjects at risk at each event time (start < t <= stop)."""
        total = self._suffix(self.stop_slot, values)
        if self.start_slot is not None:
            total = total - self._suffix(self.start_slot, values)
        return total

    def _by_death_time(self, values: np.ndarray) -> np.ndarray:
        """Σ values over the deaths at each event time (values: one row per death)."""
        if values.ndim == 1:
            return np.bincount(self.death_time, weights=values, minlength=self.times.size)
        return np.stack([self._by_death_time(values[:, j]) for j in range(values.shape[1])], axis=1)

    def _per_time(self, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Σ over expanded rows of ``weights`` (1-d or 2-d), per event time."""
        size = self.times.size
        if weights.ndim == 1:
            return np.bincount(rows, weights=weights, minlength=size)
        return np.stack(
            [
                np.bincount(rows, weights=weights[:, j], minlength=size)
                for j in range(weights.shape[1])
            ],
            axis=1,
        )

    def _sums(self, a: np.ndarray, ax: np.ndarray, axx: np.ndarray) -> _TimeSums:
        s0, s1, s2 = self._at_risk(a), self._at_risk(ax), self._at_risk(axx)
        p = ax.shape[1]
        d = self.deaths.astype(float)
        if not self.efron:
            m = s1 / s0[:, None]
            return _TimeSums(
                d * np.log(s0),
                d[:, None] * m,
                d[:, None] * s2 / s0[:, None],
                d[:, None] * (m[:, :, None] * m[:, None, :]).reshape(-1, p * p),
                d / s0,
                d[:, None] * m / s0[:, None],
                d / s0,
                d[:, None] * m / s0[:, None],
            )
        dead = self.dead
        d0, d1, d2 = (
            self._by_death_time(a[dead]),
            self._by_death_time(ax[dead]),
            self._by_death_time(axx[dead]),
        )
        sums = _TimeSums(
            *(
                np.zeros((self.times.size, *shape))
                for shape in [(), (p,), (p * p,), (p * p,), (), (p,), (), (p,)]
            )
        )
        r, f = self.row_time, self.fraction
        if r.size:
            den = s0[r] - f * d0[r]
            m = (s1[r] - f[:, None] * d1[r]) / den[:, None]
            keep = 1 - f
            sums.log_den += self._per_time(r, np.log(den))
            sums.mean += self._per_time(r, m)
            sums.second += self._per_time(r, (s2[r] - f[:, None] * d2[r]) / den[:, None])
            sums.outer += self._per_time(r, (m[:, :, None] * m[:, None, :]).reshape(-1, p * p))
            sums.inv += self._per_time(r, 1 / den)
            sums.mean_inv += self._per_time(r, m / den[:, None])
            sums.inv_dead += self._per_time(r, keep / den)
            sums.mean_inv_dead += self._per_time(r, keep[:, None] * m / den[:, None])
        if self.big.any():
            self._closed_form(sums, self.big, s0, s1, s2, d0, d1, d2, d, p)
        return sums

    @staticmethod
    def _closed_form(sums, big, s0, s1, s2, d0, d1, d2, d, p) -> None:
        """Efron sums over k in closed form: Σ_k 1/(u − k) = ψ(u + 1) − ψ(u − d + 1), u = S0·d/D0."""
        s0, d0, dd = s0[big], d0[big], d[big]
        u = s0 * dd / d0
        scale = dd / d0
        h1 = scale * (digamma(u + 1) - digamma(u - dd + 1))
        h2 = scale**2 * (polygamma(1, u - dd + 1) - polygamma(1, u + 1))
        g1, g2 = d1[big] / d0[:, None], d2[big] / d0[:, None]
        v1, v2 = s1[big] - s0[:, None] * g1, s2[big] - s0[:, None] * g2
        outer = lambda a, b: (a[:, :, None] * b[:, None, :]).reshape(-1, p * p)  # noqa: E731
        mean = dd[:, None] * g1 + v1 * h1[:, None]
        mean_inv = g1 * h1[:, None] + v1 * h2[:, None]
        sums.log_den[big] = dd * np.log(d0 / dd) + gammaln(u + 1) - gammaln(u - dd + 1)
        sums.mean[big] = mean
        sums.second[big] = dd[:, None] * g2 + v2 * h1[:, None]
        sums.outer[big] = (
            dd[:, None] * outer(g1, g1)
            + (outer(g1, v1) + outer(v1, g1)) * h1[:, None]
            + outer(v1, v1) * h2[:, None]
        )
        sums.inv[big] = h1
        sums.mean_inv[big] = mean_inv
        sums.inv_dead[big] = ((d0 - s0) * h1 + dd) / d0
        sums.mean_inv_dead[big] = ((d0 - s0)[:, None] * mean_inv + mean) / d0[:, None]

    def terms(self, beta: np.ndarray):
        """Log partial likelihood, score and information of this stratum at ``beta``."""
        p = self.x.shape[1]
        eta = self.x @ beta
        a = self.w * np.exp(eta)
        ax = a[:, None] * self.x
        axx = (ax[:, :, None] * self.x[:, None, :]).reshape(-1, p * p)
        sums = self._sums(a, ax, axx)
        c = self.death_weight / self.deaths
        loglik = float(self.w[self.dead] @ eta[self.dead] - c @ sums.log_den)
        score = self.death_wx - c @ sums.mean
        info = (c @ (sums.second - sums.outer)).reshape(p, p)
        return loglik, score, info, (sums, c, a)

    def score_residuals(self, beta: np.ndarray) -> np.ndarray:
        """Per-observation score residuals (weighted), Efron-adjusted at tied deaths."""
        _, _, _, (sums, c, a) = self.terms(beta)
        p = self.x.shape[1]
        h0_all, h0_dead = c * sums.inv, c * sums.inv_dead
        h1_all, h1_dead = c[:, None] * sums.mean_inv, c[:, None] * sums.mean_inv_dead
        mean_of_means = sums.mean / self.deaths[:, None]
        c0 = np.concatenate([[0.0], np.cumsum(h0_all)])
        c1 = np.concatenate([np.zeros((1, p)), np.cumsum(h1_all, axis=0)])
        upto_start = self.start_slot if self.start_slot is not None else 0
        risk0 = c0[self.stop_slot] - c0[upto_start]
        risk1 = c1[self.stop_slot] - c1[upto_start]
        residual = -a[:, None] * (self.x * risk0[:, None] - risk1)
        dead, t = self.dead, self.death_time
        residual[dead] += a[dead, None] * (
            self.x[dead] * (h0_all - h0_dead)[t][:, None] - (h1_all - h1_dead)[t]
        )
        residual[dead] += self.w[dead, None] * (self.x[dead] - mean_of_means[t])
        return residual


@dataclass
class CoxPH:
    """A fitted Cox model; ``summary`` has one row per coefficient (R ``summary(coxph)``)."""

    coef: np.ndarray
    variance: np.ndarray
    naive_variance: np.ndarray
    names: list[str]
    loglik: tuple[float, float]
    lr_test: TestResult
    wald_test: TestResult
    score_test: TestResult
    n: int
    n_events: int
    iterations: int
    conf_level: float
    ties: str
    robust: bool
    method: str
    summary: pd.DataFrame = field(repr=False)
    terms: dict[str, list[int]] = field(default_factory=dict, repr=False)
    model: CoxData | None = field(default=None, repr=False)


@dataclass
class CoxData:
    """What a fit was computed from, for diagnostics (:func:`rtio.stats.cox_zph`): the strata
    (row indices and their risk-set structures) and the response."""

    groups: list
    parts: list[_Stratum]
    stop: np.ndarray
    start: np.ndarray | None
    status: np.ndarray
    layers: np.ndarray


def _design(
    frame: pd.DataFrame, covariates: Sequence[str]
) -> tuple[np.ndarray, list[str], dict[str, list[int]]]:
    """Numeric covariates as they are; categorical ones as R treatment contrasts (name + level);
    with the columns of each covariate (R's ``assign``)."""
    blocks, names, terms = [], [], {}
    for name in covariates:
        if name not in frame:
            raise ValueError(f"covariates: column {name!r} not in the data")
        column = frame[name]
        if column.isna().any():
            rows = np.flatnonzero(column.isna().to_numpy())[:10].tolist()
            raise ValueError(f"covariate {name!r}: missing values at rows {rows}")
        if (
            isinstance(column.dtype, pd.CategoricalDtype)
            or column.dtype == object
            or pd.api.types.is_string_dtype(column)
        ):
            levels = (
                list(column.cat.categories)
                if isinstance(column.dtype, pd.CategoricalDtype)
                else sorted(column.unique())
            )
            terms[name] = list(range(len(names), len(names) + len(levels) - 1))
            for level in levels[1:]:
                blocks.append((column == level).to_numpy(dtype=float))
                names.append(f"{name}{level}")
        else:
            terms[name] = [len(names)]
            blocks.append(column.to_numpy(dtype=float))
            names.append(name)
    return np.column_stack(blocks), names, terms


def _as_pandas(frame: Any) -> pd.DataFrame:
    if isinstance(frame, pd.DataFrame):
        return frame
    if hasattr(frame, "to_pandas"):
        return frame.to_pandas()
    raise ValueError("frame: expected a pandas or polars DataFrame")


def _column(frame: pd.DataFrame, value: Any, name: str) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        if value not in frame:
            raise ValueError(f"{name}: column {value!r} not in the data")
        return frame[value].to_numpy()
    return np.asarray(value)


def cox_ph(
    frame: Any,
    duration: str,
    event: str,
    covariates: Sequence[str],
    ties: str = "efron",
    strata: str | Sequence[str] | None = None,
    weights: Any = None,
    robust: bool = False,
    cluster: Any = None,
    entry: str | None = None,
    conf_level: float = 0.95,
) -> CoxPH:
    """Fit a Cox PH model (R ``coxph(Surv(duration, event) ~ covariates + strata(...))``).

    ``entry`` names the start column of counting-process data (R ``Surv(entry, duration, event)``);
    ``weights`` a column name or array of case weights; ``robust`` or ``cluster`` (a column name or
    array) give the sandwich variance (clustered by ``cluster``), used for SEs, CIs and the Wald test.
    """
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow', not {ties!r}")
    frame = _as_pandas(frame)
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    stop = as_times(_column(frame, duration, "duration"), duration)
    status = as_events(_column(frame, event, "event"), stop.size, event)
    w = as_weights(_column(frame, weights, "weights"), stop.size)
    start = None if entry is None else as_times(_column(frame, entry, "entry"), entry)
    if start is not None and (start >= stop).any():
        rows = np.flatnonzero(start >= stop)[:10].tolist()
        raise ValueError(f"{entry}: start must be before {duration}; not at rows {rows}")
    x, names, terms = _design(frame, covariates)
    x = x - x.mean(axis=0)
    if strata is None:
        layers = np.zeros(stop.size, dtype=int)
    else:
        keys = frame[[strata] if isinstance(strata, str) else list(strata)]
        layers = keys.groupby(list(keys.columns), sort=True, observed=True).ngroup().to_numpy()
    if layers.max() == 0:
        groups = [slice(None)]
    else:
        groups = [np.flatnonzero(layers == g) for g in np.unique(layers)]
    parts = [
        _Stratum.build(x[i], w[i], None if start is None else start[i], stop[i], status[i], ties)
        for i in groups
    ]

    def evaluate(beta):
        total_ll, total_u, total_i = 0.0, np.zeros(beta.size), np.zeros((beta.size, beta.size))
        for part in parts:
            ll, u, info, _ = part.terms(beta)
            total_ll, total_u, total_i = total_ll + ll, total_u + u, total_i + info
        return total_ll, total_u, total_i

    beta = np.zeros(len(names))
    loglik0, score0, info0 = evaluate(beta)
    loglik, info = loglik0, info0
    candidate = beta + np.linalg.solve(info0, score0)
    halving = False
    iterations = 0
    for step in range(1, MAX_ITER + 1):
        iterations = step
        new_ll, new_score, new_info = evaluate(candidate)
        if abs(1 - loglik / new_ll) <= EPS and not halving:
            beta, loglik, info = candidate, new_ll, new_info
            break
        if new_ll < loglik:
            halving = True
            candidate = (candidate + beta) / 2
        else:
            halving = False
            beta, loglik, info = candidate, new_ll, new_info
            candidate = beta + np.linalg.solve(new_info, new_score)
    naive = np.linalg.inv(info)
    variance = naive
    use_robust = robust or cluster is not None
    if use_robust:
        residual = np.zeros((stop.size, beta.size))
        for i, part in zip(groups, parts, strict=True):
            residual[i] = part.score_residuals(beta)
        dfbeta = residual @ naive
        if cluster is not None:
            ids = (
                _column(frame, cluster, "cluster")
                if isinstance(cluster, str)
                else np.asarray(cluster)
            )
            _, codes = np.unique(ids, return_inverse=True)
            dfbeta = np.stack(
                [np.bincount(codes, weights=dfbeta[:, j]) for j in range(beta.size)], axis=1
            )
        variance = dfbeta.T @ dfbeta
    fit = _result(
        beta,
        variance,
        naive,
        names,
        (loglik0, loglik),
        score0,
        info0,
        stop.size,
        int(status.sum()),
        iterations,
        conf_level,
        ties,
        use_robust,
        strata,
        entry,
    )
    fit.terms = terms
    fit.model = CoxData(groups, parts, stop, start, status, layers)
    return fit


def _result(
    beta,
    variance,
    naive,
    names,
    loglik,
    score0,
    info0,
    n,
    n_events,
    iterations,
    conf_level,
    ties,
    robust,
    strata,
    entry,
) -> CoxPH:
    se = np.sqrt(np.diag(variance))
    z = beta / se
    q = norm.ppf(1 - (1 - conf_level) / 2)
    with np.errstate(over="ignore"):  # a sparse subgroup can have an unbounded upper limit
        limits = np.exp(beta - q * se), np.exp(beta + q * se)
    df = beta.size
    lr = 2 * (loglik[1] - loglik[0])
    wald = float(beta @ np.linalg.solve(variance, beta))
    score = float(score0 @ np.linalg.solve(info0, score0))
    summary = pd.DataFrame(
        {
            "coef": beta,
            "se": se,
            "hr": np.exp(beta),
            "hr_lower": limits[0],
            "hr_upper": limits[1],
            "z": z,
            "p_value": 2 * norm.sf(np.abs(z)),
        },
        index=pd.Index(names, name="covariate"),
    )
    if robust:
        summary.insert(2, "naive_se", np.sqrt(np.diag(naive)))
    method = f"Cox PH, {ties.capitalize()} ties" + (", stratified" if strata is not None else "")
    method += ", counting process (start, stop]" if entry is not None else ""
    method += ", robust (sandwich) variance" if robust else ""
    return CoxPH(
        coef=beta,
        variance=variance,
        naive_variance=naive,
        names=names,
        loglik=loglik,
        lr_test=TestResult(lr, df, float(chi2.sf(lr, df)), "likelihood ratio"),
        wald_test=TestResult(
            wald, df, float(chi2.sf(wald, df)), "Wald" + (" (robust)" if robust else "")
        ),
        score_test=TestResult(score, df, float(chi2.sf(score, df)), "score (log-rank)"),
        n=n,
        n_events=n_events,
        iterations=iterations,
        conf_level=conf_level,
        ties=ties,
        robust=robust,
        method=method,
        summary=summary,
    )
