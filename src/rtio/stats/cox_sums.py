"""Risk-set sums of the Cox partial likelihood, per stratum: what :func:`rtio.stats.cox_ph` fits
with and what :func:`rtio.stats.cox_zph` and the robust variance read.

Efron (R's default) and Breslow ties, case weights and counting-process data (at risk over
(entry, stop]). Own code because these sums are the hot path of every Cox fit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import polars as pl
from scipy.special import digamma, gammaln, polygamma

from rtio.stats.inputs import FloatArray, IntArray
from rtio.stats.risk_set import weighted_counts

__all__ = ["SMALL_TIES", "CoxStratum", "StratumTerms", "TimeSums"]

SMALL_TIES = 16
"""Efron sums over up to this many tied deaths are taken term by term; larger tie groups use the
closed forms in digamma / trigamma / log-gamma (exact algebra, far fewer operations)."""


@dataclass(kw_only=True)
class TimeSums:
    """Per event time, the sums over Efron's k = 0..d−1 that the likelihood and residuals need.

    With den_k = S0 − (k/d)·D0 and num_k = S − (k/d)·D (Breslow: k/d taken as 0):
    log_den = Σ log den_k, mean = Σ num1_k/den_k, second = Σ num2_k/den_k,
    outer = Σ m_k m_kᵀ (m_k = num1_k/den_k), inv = Σ 1/den_k, mean_inv = Σ m_k/den_k,
    and the same two with each term weighted by (1 − k/d) for the deaths' own risk.
    """

    log_den: FloatArray
    mean: FloatArray
    second: FloatArray
    outer: FloatArray
    inv: FloatArray
    mean_inv: FloatArray
    inv_dead: FloatArray
    mean_inv_dead: FloatArray

    @classmethod
    def zeros(cls, size: int, p: int) -> TimeSums:
        """All sums 0, for ``size`` event times and ``p`` covariates."""
        vector, square = (size, p), (size, p * p)
        return cls(
            log_den=np.zeros(size),
            mean=np.zeros(vector),
            second=np.zeros(square),
            outer=np.zeros(square),
            inv=np.zeros(size),
            mean_inv=np.zeros(vector),
            inv_dead=np.zeros(size),
            mean_inv_dead=np.zeros(vector),
        )


@dataclass(frozen=True, kw_only=True)
class StratumTerms:
    """A stratum's log partial likelihood, score and information at β, with the per-time sums
    (``sums``), the mean case weight of the deaths at each time (``death_mean_weight``) and each
    row's weighted risk w·exp(xβ) (``risk``) that residuals and cox_zph reuse."""

    loglik: float
    score: FloatArray
    info: FloatArray
    sums: TimeSums
    death_mean_weight: FloatArray
    risk: FloatArray


def _slots(times: FloatArray, values: FloatArray) -> IntArray:
    """Number of event times <= each value: a binary search per distinct value (hashed), not per row."""
    codes, distinct = pd.factorize(values)
    return np.searchsorted(times, distinct, side="right")[codes]


@dataclass(frozen=True, kw_only=True)
class CoxStratum:
    """One stratum's data with each subject's position on the grid of distinct event times.

    Risk-set sums need no sort of the data: a subject is at risk at the event times up to its stop
    (and after its entry), so each sum is a bincount over the grid followed by a reverse cumulative
    sum over the distinct times only.
    """

    x: FloatArray
    w: FloatArray
    start: FloatArray | None
    stop: FloatArray
    dead: IntArray
    stop_slot: IntArray
    start_slot: IntArray | None
    times: FloatArray
    death_time: IntArray
    deaths: IntArray
    death_weight: FloatArray
    death_wx: FloatArray
    efron: bool
    big: np.ndarray
    row_time: IntArray
    fraction: FloatArray

    @classmethod
    def build(
        cls,
        x: FloatArray,
        w: FloatArray,
        start: FloatArray | None,
        stop: FloatArray,
        event: np.ndarray,
        ties: str,
    ) -> CoxStratum:
        dead = np.flatnonzero(event == 1)
        times = np.sort(pl.Series(stop[dead]).unique().to_numpy())
        stop_slot = _slots(times, stop)
        start_slot = None if start is None else _slots(times, start)
        death_time = stop_slot[dead] - 1
        deaths = np.bincount(death_time, minlength=times.size)
        death_weight = weighted_counts(death_time, w[dead], times.size)
        death_wx = (w[dead, None] * x[dead]).sum(axis=0)
        efron = ties == "efron"
        big = (deaths > SMALL_TIES) if efron else np.zeros(times.size, dtype=bool)
        expanded = np.where(big, 0, deaths if efron else 1)
        row_time = np.repeat(np.arange(times.size), expanded)
        first_row = np.cumsum(expanded) - expanded
        k = np.arange(row_time.size) - first_row[row_time]
        fraction = k / deaths[row_time] if efron else np.zeros(row_time.size)
        return cls(
            x=x,
            w=w,
            start=start,
            stop=stop,
            dead=dead,
            stop_slot=stop_slot,
            start_slot=start_slot,
            times=times,
            death_time=death_time,
            deaths=deaths,
            death_weight=death_weight,
            death_wx=death_wx,
            efron=efron,
            big=big,
            row_time=row_time,
            fraction=fraction,
        )

    def _suffix(self, slot: IntArray, values: FloatArray) -> FloatArray:
        """Σ values over subjects whose slot is above j, for each event time j."""
        size = self.times.size + 1
        if values.ndim == 1:
            binned = weighted_counts(slot, values, size)
        else:
            binned = np.stack(
                [weighted_counts(slot, values[:, j], size) for j in range(values.shape[1])],
                axis=1,
            )
        return np.cumsum(binned[::-1], axis=0)[::-1][1:]

    def _at_risk(self, values: FloatArray) -> FloatArray:
        """Σ values over subjects at risk at each event time (start < t <= stop)."""
        total = self._suffix(self.stop_slot, values)
        if self.start_slot is not None:
            total = total - self._suffix(self.start_slot, values)
        return total

    def by_death_time(self, values: FloatArray) -> FloatArray:
        """Σ values over the deaths at each event time (values: one row per death)."""
        if values.ndim == 1:
            return weighted_counts(self.death_time, values, self.times.size)
        return np.stack([self.by_death_time(values[:, j]) for j in range(values.shape[1])], axis=1)

    def _per_time(self, rows: IntArray, weights: FloatArray) -> FloatArray:
        """Σ over expanded rows of ``weights`` (1-d or 2-d), per event time."""
        size = self.times.size
        if weights.ndim == 1:
            return weighted_counts(rows, weights, size)
        return np.stack(
            [weighted_counts(rows, weights[:, j], size) for j in range(weights.shape[1])],
            axis=1,
        )

    def _sums(self, a: FloatArray, ax: FloatArray, axx: FloatArray) -> TimeSums:
        s0, s1, s2 = self._at_risk(a), self._at_risk(ax), self._at_risk(axx)
        p = ax.shape[1]
        d = self.deaths.astype(float)
        if not self.efron:
            m = s1 / s0[:, None]
            return TimeSums(
                log_den=d * np.log(s0),
                mean=d[:, None] * m,
                second=d[:, None] * s2 / s0[:, None],
                outer=d[:, None] * (m[:, :, None] * m[:, None, :]).reshape(-1, p * p),
                inv=d / s0,
                mean_inv=d[:, None] * m / s0[:, None],
                inv_dead=d / s0,
                mean_inv_dead=d[:, None] * m / s0[:, None],
            )
        dead = self.dead
        d0, d1, d2 = (
            self.by_death_time(a[dead]),
            self.by_death_time(ax[dead]),
            self.by_death_time(axx[dead]),
        )
        sums = TimeSums.zeros(self.times.size, p)
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
    def _closed_form(
        sums: TimeSums,
        big: np.ndarray,
        s0: FloatArray,
        s1: FloatArray,
        s2: FloatArray,
        d0: FloatArray,
        d1: FloatArray,
        d2: FloatArray,
        d: FloatArray,
        p: int,
    ) -> None:
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

    def terms(self, beta: FloatArray) -> StratumTerms:
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
        return StratumTerms(
            loglik=loglik, score=score, info=info, sums=sums, death_mean_weight=c, risk=a
        )

    def score_residuals(self, beta: FloatArray) -> FloatArray:
        """Per-observation score residuals (weighted), Efron-adjusted at tied deaths."""
        at = self.terms(beta)
        sums, c, a = at.sums, at.death_mean_weight, at.risk
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
