"""Risk-set sums of the Cox partial likelihood, per stratum: what :func:`rtio.stats.cox_ph` fits
with and what :func:`rtio.stats.cox_zph` and the robust variance read.

Efron (R's default) and Breslow ties, case weights and counting-process data (at risk over
(entry, stop]). Own code because these sums are the hot path of every Cox fit. A stratum keeps its
rows sorted by exit time (one sort for the whole fit), so each Newton step is a pass over the rows
(w·exp(xβ) times the covariates and their pairwise products), one block sum per event time
(``np.add.reduceat``) and a reverse cumulative sum over the event times only. Efron's correction
is needed only where deaths are tied: a single death (every death, on continuous times) takes the
Breslow form; 2..16 tied deaths are taken term by term, larger tie groups in closed form (digamma,
trigamma and log-gamma of u = S0·d/D0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, gammaln, polygamma

from rtio.stats.inputs import FloatArray, IntArray
from rtio.stats.risk_set import sort_order

__all__ = ["SMALL_TIES", "CoxStratum", "StratumTerms", "TimeSums"]

BLOCKED_RATIO = 4
"""Risk-set sums go by (time, deaths | censored) segment when the rows are at least this many
times the distinct stop times; otherwise by a reverse cumulative sum over the rows."""
SMALL_TIES = 16
"""Efron sums over up to this many tied deaths are taken term by term; larger tie groups use the
closed forms in digamma / trigamma / log-gamma (exact algebra, far fewer operations)."""


@dataclass(kw_only=True)
class TimeSums:
    """Per event time, the sums over Efron's k = 0..d−1 that the likelihood and residuals need.

    With den_k = S0 − (k/d)·D0 and num_k = S − (k/d)·D (Breslow: k/d taken as 0):
    log_den = Σ log den_k, mean = Σ num1_k/den_k, second = Σ num2_k/den_k,
    outer = Σ m_k m_kᵀ (m_k = num1_k/den_k), inv = Σ 1/den_k, mean_inv = Σ m_k/den_k,
    and the same two with each term weighted by (1 − k/d) for the deaths' own risk. ``second``
    and ``outer`` are (times, p·p); ``death_mean_weight`` is the deaths' mean case weight per time
    and ``risk`` each row's w·exp(xβ).
    """

    log_den: FloatArray
    mean: FloatArray
    second: FloatArray
    outer: FloatArray
    inv: FloatArray
    mean_inv: FloatArray
    inv_dead: FloatArray
    mean_inv_dead: FloatArray
    death_mean_weight: FloatArray
    risk: FloatArray


@dataclass(frozen=True, kw_only=True)
class StratumTerms:
    """A stratum's log partial likelihood, score and information at β."""

    loglik: float
    score: FloatArray
    info: FloatArray


@dataclass(frozen=True, kw_only=True)
class _Sums:
    """Per event time (columns): risk-set sums S and, where needed, the deaths' sums D, of
    (a, a·x_i, a·x_i·x_j for i <= j), a = w·exp(xβ); and the quantities taken from them."""

    a: FloatArray
    s0: FloatArray
    s1: FloatArray
    s2: FloatArray
    d0: FloatArray | None
    d1: FloatArray | None
    d2: FloatArray | None


@dataclass(frozen=True, kw_only=True)
class CoxStratum:
    """One stratum's rows, sorted by exit time, and where each event time sits among them.

    ``rows``: the original row of each sorted row; ``dead``: sorted positions of the deaths;
    ``times``: distinct event times; ``death_time``: each death's event time; ``first``: the first
    sorted row at or after each event time (the risk set is that row onward); for counting-process
    data ``entry_order`` sorts the rows by entry and ``entry_first`` is the first entry-sorted row
    entering at or after each event time (not yet at risk there).
    """

    rows: IntArray
    x: FloatArray
    xt: FloatArray
    w: FloatArray
    start: FloatArray | None
    stop: FloatArray
    dead: IntArray
    times: FloatArray
    death_time: IntArray
    death_start: IntArray
    deaths: IntArray
    death_weight: FloatArray
    death_wx: FloatArray
    first: IntArray
    entry_order: IntArray | None
    entry_first: IntArray | None
    efron: bool
    tied: IntArray
    big: np.ndarray
    tie_times: IntArray
    tie_rows: IntArray
    tie_start: IntArray
    row_time: IntArray
    fraction: FloatArray
    row_start: IntArray
    row_tie: IntArray
    big_tie: IntArray
    unit_weights: bool
    segments: IntArray | None
    segment_first: IntArray | None
    buffer: FloatArray
    at_first: FloatArray

    @classmethod
    def build(
        cls,
        rows: IntArray,
        x: FloatArray,
        w: FloatArray,
        start: FloatArray | None,
        stop: FloatArray,
        event: np.ndarray,
        ties: str,
    ) -> CoxStratum:
        """A stratum from its rows already sorted by ``stop`` (``rows``: their original rows).

        With few distinct stop times (tied data, no delayed entry), each time's deaths are put
        before its censored rows, so that the risk-set and the deaths' sums come from one block
        sum per (time, deaths | censored) segment (``segments``)."""
        new_stop = np.ones(stop.size, dtype=bool)
        np.not_equal(stop[1:], stop[:-1], out=new_stop[1:])
        run = np.cumsum(new_stop)
        run -= 1
        block_start = np.flatnonzero(new_stop)
        blocked = start is None and block_start.size * BLOCKED_RATIO <= stop.size
        if blocked:  # deaths first within each stop time (rows at one time are exchangeable)
            perm = np.argsort(run * 2 + (event == 0), kind="stable")
            rows, x, w, event = rows[perm], x[perm], w[perm], event[perm]
        dead = np.flatnonzero(event)
        death_stop = stop[dead]
        new = np.ones(dead.size, dtype=bool)
        np.not_equal(death_stop[1:], death_stop[:-1], out=new[1:])
        death_start = np.flatnonzero(new)
        times = death_stop[death_start]
        deaths = np.diff(np.append(death_start, dead.size))
        entry_order = entry_first = None
        if start is not None:
            entry_order = sort_order(start)
            entry_first = np.searchsorted(start[entry_order], times, side="left")
        efron = ties == "efron"
        tied = np.flatnonzero((deaths >= 2) & (deaths <= SMALL_TIES)) if efron else np.empty(0, int)
        big = (deaths > SMALL_TIES) if efron else np.zeros(times.size, dtype=bool)
        tie_times = np.flatnonzero((deaths >= 2) | big) if efron else np.empty(0, int)
        death_of_tie = np.repeat(death_start[tie_times], deaths[tie_times])
        within = np.arange(death_of_tie.size) - np.repeat(
            np.cumsum(deaths[tie_times]) - deaths[tie_times], deaths[tie_times]
        )
        row_time = np.repeat(tied, deaths[tied])
        row_start = np.cumsum(deaths[tied]) - deaths[tied]
        k = np.arange(row_time.size) - np.repeat(row_start, deaths[tied])
        # the first sorted row of each event time: where its run of equal stop times begins
        event_block = run[dead[death_start]]
        first = block_start[event_block]
        segments = segment_first = None
        if blocked:
            end = np.append(block_start, stop.size)[event_block + 1]
            censored_after = first + deaths
            segments = np.sort(np.concatenate([block_start, censored_after[censored_after < end]]))
            segment_first = np.searchsorted(segments, first)
        sums_rows = 1 + x.shape[1] * (x.shape[1] + 3) // 2
        return cls(
            rows=rows,
            x=x,
            xt=np.ascontiguousarray(x.T),
            w=w,
            start=start,
            stop=stop,
            dead=dead,
            times=times,
            death_time=np.cumsum(new) - 1,
            death_start=death_start,
            deaths=deaths,
            death_weight=_block_sums(w[dead], death_start),
            death_wx=np.einsum("i,ij->j", w[dead], x[dead]),
            first=first,
            entry_order=entry_order,
            entry_first=entry_first,
            efron=efron,
            tied=tied,
            big=big,
            tie_times=tie_times,
            tie_rows=dead[death_of_tie + within],
            tie_start=np.cumsum(deaths[tie_times]) - deaths[tie_times],
            row_time=row_time,
            fraction=k / deaths[row_time] if row_time.size else np.empty(0),
            row_start=row_start,
            row_tie=np.searchsorted(tie_times, row_time),
            big_tie=np.searchsorted(tie_times, np.flatnonzero(big)),
            unit_weights=bool((w == 1).all()),
            segments=segments,
            segment_first=segment_first,
            buffer=np.empty((sums_rows, stop.size)),
            at_first=np.empty((sums_rows, 0 if blocked else times.size)),
        )

    def by_death_time(self, values: FloatArray) -> FloatArray:
        """Σ values over the deaths at each event time (values: one row per death, in order)."""
        return _block_sums(values, self.death_start, axis=0)

    def _pairs(self) -> tuple[IntArray, IntArray]:
        return np.triu_indices(self.x.shape[1])

    def _sums(self, beta: FloatArray) -> _Sums:
        """S (and D where Efron needs it) per event time at β."""
        p = beta.size
        i, j = self._pairs()
        eta = _linear_predictor(self.xt, beta)
        a = np.exp(eta)
        if not self.unit_weights:
            a *= self.w
        z = self.buffer
        z[0] = a
        np.multiply(self.xt, a, out=z[1 : 1 + p])
        for k, (u, v) in enumerate(zip(i, j, strict=True)):  # row by row: no fancy-index copies
            np.multiply(z[1 + u], self.xt[v], out=z[1 + p + k])
        d = None
        if self.segments is not None and self.segment_first is not None:
            # one sum per segment; the risk set is the segments from an event time's first on
            blocks = np.add.reduceat(z, self.segments, axis=1)
            if self.tie_rows.size:
                d = blocks[:, self.segment_first[self.tie_times]]
            s = _suffix(blocks)[:, self.segment_first]
        else:
            if self.tie_rows.size:  # the deaths' own sums, only at tied deaths (Efron)
                d = _block_sums(z[:, self.tie_rows], self.tie_start, axis=1)
            if self.entry_order is not None and self.entry_first is not None:
                s = self._at_risk_sums(z)
            else:
                # Σ over the rows from each event time's first row on: a reverse cumulative sum
                # over the sorted rows (R's backward accumulation, in place), read at those rows
                reverse = z[:, ::-1]
                np.cumsum(reverse, axis=1, out=reverse)
                s = self.at_first
                for k in range(z.shape[0]):  # row by row into the kept buffer
                    s[k] = z[k][self.first]
        return _Sums(
            a=a,
            s0=s[0],
            s1=s[1 : 1 + p],
            s2=s[1 + p :],
            d0=None if d is None else d[0],
            d1=None if d is None else d[1 : 1 + p],
            d2=None if d is None else d[1 + p :],
        )

    def _at_risk_sums(self, z: FloatArray) -> FloatArray:
        """Counting-process risk sets (start, stop]: the rows whose stop is at or after each
        event time less those that enter at or after it, both as reverse cumulative sums. The
        difference is taken in extended precision: when exp(xβ) is huge for the rows that left
        (a coefficient running to infinity), float64 would lose the few rows still at risk in
        the rounding of the large sums, and the log likelihood would wobble where R's is
        flat. (``np.longdouble`` is 80-bit on x86-64 Linux; where it is a plain double, as on
        ARM macOS, the rounding remains.)"""
        assert self.entry_order is not None and self.entry_first is not None
        wide = z.astype(np.longdouble)
        later = np.zeros((z.shape[0], z.shape[1] + 1), dtype=np.longdouble)
        later[:, :-1] = _suffix(wide[:, self.entry_order])
        total = _suffix(wide)[:, self.first]
        return (total - later[:, self.entry_first]).astype(float)

    def terms(self, beta: FloatArray) -> StratumTerms:
        """Log partial likelihood, score and information of this stratum at ``beta``.

        Every event time is first taken in Breslow's form (Efron's with one death); the times
        with tied deaths (Efron) are then corrected to Efron's sums.
        """
        p = beta.size
        if self.times.size == 0:
            return StratumTerms(loglik=0.0, score=np.zeros(p), info=np.zeros((p, p)))
        sums = self._sums(beta)
        i, j = self._pairs()
        dw = self.death_weight
        inv = 1 / sums.s0
        weight = dw * inv
        mean = sums.s1 * inv
        log_den = float(np.einsum("m,m->", dw, np.log(sums.s0)))
        # single-pass sums of products (einsum's own loops; no temporaries, no BLAS threads)
        score = self.death_wx - np.einsum("km,m->k", sums.s1, weight)
        weighted_mean = mean * dw
        pairs = np.einsum("km,m->k", sums.s2, weight) - np.array(
            [np.einsum("m,m->", weighted_mean[a], mean[b]) for a, b in zip(i, j, strict=True)]
        )
        for rows, efron in self._efron(sums, residuals=False):
            d = self.deaths[rows].astype(float)
            c = dw[rows] / d
            m = mean[:, rows]
            log_den += float((c * (efron[0] - d * np.log(sums.s0[rows]))).sum())
            score -= (c * (efron[1] - d * m)).sum(axis=1)
            breslow = d * (sums.s2[:, rows] * inv[rows] - m[i] * m[j])
            pairs += (c * (efron[2] - efron[3] - breslow)).sum(axis=1)
        # Σ over deaths of w·xβ = β·Σ w·x (the deaths' weighted covariate sums, kept)
        loglik = float(np.einsum("k,k->", self.death_wx, beta)) - log_den
        info = np.zeros((p, p))
        info[i, j] = pairs
        info[j, i] = pairs
        return StratumTerms(loglik=loglik, score=score, info=info)

    def _core(
        self, sums: _Sums
    ) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, list[FloatArray]]:
        """Every per-time sum: log_den (m), mean (p, m), second and outer (pairs, m), and the
        four inverse sums [inv, mean_inv, inv_dead, mean_inv_dead]."""
        i, j = self._pairs()
        d = self.deaths.astype(float)
        s0, s1, s2 = sums.s0, sums.s1, sums.s2
        m = s1 / s0
        log_den: FloatArray = d * np.log(s0)
        mean = d * m
        second = d * s2 / s0
        outer = d * m[i] * m[j]
        extra: list[FloatArray] = [d / s0, d * m / s0, d / s0, d * m / s0]
        for rows, efron in self._efron(sums, residuals=True):
            log_den[rows] = efron[0]
            mean[:, rows] = efron[1]
            second[:, rows] = efron[2]
            outer[:, rows] = efron[3]
            for target, value in zip(extra, efron[4:], strict=True):
                target[..., rows] = value
        return log_den, mean, second, outer, extra

    def _efron(self, sums: _Sums, residuals: bool) -> list[tuple[IntArray, list[FloatArray]]]:
        """Efron's sums at the times with tied deaths: (times, [log_den, mean, second, outer,
        and with ``residuals`` inv, mean_inv, inv_dead, mean_inv_dead]) for the term-by-term
        times and for the closed-form times."""
        out = []
        if self.tied.size:
            out.append((self.tied, self._expanded(sums, residuals)))
        if self.big.any():
            out.append((np.flatnonzero(self.big), self._closed_form(sums, residuals)))
        return out

    def _expanded(self, sums: _Sums, residuals: bool) -> list[FloatArray]:
        """Efron's sums term by term over k = 0..d−1 at times with 2..SMALL_TIES tied deaths."""
        assert sums.d0 is not None and sums.d1 is not None and sums.d2 is not None
        i, j = self._pairs()
        r, f, at, rd = self.row_time, self.fraction, self.row_start, self.row_tie
        den = sums.s0[r] - f * sums.d0[rd]
        m = (sums.s1[:, r] - f * sums.d1[:, rd]) / den
        out = [
            _block_sums(np.log(den), at),
            _block_sums(m, at, axis=1),
            _block_sums((sums.s2[:, r] - f * sums.d2[:, rd]) / den, at, axis=1),
            _block_sums(m[i] * m[j], at, axis=1),
        ]
        if residuals:
            keep = 1 - f
            out += [
                _block_sums(1 / den, at),
                _block_sums(m / den, at, axis=1),
                _block_sums(keep / den, at),
                _block_sums(keep * m / den, at, axis=1),
            ]
        return out

    def _closed_form(self, sums: _Sums, residuals: bool) -> list[FloatArray]:
        """Efron sums over k in closed form: Σ_k 1/(u − k) = ψ(u + 1) − ψ(u − d + 1), u = S0·d/D0."""
        assert sums.d0 is not None and sums.d1 is not None and sums.d2 is not None
        i, j = self._pairs()
        big, tie = self.big, self.big_tie
        s0, d0, dd = sums.s0[big], sums.d0[tie], self.deaths[big].astype(float)
        u = s0 * dd / d0
        scale = dd / d0
        h1 = scale * (digamma(u + 1) - digamma(u - dd + 1))
        h2 = scale**2 * (polygamma(1, u - dd + 1) - polygamma(1, u + 1))
        g1, g2 = sums.d1[:, tie] / d0, sums.d2[:, tie] / d0
        v1, v2 = sums.s1[:, big] - s0 * g1, sums.s2[:, big] - s0 * g2
        mean = dd * g1 + v1 * h1
        out = [
            dd * np.log(d0 / dd) + gammaln(u + 1) - gammaln(u - dd + 1),
            mean,
            dd * g2 + v2 * h1,
            dd * g1[i] * g1[j] + (g1[i] * v1[j] + v1[i] * g1[j]) * h1 + v1[i] * v1[j] * h2,
        ]
        if residuals:
            mean_inv = g1 * h1 + v1 * h2
            out += [
                h1,
                mean_inv,
                ((d0 - s0) * h1 + dd) / d0,
                ((d0 - s0) * mean_inv + mean) / d0,
            ]
        return out

    def time_sums(self, beta: FloatArray) -> TimeSums:
        """Every per-time sum at ``beta`` (full p·p matrices), for residuals and cox_zph."""
        p = beta.size
        sums = self._sums(beta)
        log_den, mean, second, outer, extra = self._core(sums)
        i, j = self._pairs()

        def full(pairs: FloatArray) -> FloatArray:
            out = np.zeros((self.times.size, p, p))
            out[:, i, j] = pairs.T
            out[:, j, i] = pairs.T
            return out.reshape(-1, p * p)

        return TimeSums(
            log_den=log_den,
            mean=mean.T,
            second=full(second),
            outer=full(outer),
            inv=extra[0],
            mean_inv=extra[1].T,
            inv_dead=extra[2],
            mean_inv_dead=extra[3].T,
            death_mean_weight=self.death_weight / self.deaths,
            risk=sums.a,
        )

    def score_residuals(self, beta: FloatArray) -> FloatArray:
        """Per-observation score residuals (weighted), Efron-adjusted at tied deaths, in this
        stratum's (sorted) row order."""
        p = self.x.shape[1]
        if self.times.size == 0:
            return np.zeros((self.stop.size, p))
        sums = self.time_sums(beta)
        c, a = sums.death_mean_weight, sums.risk
        h0_all, h0_dead = c * sums.inv, c * sums.inv_dead
        h1_all, h1_dead = c[:, None] * sums.mean_inv, c[:, None] * sums.mean_inv_dead
        mean_of_means = sums.mean / self.deaths[:, None]
        c0 = np.concatenate([[0.0], np.cumsum(h0_all)])
        c1 = np.concatenate([np.zeros((1, p)), np.cumsum(h1_all, axis=0)])
        stop_slot = np.searchsorted(self.times, self.stop, side="right")
        start_slot = 0 if self.start is None else np.searchsorted(self.times, self.start, "right")
        risk0 = c0[stop_slot] - c0[start_slot]
        risk1 = c1[stop_slot] - c1[start_slot]
        residual = -a[:, None] * (self.x * risk0[:, None] - risk1)
        dead, t = self.dead, self.death_time
        residual[dead] += a[dead, None] * (
            self.x[dead] * (h0_all - h0_dead)[t][:, None] - (h1_all - h1_dead)[t]
        )
        residual[dead] += self.w[dead, None] * (self.x[dead] - mean_of_means[t])
        return residual


def _linear_predictor(xt: FloatArray, beta: FloatArray) -> FloatArray:
    """xβ from the covariates stored by column, one multiply-add per covariate (no BLAS call: a
    threaded BLAS on a busy machine is slower than this for a handful of covariates)."""
    eta = xt[0] * beta[0]
    for k in range(1, beta.size):
        eta += xt[k] * beta[k]
    return eta


def _block_sums(values: np.ndarray, starts: IntArray, axis: int = 0) -> FloatArray:
    """Sums of consecutive blocks beginning at ``starts`` (strictly increasing, non-empty)."""
    if starts.size == 0:
        shape = list(values.shape)
        shape[axis] = 0
        return np.zeros(shape)
    sums: FloatArray = np.add.reduceat(values, starts, axis=axis)
    return sums


def _suffix(blocks: FloatArray) -> FloatArray:
    """Reverse cumulative sums along the last axis (Σ over this block and the later ones)."""
    total: FloatArray = np.cumsum(blocks[..., ::-1], axis=-1)[..., ::-1]
    return total
