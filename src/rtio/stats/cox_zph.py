"""Test of the proportional-hazards assumption of a Cox fit, identical to R ``cox.zph``.

Score test for adding β·g(t)·x terms (Grambsch & Therneau, Biometrika 1994; the exact score test
of survival ≥ 3.0): with U_t the score and V_t the information contributed at event time t
(Efron or Breslow, as fitted), u = Σ g_t U_t and the 2p x 2p information has blocks Σ V_t,
Σ g_t V_t, Σ g_t² V_t; the statistic for a term is u_γᵀ (the γ block of the inverse) u_γ, with the
β score set to 0. ``g`` is 1 − the left-continuous Kaplan–Meier of all data by default. The scaled
Schoenfeld residuals (for plotting β(t)) are returned too.

Own code because it reuses the risk-set sums of :mod:`rtio.stats.cox`, so the test matches the
fit's tie handling, strata, weights and counting-process data exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import chi2, rankdata

from rtio.stats.cox import CoxPH
from rtio.stats.estimate import NotEstimableError
from rtio.stats.inputs import FloatArray, IntArray
from rtio.stats.risk_set import product_limit, risk_table

TRANSFORMS = ("km", "rank", "identity", "log")


@dataclass(frozen=True, kw_only=True)
class CoxZPH:
    """R ``cox.zph``: ``table`` (chisq, df, p per term and GLOBAL); per event, sorted by time
    within strata: ``time``, ``x`` (the transformed time) and ``y`` (scaled Schoenfeld residuals,
    one column per term: β̂ + residual, so a flat line means proportional hazards); ``strata``."""

    table: pd.DataFrame
    time: FloatArray
    x: FloatArray
    y: pd.DataFrame
    strata: IntArray | None
    transform: str


__all__ = ["TRANSFORMS", "CoxZPH", "cox_zph"]


def _time_transform(fit: CoxPH, transform: str) -> FloatArray:
    """g(t) per observation before centring (R: km = 1 − S(t−) of all data, rank, identity, log)."""
    model = fit.model
    stop = model.stop
    if transform == "identity":
        return stop.astype(float)
    if transform == "log":
        return np.log(stop)
    if transform == "rank":
        ranks: FloatArray = rankdata(stop)
        return ranks
    table = risk_table(stop, model.status.astype(np.intp), entry=model.start, timefix=False)
    survival, _ = product_limit(table.n_risk[:, 0], table.n_event[:, 0, 0])
    before = np.searchsorted(table.time, stop, side="left")  # exit times strictly before t
    return 1 - np.concatenate([[1.0], survival])[before]


def cox_zph(
    fit: CoxPH, transform: str = "km", terms: bool = True, global_test: bool = True
) -> CoxZPH:
    """Proportional-hazards test per covariate (or per term: a factor's columns together, as R's
    ``terms=TRUE``) and globally, R ``cox.zph(fit, transform, terms, global)``."""
    if transform not in TRANSFORMS:
        raise ValueError(f"transform must be one of {TRANSFORMS}, not {transform!r}")
    if fit.singular.any():
        raise NotEstimableError(
            "the fit has coefficients that are not estimable (collinear covariates)"
        )
    model = fit.model
    beta = fit.coef
    p = beta.size
    transformed = _time_transform(fit, transform)
    g_all = transformed - transformed[model.status == 1].mean()
    u = np.zeros(2 * p)
    imat = np.zeros((2 * p, 2 * p))
    residuals, order_keys, used = [], [], []
    for layer, (rows, part) in enumerate(zip(model.groups, model.parts, strict=True)):
        sums = part.time_sums(beta)
        c = sums.death_mean_weight
        size = part.times.size
        g = np.zeros(size)
        g[part.death_time] = np.asarray(g_all[rows])[part.dead]
        dead_x = part.w[part.dead, None] * part.x[part.dead]
        score_t = part.by_death_time(dead_x) - c[:, None] * sums.mean
        info_t = (c[:, None] * (sums.second - sums.outer)).reshape(size, p, p)
        u[p:] += g @ score_t
        imat[:p, :p] += info_t.sum(axis=0)
        cross = np.einsum("t,tij->ij", g, info_t)
        imat[:p, p:] += cross
        imat[p:, :p] += cross.T
        imat[p:, p:] += np.einsum("t,tij->ij", g * g, info_t)
        means = sums.mean / part.deaths[:, None]
        residuals.append(part.x[part.dead] - means[part.death_time])
        index = np.arange(model.stop.size)[rows][part.dead]
        order_keys.append(
            np.column_stack([np.full(index.size, layer), part.stop[part.dead], index])
        )
        varies = np.ptp(part.x, axis=0) > 0 if part.x.shape[0] else np.zeros(p, dtype=bool)
        used.append(np.where(varies, part.dead.size, 0))
    groups = fit.terms if terms else {name: [j] for j, name in enumerate(fit.names)}
    try:
        table = _table(u, imat, groups, p, global_test)
    except np.linalg.LinAlgError:
        raise NotEstimableError(
            "the information for the time-varying terms is singular (too few events)"
        ) from None
    keys = np.concatenate(order_keys)
    # tied event times: in data order, reversed for counting-process data (as R returns them)
    tie_order = keys[:, 2] if model.start is None else -keys[:, 2]
    order = np.lexsort((tie_order, keys[:, 1], keys[:, 0]))
    schoenfeld = np.concatenate(residuals)[order]
    events = keys[order, 2].astype(np.int64)
    scaled = _scaled_residuals(
        schoenfeld, keys[order, 0].astype(int), np.array(used), imat[:p, :p], beta, groups
    )
    strata = None
    if len(model.groups) > 1:
        strata = model.layers[events]
    return CoxZPH(
        table=table,
        time=model.stop[events],
        x=transformed[events],
        y=pd.DataFrame(scaled, columns=list(groups)),
        strata=strata,
        transform=transform,
    )


def _table(
    u: np.ndarray, imat: np.ndarray, groups: dict[str, list[int]], p: int, global_test: bool
) -> pd.DataFrame:
    """Score statistics u_kᵀ I_kk⁻¹ u_k over the β block plus each term's γ columns (β score 0)."""
    rows = {}
    for name, cols in groups.items():
        keep = np.concatenate([np.arange(p), p + np.asarray(cols)])
        stat = float(u[keep] @ np.linalg.solve(imat[np.ix_(keep, keep)], u[keep]))
        rows[name] = (stat, len(cols))
    if global_test:
        rows["GLOBAL"] = (float(u @ np.linalg.solve(imat, u)), p)
    table = pd.DataFrame.from_dict(rows, orient="index", columns=["chisq", "df"])
    table["p"] = chi2.sf(table["chisq"], table["df"])
    table.index.name = "term"
    return table


def _scaled_residuals(
    schoenfeld: np.ndarray,
    layer: np.ndarray,
    used: np.ndarray,
    info: np.ndarray,
    beta: np.ndarray,
    groups: dict[str, list[int]],
) -> np.ndarray:
    """Schoenfeld residuals times the inverse of the average information per event (within each
    stratum, over the covariates that vary in it), plus β̂; a multi-column term is collapsed to its
    linear predictor (coefficient 1), as R does."""
    p = beta.size
    weight = np.zeros((p, p))
    for row in used:
        weight += np.minimum(row[:, None], row[None, :])
    mean_info = info / np.where(weight == 0, 1, weight)
    collapse = np.zeros((p, len(groups)))
    first = []
    for i, cols in enumerate(groups.values()):
        collapse[cols, i] = 1.0 if len(cols) == 1 else beta[cols]
        first.append(cols[0])
    residual = schoenfeld @ collapse
    mean_info = collapse.T @ mean_info @ collapse
    used = used[:, first]
    out = np.full(residual.shape, np.nan)
    for s in range(used.shape[0]):
        k = np.flatnonzero(used[s] > 0)
        rows = layer == s
        if k.size:
            out[np.ix_(rows, k)] = np.linalg.solve(
                mean_info[np.ix_(k, k)], residual[rows][:, k].T
            ).T
    shift = np.array([beta[cols[0]] if len(cols) == 1 else 1.0 for cols in groups.values()])
    return out + shift
