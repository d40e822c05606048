"""Gray's K-sample test for cumulative incidence functions, identical to R ``cmprsk::cuminc``.

Gray (Ann Stat 1988;16:1141-1154): for a cause of interest, the score compares each group's
subdistribution hazard with the pooled one, weighted by (1 − F(t−))^ρ; its variance is Gray's
asymptotic estimator (terms for failures from the cause of interest and from the other causes).
Scores and variances add over strata; the statistic s'V⁻¹s is χ² with K − 1 df.

Own code (vectorised over the grid of distinct times x groups) because no maintained Python
package computes it; the reference is cmprsk 2.2-11 (tests/reference/stats/gray_reference.R).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import chi2

from rtio.stats.estimate import NotEstimableError
from rtio.stats.inputs import ArrayLike, FloatArray, as_times

QR_TOLERANCE = 1e-7
"""R ``qr()``'s default tolerance, which cmprsk uses to decide that the variance is singular."""


def _full_rank(variance: FloatArray) -> bool:
    """Whether R's ``qr(variance)`` has full rank: no column is, to 1e-7 of its norm, a linear
    combination of the others."""
    if not np.isfinite(variance).all():
        return False
    norms = np.linalg.norm(variance, axis=0)
    r = np.abs(np.diag(np.linalg.qr(variance, mode="r")))
    return bool(np.all((norms > 0) & (r > QR_TOLERANCE * norms)))


def gray_test(
    time: ArrayLike,
    cause: ArrayLike,
    group: ArrayLike,
    strata: ArrayLike | None = None,
    rho: float = 0.0,
    *,
    causes: Sequence[int] | None = None,
) -> pd.DataFrame:
    """One row per cause (index: the cause code): ``statistic``, ``df`` and ``p_value`` of Gray's
    test that the cumulative incidence of that cause is equal across ``group`` (R
    ``cuminc(time, cause, group, strata, rho)$Tests``). ``cause``: 0 = censored, other integers =
    causes; groups ordered as R's factor levels (sorted). ``causes``: test only these.

    Raises :class:`NotEstimableError` when the score's variance of a tested cause is singular
    (cmprsk's qr rank check; R then reports stat = -1), with one group, or without data."""
    t = as_times(time, "time")
    c = np.asarray(cause)
    if c.shape != t.shape:
        raise ValueError("cause: must have one value per time")
    if not np.issubdtype(c.dtype, np.number) or np.any(c < 0) or np.any(c != np.round(c)):
        raise ValueError("cause: 0 for censored, positive integers for the causes")
    c = c.astype(np.int64)
    levels, g = np.unique(np.asarray(group).astype(str), return_inverse=True)
    if g.size != t.size:
        raise ValueError("group: must have one value per time")
    if t.size == 0:
        raise NotEstimableError("no observations")
    if levels.size < 2:
        raise NotEstimableError(
            f"group: needs at least two groups; all {t.size} subjects are in one"
        )
    layers = np.zeros(t.size, dtype=np.int64)
    if strata is not None:
        _, layers = np.unique(np.asarray(strata).astype(str), return_inverse=True)
    present = np.unique(c[c > 0])
    wanted = present if causes is None else np.asarray(causes, dtype=np.int64)
    missing = np.setdiff1d(wanted, present)
    if missing.size:
        raise NotEstimableError(f"no events of cause {', '.join(map(str, missing))}")
    rows = {}
    for code in wanted:
        m = np.where(c == code, 1, np.where(c > 0, 2, 0))
        score = np.zeros(levels.size - 1)
        variance = np.zeros((levels.size - 1, levels.size - 1))
        for layer in np.unique(layers):
            keep = layers == layer
            s, v = _stratum_score(t[keep], m[keep], g[keep], levels.size, rho)
            score += s
            variance += v
        if not _full_rank(variance):
            raise NotEstimableError(
                f"cause {code}: the variance of Gray's score is singular (too few events of "
                "this cause, or of subjects at risk in a group, to compare the groups)"
            )
        stat = float(score @ np.linalg.solve(variance, score))
        rows[int(code)] = (stat, levels.size - 1, float(chi2.sf(stat, levels.size - 1)))
    out = pd.DataFrame.from_dict(rows, orient="index", columns=["statistic", "df", "p_value"])
    out.index.name = "cause"
    return out


def _stratum_score(
    time: np.ndarray, m: np.ndarray, g: np.ndarray, k: int, rho: float
) -> tuple[np.ndarray, np.ndarray]:
    """Score (first K − 1 groups) and its variance in one stratum; m: 0 censored, 1 the cause of
    interest, 2 another cause."""
    times, at = np.unique(time, return_inverse=True)
    size = times.size
    counts = np.zeros((3, size, k))
    np.add.at(counts, (m, at, g), 1.0)
    _, d1, d2 = counts
    leaving = counts.sum(axis=0)
    n = np.bincount(g, minlength=k)[None, :] - (np.cumsum(leaving, axis=0) - leaving)
    risk = n > 0
    safe_n = np.where(risk, n, 1.0)
    surv = np.cumprod(1 - np.where(risk, (d1 + d2) / safe_n, 0.0), axis=0)  # S(t)
    surv_before = np.vstack([np.ones((1, k)), surv[:-1]])  # S(t−)
    inc = np.cumsum(surv_before * np.where(risk, d1 / safe_n, 0.0), axis=0)
    inc_before = np.vstack([np.zeros((1, k)), inc[:-1]])  # F_k(t−)
    weight = np.where(risk, n / np.where(risk, surv_before, 1.0), 0.0)  # n_k / S_k(t−)
    total = weight.sum(axis=1)  # Σ_k n_k / S_k(t−)
    safe_total = np.where(total > 0, total, 1.0)
    at_risk_free = (weight * (1 - inc_before)).sum(axis=1)
    nd1 = d1.sum(axis=1)
    pooled = np.cumsum(np.where(total > 0, nd1 / safe_total, 0.0))  # F(t)
    pooled_before = np.concatenate([[0.0], pooled[:-1]])
    fb = (1 - pooled_before) ** rho

    expected = np.where(
        risk,
        nd1[:, None]
        * weight
        * (1 - inc_before)
        / np.where(at_risk_free > 0, at_risk_free, 1.0)[:, None],
        0.0,
    )
    score = (fb[:, None] * (d1 - expected)).sum(axis=0)[: k - 1]

    a = fb[:, None, None] * (
        np.eye(k)[None] * weight[:, :, None]
        - weight[:, :, None] * weight[:, None, :] / safe_total[:, None, None]
    )
    step = np.where(total > 0, nd1 / (safe_total * (1 - pooled_before)), 0.0)
    c = np.cumsum(a * step[:, None, None], axis=0)  # inclusive of the current time

    # failures from the cause of interest
    has1 = (nd1 > 0)[:, None] & risk
    s_pos = surv > 0
    t4 = np.where(s_pos, 1 - (1 - pooled)[:, None] / np.where(s_pos, surv, 1.0), 1.0)
    ties = safe_total[:, None] * surv_before - 1
    t5 = np.where(
        (nd1 > 1)[:, None] & has1, 1 - (nd1[:, None] - 1) / np.where(ties != 0, ties, 1.0), 1.0
    )
    t3 = np.where(has1, t5 * surv_before * nd1[:, None] / (safe_total[:, None] * safe_n), 0.0)
    b = a[:, : k - 1, :] - t4[:, None, :] * c[:, : k - 1, :]
    v3 = (t4 * t4 * t3).sum(axis=0)
    v2 = np.einsum("tik,tk->ik", b, t4 * t3)
    v = np.einsum("tik,tjk,tk->ij", b, b, t3)

    # failures from the other causes
    has2 = (d2 > 0) & s_pos & risk
    u4 = np.where(has2, (1 - pooled)[:, None] / np.where(s_pos, surv, 1.0), 0.0)
    u5 = np.where(d2 > 1, 1 - (d2 - 1) / np.where(n > 1, n - 1, 1.0), 1.0)
    u3 = np.where(has2, u5 * surv_before**2 * d2 / safe_n**2, 0.0)
    e = u4[:, None, :] * c[:, : k - 1, :]
    v3 += (u4 * u4 * u3).sum(axis=0)
    v2 -= np.einsum("tik,tk->ik", e, u4 * u3)
    v += np.einsum("tik,tjk,tk->ij", e, e, u3)

    final = c[-1, : k - 1, :]
    v += (final * v3[None, :]) @ final.T + final @ v2.T + v2 @ final.T
    return score, v
