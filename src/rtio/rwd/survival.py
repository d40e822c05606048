"""Kaplan–Meier, log-rank and Cox PH from sufficient statistics the engine aggregates.

No patient row leaves the engine. For KM and log-rank the engine returns counts of events and
censorings per (stratum, group, time); the product-limit estimate is then :func:`rtio.stats.kaplan_meier`
on those counts as case weights (identical to the estimate on the rows). For Cox, every Newton
step sends the coefficients to the engine, which returns the risk-set sums Σ w·e^{xβ}, Σ w·e^{xβ}x,
Σ w·e^{xβ}xxᵀ grouped by (stratum, exit time), by (stratum, entry time) and over the deaths; the
risk set at each event time is then a cumulative sum over the distinct times (exits at or after
it minus entries at or after it). Own code for Cox because the sums arrive grouped: the Efron
terms, the Newton–Raphson path and its convergence rule follow R ``coxph`` (start at 0, step
halving, relative change of the log partial likelihood below 1e-9), so the coefficients equal
R's and :func:`rtio.stats.cox_ph`'s to 1e-8.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy.special import digamma, gammaln, polygamma
from scipy.stats import chi2, norm

from rtio.rwd.engine import Engine
from rtio.stats import KaplanMeier, LogRank, kaplan_meier
from rtio.stats.estimate import TestResult

EPS = 1e-9
"""R ``coxph.control(eps = 1e-9)``."""
MAX_ITER = 30
SMALL_TIES = 16
"""Efron sums over at most this many tied deaths are taken term by term, larger ones in closed form."""


def _literal(value: float) -> str:
    return repr(float(value))


# ---- Kaplan–Meier ----
def event_counts(
    engine: Engine,
    relation: str,
    time: str = "time",
    event: str = "event",
    group: str | None = None,
    weight: str | None = None,
) -> pd.DataFrame:
    """Per (group, time, event): number of rows and sum of weights, aggregated in the engine."""
    g = group or "0"
    w = weight or "1.0"
    return engine.fetch(
        f"SELECT {g} AS grp, CAST({time} AS DOUBLE) AS time, CAST({event} AS INTEGER) AS event, "
        f"COUNT(*) AS n, SUM(CAST({w} AS DOUBLE)) AS w FROM ({relation}) r GROUP BY 1, 2, 3"
    )


def km_from_counts(
    counts: pd.DataFrame, scale: float = 1.0, weighted: bool = False, conf_level: float = 0.95
) -> KaplanMeier:
    """The KM estimate from counts per (time, event) (R ``survfit``; times divided by ``scale``)."""
    rows = counts[counts["n"] > 0]
    return kaplan_meier(
        rows["time"].to_numpy(float) / scale,
        rows["event"].to_numpy(int),
        weights=rows["w" if weighted else "n"].to_numpy(float),
        conf_level=conf_level,
    )


# ---- log-rank ----
def logrank_from_counts(counts: pd.DataFrame, labels: Sequence[object]) -> LogRank:
    """R ``survdiff`` (rho = 0) from counts per (stratum, grp, time, event); groups in ``labels``
    order, observed − expected and variances summed over strata."""
    k = len(labels)
    code = {label: i for i, label in enumerate(labels)}
    observed, expected, variance = np.zeros(k), np.zeros(k), np.zeros((k, k))
    frame = counts.assign(g=counts["grp"].map(code))
    if frame["g"].isna().any():
        raise ValueError(
            f"log-rank: groups {sorted(set(counts['grp']) - set(labels))} not in {labels}"
        )
    if "stratum" not in frame:
        frame = frame.assign(stratum=0)
    for _, part in frame.groupby("stratum", sort=True):
        times, position = np.unique(part["time"].to_numpy(float), return_inverse=True)
        g = part["g"].to_numpy(int)
        deaths = np.zeros((times.size, k))
        rows = np.zeros((times.size, k))
        np.add.at(deaths, (position, g), part["n"].to_numpy(float) * part["event"].to_numpy(float))
        np.add.at(rows, (position, g), part["n"].to_numpy(float))
        at_risk = np.cumsum(rows[::-1], axis=0)[::-1]
        n = at_risk.sum(axis=1)
        d = deaths.sum(axis=1)
        share = at_risk / n[:, None]
        expected += (d[:, None] * share).sum(axis=0)
        observed += deaths.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            weight = np.where(n > 1, d * (n - d) / (n - 1), 0.0)
        variance += np.diag(weight @ share) - share.T @ (weight[:, None] * share)
    diff = (observed - expected)[1:]
    chisq = float(diff @ np.linalg.solve(variance[1:, 1:], diff))
    strata = "stratum" in counts and counts["stratum"].nunique() > 1
    return LogRank(
        chisq=chisq,
        df=k - 1,
        p_value=float(chi2.sf(chisq, k - 1)),
        observed=pd.Series(observed, index=list(labels), name="observed"),
        expected=pd.Series(expected, index=list(labels), name="expected"),
        variance=variance,
        method="log-rank (R survdiff, rho = 0), from engine aggregates"
        + (", stratified" if strata else ""),
    )


def logrank_pushdown(
    engine: Engine,
    relation: str,
    group: str,
    labels: Sequence[object],
    time: str = "time",
    event: str = "event",
    strata: str | None = None,
) -> LogRank:
    """Log-rank test of ``group`` (levels ``labels``; the first is the reference) in the engine."""
    counts = engine.fetch(
        f"SELECT {strata or '0'} AS stratum, {group} AS grp, CAST({time} AS DOUBLE) AS time, "
        f"CAST({event} AS INTEGER) AS event, COUNT(*) AS n FROM ({relation}) r GROUP BY 1, 2, 3, 4"
    )
    return logrank_from_counts(counts, labels)


# ---- Cox ----
def _suffix(values: np.ndarray) -> np.ndarray:
    """Sums over the rows at or after each row (rows sorted by time), with a final zero row."""
    return np.concatenate([np.cumsum(values[::-1], axis=0)[::-1], np.zeros((1, *values.shape[1:]))])


@dataclass
class CoxFit:
    """A Cox model fitted from engine aggregates; ``summary`` as :func:`rtio.stats.cox_ph`'s."""

    coef: np.ndarray
    variance: np.ndarray
    names: list[str]
    loglik: tuple[float, float]
    lr_test: TestResult
    wald_test: TestResult
    score_test: TestResult
    n: int
    n_events: int
    iterations: int
    ties: str
    method: str
    summary: pd.DataFrame = field(repr=False)


@dataclass
class _Sums:
    """Per event time of one stratum: deaths, death weights and the risk-set / death sums."""

    deaths: np.ndarray
    wdeaths: np.ndarray
    wx: np.ndarray
    s0: np.ndarray
    s1: np.ndarray
    s2: np.ndarray
    d0: np.ndarray
    d1: np.ndarray
    d2: np.ndarray


def efron_hazards(s: _Sums, p: int, efron: bool) -> tuple[np.ndarray, ...]:
    """Per event time Σ_k 1/den_k, Σ_k m_k/den_k and the same weighted by (1 − k/d) (the deaths'
    own share), for the score residuals of the robust variance (Therneau & Grambsch 2000, §7.2)."""
    d = s.deaths.astype(float)
    if not efron:
        m = s.s1 / s.s0[:, None]
        inv = d / s.s0
        mean_inv = d[:, None] * m / s.s0[:, None]
        return inv, mean_inv, inv, mean_inv
    size = d.size
    inv, inv_dead = np.zeros(size), np.zeros(size)
    mean_inv, mean_inv_dead = np.zeros((size, p)), np.zeros((size, p))
    big = s.deaths > SMALL_TIES
    small = np.flatnonzero(~big)
    count = s.deaths[small]
    row = np.repeat(small, count)
    k = np.arange(row.size) - np.repeat(np.cumsum(count) - count, count)
    f = k / d[row]
    den = s.s0[row] - f * s.d0[row]
    m = (s.s1[row] - f[:, None] * s.d1[row]) / den[:, None]
    np.add.at(inv, row, 1 / den)
    np.add.at(mean_inv, row, m / den[:, None])
    np.add.at(inv_dead, row, (1 - f) / den)
    np.add.at(mean_inv_dead, row, (1 - f)[:, None] * m / den[:, None])
    if big.any():
        s0, d0, dd = s.s0[big], s.d0[big], d[big]
        u = s0 * dd / d0
        scale = dd / d0
        h1 = scale * (digamma(u + 1) - digamma(u - dd + 1))
        h2 = scale**2 * (polygamma(1, u - dd + 1) - polygamma(1, u + 1))
        g1 = s.d1[big] / d0[:, None]
        v1 = s.s1[big] - s0[:, None] * g1
        mean = dd[:, None] * g1 + v1 * h1[:, None]
        inv[big] = h1
        mean_inv[big] = g1 * h1[:, None] + v1 * h2[:, None]
        inv_dead[big] = ((d0 - s0) * h1 + dd) / d0
        mean_inv_dead[big] = ((d0 - s0)[:, None] * mean_inv[big] + mean) / d0[:, None]
    return inv, mean_inv, inv_dead, mean_inv_dead


def efron_terms(s: _Sums, p: int, efron: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per event time Σ_k log den_k, Σ_k m_k and Σ_k (second_k − m_k m_kᵀ) with
    den_k = S0 − (k/d)·D0, m_k = (S1 − (k/d)·D1)/den_k (Efron 1977; Breslow: k/d = 0)."""
    d = s.deaths.astype(float)
    size = d.size
    log_den = np.zeros(size)
    mean = np.zeros((size, p))
    info = np.zeros((size, p, p))
    if not efron:
        m = s.s1 / s.s0[:, None]
        log_den = d * np.log(s.s0)
        mean = d[:, None] * m
        info = d[:, None, None] * (s.s2 / s.s0[:, None, None] - m[:, :, None] * m[:, None, :])
        return log_den, mean, info
    big = s.deaths > SMALL_TIES
    small = np.flatnonzero(~big)
    count = s.deaths[small]
    row = np.repeat(small, count)
    k = np.arange(row.size) - np.repeat(np.cumsum(count) - count, count)
    f = k / d[row]
    den = s.s0[row] - f * s.d0[row]
    m = (s.s1[row] - f[:, None] * s.d1[row]) / den[:, None]
    second = (s.s2[row] - f[:, None, None] * s.d2[row]) / den[:, None, None]
    np.add.at(log_den, row, np.log(den))
    np.add.at(mean, row, m)
    np.add.at(info, row, second - m[:, :, None] * m[:, None, :])
    if big.any():
        s0, d0, dd = s.s0[big], s.d0[big], d[big]
        u = s0 * dd / d0
        scale = dd / d0
        h1 = scale * (digamma(u + 1) - digamma(u - dd + 1))
        h2 = scale**2 * (polygamma(1, u - dd + 1) - polygamma(1, u + 1))
        g1 = s.d1[big] / d0[:, None]
        g2 = s.d2[big] / d0[:, None, None]
        v1 = s.s1[big] - s0[:, None] * g1
        v2 = s.s2[big] - s0[:, None, None] * g2
        outer = lambda a, b: a[:, :, None] * b[:, None, :]  # noqa: E731
        log_den[big] = dd * np.log(d0 / dd) + gammaln(u + 1) - gammaln(u - dd + 1)
        mean[big] = dd[:, None] * g1 + v1 * h1[:, None]
        second = dd[:, None, None] * g2 + v2 * h1[:, None, None]
        outers = (
            dd[:, None, None] * outer(g1, g1)
            + (outer(g1, v1) + outer(v1, g1)) * h1[:, None, None]
            + outer(v1, v1) * h2[:, None, None]
        )
        info[big] = second - outers
    return log_den, mean, info


class CoxProblem:
    """A Cox model whose data stay in the engine: the rows are first compressed to one per
    distinct (stratum, entry, exit, event, covariates) with Σ weights and a count, materialised as a
    stage; each Newton step is then one grouped query over that table."""

    def __init__(
        self,
        engine: Engine,
        relation: str,
        inputs: Sequence[str],
        duration: str,
        event: str,
        covariates: dict[str, str],
        strata: str | None = None,
        weights: str | None = None,
        entry: str | None = None,
        ties: str = "efron",
    ) -> None:
        if ties not in ("efron", "breslow"):
            raise ValueError(f"ties must be 'efron' or 'breslow', not {ties!r}")
        self.engine, self.ties = engine, ties
        self.names = list(covariates)
        self.p = len(self.names)
        self.entry, self.strata, self.weighted = entry, strata, weights is not None
        xs = ", ".join(
            f"CAST({expr} AS DOUBLE) AS x{j}" for j, expr in enumerate(covariates.values())
        )
        keys = ", ".join(str(i) for i in range(1, self.p + 5))
        sql = (
            f"SELECT {strata or '0'} AS s, CAST({entry or 'NULL'} AS DOUBLE) AS t0, "
            f"CAST({duration} AS DOUBLE) AS t1, CAST({event} AS INTEGER) AS d, {xs}, "
            f"SUM(CAST({weights or '1.0'} AS DOUBLE)) AS w, "
            f"SUM(CAST({weights or '1.0'} AS DOUBLE) * CAST({weights or '1.0'} AS DOUBLE)) AS w2, "
            "COUNT(*) AS n "
            f"FROM ({relation}) r GROUP BY {keys}"
        )
        name = "cox_" + hashlib.sha256(sql.encode()).hexdigest()[:16]
        self.table = engine.stage(name, sql, inputs).name
        x_sums = "".join(f", SUM(n * x{j}) AS m{j}" for j in range(self.p))
        invalid = (
            "t1 IS NULL OR t1 < 0 OR d IS NULL OR d NOT IN (0, 1) OR w IS NULL OR w <= 0"
            + (" OR t0 IS NULL OR t0 >= t1" if entry else "")
            + "".join(f" OR x{j} IS NULL" for j in range(self.p))
        )
        totals = engine.fetch(
            f"SELECT SUM(n) AS n, SUM(n * d) AS events, SUM(CASE WHEN {invalid} THEN 1 ELSE 0 END) "
            f"AS bad{x_sums} FROM {self.table}"
        ).iloc[0]
        if totals["bad"]:
            raise ValueError(
                f"Cox: {int(totals['bad'])} distinct rows with a missing or negative time, an event "
                "not 0/1, a non-positive weight, a start not before the stop, or a missing covariate"
            )
        self.n, self.n_events = int(totals["n"]), int(totals["events"])
        self.means = np.array([float(totals[f"m{j}"]) / self.n for j in range(self.p)])
        deaths = engine.fetch(
            "SELECT s, t1 AS t, SUM(n) AS deaths, SUM(w) AS wdeaths, "
            + ", ".join(f"SUM(w * ({self._xc(j)})) AS wx{j}" for j in range(self.p))
            + f" FROM {self.table} WHERE d = 1 GROUP BY s, t1"
        ).sort_values(["s", "t"], kind="stable")
        self.event_times = {s: part for s, part in deaths.groupby("s", sort=True)}

    def _xc(self, j: int) -> str:
        return f"(x{j} - {_literal(self.means[j])})" if hasattr(self, "means") else f"x{j}"

    def _sums_sql(self, beta: np.ndarray) -> str:
        eta = " + ".join(f"{_literal(b)} * {self._xc(j)}" for j, b in enumerate(beta)) or "0.0"
        a = f"w * exp({eta})"
        cols = [f"SUM({a}) AS a"]
        cols += [f"SUM({a} * {self._xc(j)}) AS a{j}" for j in range(self.p)]
        cols += [
            f"SUM({a} * {self._xc(j)} * {self._xc(k)}) AS a{j}_{k}"
            for j in range(self.p)
            for k in range(j, self.p)
        ]
        body = ", ".join(cols)
        parts = [f"SELECT s, t1 AS t, 0 AS kind, {body} FROM {self.table} GROUP BY s, t1"]
        if self.entry:
            parts.append(f"SELECT s, t0 AS t, 1 AS kind, {body} FROM {self.table} GROUP BY s, t0")
        parts.append(
            f"SELECT s, t1 AS t, 2 AS kind, {body} FROM {self.table} WHERE d = 1 GROUP BY s, t1"
        )
        return " UNION ALL ".join(parts)

    def _unpack(self, frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        p = self.p
        a0 = frame["a"].to_numpy(float)
        a1 = frame[[f"a{j}" for j in range(p)]].to_numpy(float).reshape(-1, p)
        a2 = np.zeros((len(frame), p, p))
        for j in range(p):
            for k in range(j, p):
                a2[:, j, k] = a2[:, k, j] = frame[f"a{j}_{k}"].to_numpy(float)
        return a0, a1, a2

    def _stratum_sums(self, sums: pd.DataFrame, s: object, deaths: pd.DataFrame) -> _Sums:
        """Risk-set and death sums at each event time of stratum ``s``."""
        part = sums[sums["s"] == s]
        times = deaths["t"].to_numpy(float)

        def at_or_after(kind: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            rows = part[part["kind"] == kind].sort_values("t", kind="stable")
            a0, a1, a2 = self._unpack(rows)
            where = np.searchsorted(rows["t"].to_numpy(float), times, side="left")
            return _suffix(a0)[where], _suffix(a1)[where], _suffix(a2)[where]

        s0, s1, s2 = at_or_after(0)
        if self.entry:
            e0, e1, e2 = at_or_after(1)
            s0, s1, s2 = s0 - e0, s1 - e1, s2 - e2
        dead = part[part["kind"] == 2].set_index("t").reindex(times)
        d0, d1, d2 = self._unpack(dead.reset_index())
        wx = deaths[[f"wx{j}" for j in range(self.p)]].to_numpy(float).reshape(-1, self.p)
        return _Sums(
            deaths["deaths"].to_numpy(int),
            deaths["wdeaths"].to_numpy(float),
            wx,
            s0,
            s1,
            s2,
            d0,
            d1,
            d2,
        )

    def evaluate(self, beta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """Log partial likelihood, score and information at ``beta`` (one engine query)."""
        sums = self.engine.fetch(self._sums_sql(beta))
        loglik, score, info = 0.0, np.zeros(self.p), np.zeros((self.p, self.p))
        for s, deaths in self.event_times.items():
            terms = self._stratum_sums(sums, s, deaths)
            log_den, mean, second = efron_terms(terms, self.p, self.ties == "efron")
            c = terms.wdeaths / terms.deaths
            loglik += float(beta @ terms.wx.sum(axis=0) - c @ log_den)
            score += terms.wx.sum(axis=0) - c @ mean
            info += np.tensordot(c, second, axes=1)
        return loglik, score, info

    def robust_meat(self, beta: np.ndarray) -> np.ndarray:
        """Σ_i r_i r_iᵀ over the rows' score residuals r_i (R ``residuals(fit, "score")``), each
        row its own cluster, aggregated in the engine.

        Rows of one compressed group share r_i / w_i, so the engine sums Σ w_i² u uᵀ with u from a
        per-(stratum, time) table of cumulative hazard terms that Python computes and uploads.
        """
        if self.entry:
            raise ValueError("robust variance: one row per subject (no entry times) only")
        p, efron = self.p, self.ties == "efron"
        sums = self.engine.fetch(self._sums_sql(beta))
        frames = []
        for s, deaths in self.event_times.items():
            terms = self._stratum_sums(sums, s, deaths)
            _, mean, _ = efron_terms(terms, p, efron)
            inv, mean_inv, inv_dead, mean_inv_dead = efron_hazards(terms, p, efron)
            c = terms.wdeaths / terms.deaths
            h0, h0_dead = c * inv, c * inv_dead
            h1, h1_dead = c[:, None] * mean_inv, c[:, None] * mean_inv_dead
            times = deaths["t"].to_numpy(float)
            keys = np.unique(sums.loc[(sums["s"] == s) & (sums["kind"] == 0), "t"].to_numpy(float))
            slot = np.searchsorted(times, keys, side="right")
            c0 = np.concatenate([[0.0], np.cumsum(h0)])[slot]
            c1 = np.concatenate([np.zeros((1, p)), np.cumsum(h1, axis=0)])[slot]
            at = np.maximum(slot - 1, 0)
            death_time = (slot > 0) & (times[at] == keys)
            lookup = {
                "s": s,
                "t": keys,
                "c0": c0,
                "dh0": np.where(death_time, (h0 - h0_dead)[at], 0.0),
            }
            for j in range(p):
                lookup[f"c1_{j}"] = c1[:, j]
                lookup[f"dh1_{j}"] = np.where(death_time, (h1 - h1_dead)[at, j], 0.0)
                lookup[f"m_{j}"] = np.where(death_time, (mean / terms.deaths[:, None])[at, j], 0.0)
            frames.append(pd.DataFrame(lookup))
        name = f"{self.table}_hazards"
        self.engine.upload(name, pd.concat(frames, ignore_index=True))
        eta = " + ".join(f"{_literal(b)} * {self._xc(j)}" for j, b in enumerate(beta))
        u = [
            f"(-exp({eta}) * ({self._xc(j)} * l.c0 - l.c1_{j}) + d * (exp({eta}) * "
            f"({self._xc(j)} * l.dh0 - l.dh1_{j}) + {self._xc(j)} - l.m_{j}))"
            for j in range(p)
        ]
        cols = ", ".join(f"{u[j]} AS u{j}" for j in range(p))
        body = ", ".join(
            f"SUM(w2 * u{j} * u{k}) AS b{j}_{k}" for j in range(p) for k in range(j, p)
        )
        meat = self.engine.fetch(
            f"SELECT {body} FROM (SELECT w2, {cols} FROM {self.table} c JOIN {name} l "
            "ON l.s = c.s AND l.t = c.t1) r"
        ).iloc[0]
        out = np.zeros((p, p))
        for j in range(p):
            for k in range(j, p):
                out[j, k] = out[k, j] = float(meat[f"b{j}_{k}"])
        return out

    def fit(self, conf_level: float = 0.95, robust: bool = False) -> CoxFit:
        """Newton–Raphson as R ``coxph`` (see the module docstring); ``robust``: the sandwich
        variance (R ``robust = TRUE``, each row its own cluster) for SEs, CIs and the Wald test."""
        beta = np.zeros(self.p)
        loglik0, score0, info0 = self.evaluate(beta)
        loglik, info = loglik0, info0
        candidate = beta + np.linalg.solve(info0, score0)
        halving, iterations = False, 0
        for step in range(1, MAX_ITER + 1):
            iterations = step
            new_ll, new_score, new_info = self.evaluate(candidate)
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
        variance = naive @ self.robust_meat(beta) @ naive if robust else naive
        fit = _result(
            beta,
            variance,
            self.names,
            (loglik0, loglik),
            score0,
            info0,
            self.n,
            self.n_events,
            iterations,
            conf_level,
            self.ties,
            self.strata is not None,
            self.entry is not None,
            self.weighted,
        )
        if robust:
            fit.method += ", robust (sandwich) variance"
            fit.wald_test = TestResult(
                statistic=fit.wald_test.statistic,
                df=fit.wald_test.df,
                p_value=fit.wald_test.p_value,
                method="Wald (robust)",
            )
            fit.summary.insert(2, "naive_se", np.sqrt(np.diag(naive)))
        return fit


def _result(
    beta,
    variance,
    names,
    loglik,
    score0,
    info0,
    n,
    n_events,
    iterations,
    conf_level,
    ties,
    stratified,
    counting,
    weighted,
) -> CoxFit:
    se = np.sqrt(np.diag(variance))
    z = beta / se
    q = norm.ppf(1 - (1 - conf_level) / 2)
    with np.errstate(over="ignore"):
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
    method = f"Cox PH, {ties.capitalize()} ties" + (", stratified" if stratified else "")
    method += ", counting process (start, stop]" if counting else ""
    method += ", case weights" if weighted else ""
    method += "; risk-set sums aggregated in the engine"
    return CoxFit(
        coef=beta,
        variance=variance,
        names=names,
        loglik=loglik,
        lr_test=TestResult(
            statistic=lr, df=df, p_value=float(chi2.sf(lr, df)), method="likelihood ratio"
        ),
        wald_test=TestResult(
            statistic=wald, df=df, p_value=float(chi2.sf(wald, df)), method="Wald"
        ),
        score_test=TestResult(
            statistic=score, df=df, p_value=float(chi2.sf(score, df)), method="score (log-rank)"
        ),
        n=n,
        n_events=n_events,
        iterations=iterations,
        ties=ties,
        method=method,
        summary=summary,
    )


def cox_pushdown(
    engine: Engine,
    relation: str,
    inputs: Sequence[str],
    covariates: dict[str, str],
    duration: str = "time",
    event: str = "event",
    strata: str | None = None,
    weights: str | None = None,
    entry: str | None = None,
    ties: str = "efron",
    conf_level: float = 0.95,
    robust: bool = False,
) -> CoxFit:
    """Fit R ``coxph(Surv([entry,] duration, event) ~ covariates + strata(strata), weights)`` on
    the rows of ``relation`` (a query over the engine tables named in ``inputs``).
    ``covariates``: name -> SQL expression (numeric); ``robust``: sandwich variance (one row per
    subject), as for inverse-probability weights."""
    problem = CoxProblem(
        engine, relation, inputs, duration, event, covariates, strata, weights, entry, ties
    )
    return problem.fit(conf_level, robust)
