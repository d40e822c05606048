"""Cox proportional-hazards regression, identical to R ``coxph``.

Supports Efron (R's default) and Breslow ties, strata, case weights, counting-process data
(``entry=``: R ``Surv(start, stop, event)``), and the robust sandwich variance (``robust=``,
``cluster=``: R ``robust = TRUE`` / ``cluster(id)``). The fit follows R's Newton–Raphson path
(start at 0, step halving, stop when the relative change in the log partial likelihood is below
1e-9) so that coefficients agree with R to its printed precision and beyond.

Own code because the risk-set sums are the hot path (:mod:`rtio.stats.cox_sums`): every Newton
step is a few sums over whole columns and cumulative sums over the distinct times, which fits one
covariate on 10^7 subjects far faster than R (benchmarks/stats_vs_r.py). lifelines' CoxPHFitter
agrees with R for Efron ties without weights but not for all the options above.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
import pandas as pd
from scipy.stats import chi2, norm

from rtio.stats.cox_newton import MAX_ITER, newton_raphson
from rtio.stats.cox_sums import CoxStratum
from rtio.stats.estimate import NotEstimableError, TestResult
from rtio.stats.inputs import (
    ArrayLike,
    FloatArray,
    FrameLike,
    IntArray,
    as_events,
    as_frame,
    as_times,
    as_weights,
    frame_column,
)
from rtio.stats.risk_set import fix_sorted_times, fix_times, sort_order

__all__ = ["CoxData", "CoxFitCheck", "CoxPH", "cox_ph"]


class CoxFitCheck(StrEnum):
    """The reasons :meth:`CoxPH.not_estimable` gives when a fit fails one of the checks R survival
    makes (``coxph.fit``): a coefficient NA, the iteration limit, an infinite coefficient."""

    COLLINEAR = "collinear with other covariates (R: coefficient NA)"
    NOT_CONVERGED = "the fit did not converge within the iteration limit"
    MONOTONE_LIKELIHOOD = "monotone likelihood: the coefficient may be infinite"


@dataclass(frozen=True, kw_only=True)
class CoxData:
    """What a fit was computed from, for diagnostics (:func:`rtio.stats.cox_zph`): the strata
    (row indices and their risk-set structures), the response and each row's stratum code."""

    groups: list[IntArray]
    parts: list[CoxStratum]
    stop: FloatArray
    start: FloatArray | None
    status: np.ndarray
    layers: IntArray


@dataclass(frozen=True, kw_only=True)
class CoxPH:
    """A fitted Cox model; ``summary`` has one row per coefficient (R ``summary(coxph)``).

    ``variance`` is the robust (sandwich) variance when ``robust``, else the inverse information
    (``naive_variance``); ``terms`` maps each covariate to its columns (R's ``assign``);
    ``model`` keeps the data for :func:`rtio.stats.cox_zph`.

    Failures are recorded, never hidden in a number (the checks of R's ``coxph.fit``):
    ``converged`` is False when the iteration limit was reached; ``may_be_infinite`` flags, per
    coefficient, a monotone likelihood (the estimate grows without bound: R's "Loglik converged
    before variable k; coefficient may be infinite"); ``singular`` flags coefficients of columns
    that are linear combinations of the others (NaN, R's NA); ``warnings`` says each in words.
    :meth:`not_estimable` gives the reason a coefficient should be reported as not estimable.
    """

    coef: FloatArray
    variance: FloatArray
    naive_variance: FloatArray
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
    converged: bool
    may_be_infinite: np.ndarray
    singular: np.ndarray
    warnings: tuple[str, ...]
    summary: pd.DataFrame = field(repr=False)
    terms: dict[str, list[int]] = field(repr=False)
    model: CoxData = field(repr=False)

    def not_estimable(self, name: str) -> str | None:
        """Why coefficient ``name`` should be reported as "not estimable (reason)", or None when
        its estimate stands."""
        j = self.names.index(name)
        if self.singular[j]:
            return CoxFitCheck.COLLINEAR.value
        if not self.converged:
            return CoxFitCheck.NOT_CONVERGED.value
        if self.may_be_infinite[j]:
            return CoxFitCheck.MONOTONE_LIKELIHOOD.value
        return None


def _design(
    frame: pd.DataFrame, covariates: Sequence[str]
) -> tuple[FloatArray, list[str], dict[str, list[int]]]:
    """Numeric covariates as they are; categorical ones as R treatment contrasts (name + level);
    with the columns of each covariate (R's ``assign``)."""
    blocks: list[FloatArray] = []
    names: list[str] = []
    terms: dict[str, list[int]] = {}
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


def _strata_codes(data: pd.DataFrame, strata: str | Sequence[str] | None) -> IntArray:
    """Each row's stratum number, strata in sorted order (R ``strata()``); missing values in a
    stratum column are an error (never a dropped row)."""
    if strata is None:
        return np.zeros(len(data), dtype=np.intp)
    columns = [strata] if isinstance(strata, str) else list(strata)
    for column in columns:
        if column not in data:
            raise ValueError(f"strata: column {column!r} not in the data")
        missing = data[column].isna().to_numpy()
        if missing.any():
            rows = np.flatnonzero(missing)[:10].tolist()
            raise ValueError(f"strata {column!r}: missing values at rows {rows}")
    keys = data[columns]
    codes: IntArray = keys.groupby(columns, sort=True, observed=True).ngroup().to_numpy()
    return codes


def _scale(x: FloatArray, w: FloatArray) -> FloatArray:
    """R coxfit6's covariate scaling: Σw / Σ w·|x − weighted mean| (1 for a constant column)."""
    total = w.sum()
    spread = np.array(
        [
            np.einsum("i,i->", w, np.abs(column - np.einsum("i,i->", w, column) / total))
            for column in x.T
        ]
    )
    scale: FloatArray = np.where(spread > 0, total / np.where(spread > 0, spread, 1.0), 1.0)
    return scale


def _evaluate(parts: list[CoxStratum], beta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
    """Log partial likelihood, score and information summed over the strata."""
    p = beta.size
    loglik, score, info = 0.0, np.zeros(p), np.zeros((p, p))
    for part in parts:
        at = part.terms(beta)
        loglik, score, info = loglik + at.loglik, score + at.score, info + at.info
    return loglik, score, info


def _summary(
    coef: FloatArray,
    variance: FloatArray,
    naive: FloatArray,
    names: list[str],
    conf_level: float,
    robust: bool,
    singular: np.ndarray,
) -> pd.DataFrame:
    """One row per coefficient: coef, se (naive_se when robust), hr with Wald limits, z, p;
    NaN throughout for a singular (aliased) coefficient, as R's NA."""
    se = np.where(singular, np.nan, np.sqrt(np.diag(variance)))
    z = coef / se
    q = norm.ppf(1 - (1 - conf_level) / 2)
    with np.errstate(over="ignore"):  # a sparse subgroup can have an unbounded upper limit
        limits = np.exp(coef - q * se), np.exp(coef + q * se)
    summary = pd.DataFrame(
        {
            "coef": coef,
            "se": se,
            "hr": np.exp(coef),
            "hr_lower": limits[0],
            "hr_upper": limits[1],
            "z": z,
            "p_value": 2 * norm.sf(np.abs(z)),
        },
        index=pd.Index(names, name="covariate"),
    )
    if robust:
        summary.insert(2, "naive_se", np.where(singular, np.nan, np.sqrt(np.diag(naive))))
    return summary


def _chi2_test(statistic: float, df: int, method: str) -> TestResult:
    return TestResult(
        statistic=statistic, df=df, p_value=float(chi2.sf(statistic, df)), method=method
    )


def _robust_variance(
    model: CoxData,
    coef: FloatArray,
    naive: FloatArray,
    cluster: ArrayLike | None,
) -> FloatArray:
    """The sandwich variance D'D from the dfbeta residuals, summed within clusters."""
    residual = np.zeros((model.stop.size, coef.size))
    for rows, part in zip(model.groups, model.parts, strict=True):
        residual[rows] = part.score_residuals(coef)
    dfbeta = residual @ naive
    if cluster is not None:
        _, codes = np.unique(np.asarray(cluster), return_inverse=True)
        dfbeta = np.stack(
            [np.bincount(codes, weights=dfbeta[:, j]) for j in range(coef.size)], axis=1
        )
    variance: FloatArray = dfbeta.T @ dfbeta
    return variance


def cox_ph(
    frame: FrameLike,
    duration: str,
    event: str,
    covariates: str | Sequence[str],
    ties: str = "efron",
    strata: str | Sequence[str] | None = None,
    weights: str | ArrayLike | None = None,
    robust: bool = False,
    cluster: str | ArrayLike | None = None,
    entry: str | None = None,
    conf_level: float = 0.95,
    *,
    max_iter: int = MAX_ITER,
    timefix: bool = True,
) -> CoxPH:
    """Fit a Cox PH model (R ``coxph(Surv(duration, event) ~ covariates + strata(...))``).

    ``entry`` names the start column of counting-process data (R ``Surv(entry, duration, event)``);
    ``weights`` a column name or array of case weights; ``robust`` or ``cluster`` (a column name or
    array) give the sandwich variance (clustered by ``cluster``), used for SEs, CIs and the Wald test.
    ``max_iter``: R's ``iter.max`` (20). ``timefix``: exit (and entry) times equal within
    floating-point tolerance are one time, as R's default ``coxph.control(timefix = TRUE)``.

    Raises :class:`NotEstimableError` when nothing can be estimated (no observations, no events,
    every covariate constant or collinear); a fit that did not converge or whose likelihood is
    monotone is returned with ``converged`` / ``may_be_infinite`` and ``warnings`` set.
    """
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow', not {ties!r}")
    data = as_frame(frame)
    names_in = [covariates] if isinstance(covariates, str) else list(covariates)
    stop = as_times(frame_column(data, duration, "duration"), duration)
    status = as_events(frame_column(data, event, "event"), stop.size, event)
    w = as_weights(frame_column(data, weights, "weights"), stop.size)
    start = None if entry is None else as_times(frame_column(data, entry, "entry"), entry)
    if start is not None and (start >= stop).any():
        rows = np.flatnonzero(start >= stop)[:10].tolist()
        raise ValueError(f"{entry}: start must be before {duration}; not at rows {rows}")
    if stop.size == 0:
        raise NotEstimableError("no observations")
    if not status.any():
        raise NotEstimableError("no events: a hazard ratio needs at least one event")
    x, names, terms = _design(data, names_in)
    x = x - x.mean(axis=0)
    layers = _strata_codes(data, strata)
    # one sort of the exit times serves R's timefix, the strata and every risk-set sum
    order = sort_order(stop)
    if timefix and start is None:
        stop = fix_sorted_times(stop, order)
    elif timefix:
        stop, start = fix_times(stop, start)
    bounds = [0, stop.size]
    if strata is not None:
        # a stable sort of 16-bit codes is a radix sort (4x faster than of 32-bit ones)
        narrow = np.int16 if int(layers.max()) < np.iinfo(np.int16).max else np.int64
        order = order[np.argsort(layers[order].astype(narrow), kind="stable")]
        bounds = [0, *(np.flatnonzero(np.diff(layers[order])) + 1).tolist(), stop.size]
    parts = []
    for low, high in itertools.pairwise(bounds):
        rows = order[low:high]
        parts.append(
            CoxStratum.build(
                rows,
                x[rows],
                w[rows],
                None if start is None else start[rows],
                stop[rows],
                status[rows],
                ties,
            )
        )
    model = CoxData(
        groups=[part.rows for part in parts],
        parts=parts,
        stop=stop,
        start=start,
        status=status,
        layers=layers,
    )
    fit = newton_raphson(
        lambda beta: _evaluate(parts, beta),
        _scale(x, w),
        names,
        lambda beta: float(np.max(x @ beta, initial=-np.inf)),
        max_iter=max_iter,
    )
    if fit.singular.all():
        raise NotEstimableError(
            "no covariate can be estimated: each is constant or collinear among the subjects"
        )
    naive = fit.variance
    use_robust = robust or cluster is not None
    variance = naive
    if use_robust:
        ids = None if cluster is None else frame_column(data, cluster, "cluster")
        variance = _robust_variance(model, np.where(fit.singular, 0.0, fit.coef), naive, ids)
    coef = fit.coef
    keep = ~fit.singular
    df = int(keep.sum())
    wald = float(coef[keep] @ np.linalg.solve(variance[np.ix_(keep, keep)], coef[keep]))
    method = f"Cox PH, {ties.capitalize()} ties" + (", stratified" if strata is not None else "")
    method += ", counting process (start, stop]" if entry is not None else ""
    method += ", robust (sandwich) variance" if use_robust else ""
    return CoxPH(
        coef=coef,
        variance=variance,
        naive_variance=naive,
        names=names,
        loglik=(fit.loglik_null, fit.loglik),
        lr_test=_chi2_test(2 * (fit.loglik - fit.loglik_null), df, "likelihood ratio"),
        wald_test=_chi2_test(wald, df, "Wald" + (" (robust)" if use_robust else "")),
        score_test=_chi2_test(fit.score_test, df, "score (log-rank)"),
        n=stop.size,
        n_events=int(status.sum()),
        iterations=fit.iterations,
        conf_level=conf_level,
        ties=ties,
        robust=use_robust,
        method=method,
        converged=fit.converged,
        may_be_infinite=fit.may_be_infinite,
        singular=fit.singular,
        warnings=fit.warnings,
        summary=_summary(coef, variance, naive, names, conf_level, use_robust, fit.singular),
        terms=terms,
        model=model,
    )
