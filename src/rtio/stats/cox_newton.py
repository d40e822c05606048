"""R coxph's Newton–Raphson iterations and the checks R makes on their outcome (``coxph.fit``).

The path is R's (survival 3.5, ``coxfit6`` / ``agfit4``): start at β = 0; each step solves the
information against the score by a Cholesky decomposition that sets to zero the pivots below
``toler_chol`` x the largest diagonal (columns that are linear combinations of earlier ones: R's
``NA`` coefficients); a step that lowers the log likelihood (or gives a non-finite one) is pulled
back towards the last good β by (new + k·old) / (k + 1), k the number of successive failures;
the fit has converged when |1 − ℓ_old / ℓ_new| <= eps. Covariates are scaled as R scales them
(by the inverse of their weighted mean absolute deviation) for the singularity decision.

After the iterations, as ``coxph.fit``: if the iteration limit was reached, "Ran out of
iterations and did not converge" (plus "one or more coefficients may be infinite" where the
linear predictor exceeds 500 or the last step is not finite); otherwise a coefficient whose last
Newton step |u V| is above eps and above sqrt(eps)·|β| is flagged "Loglik converged before
variable k; coefficient may be infinite" (monotone likelihood).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from rtio.stats.inputs import FloatArray

__all__ = ["EPS", "MAX_ITER", "TOLER_CHOL", "NewtonPath", "newton_raphson"]

EPS = 1e-9
"""R ``coxph.control(eps = 1e-9)``: convergence on the relative change of the log likelihood."""
MAX_ITER = 20
"""R ``coxph.control(iter.max = 20)``."""
TOLER_CHOL = float(np.finfo(float).eps ** 0.75)
"""R ``coxph.control(toler.chol = .Machine$double.eps^0.75)``."""
TOLER_INF = float(np.sqrt(EPS))
"""R ``coxph.control(toler.inf = sqrt(eps))``."""

Evaluate = Callable[[FloatArray], tuple[float, FloatArray, FloatArray]]
"""β -> (log partial likelihood, score, information)."""


@dataclass(frozen=True, kw_only=True)
class NewtonPath:
    """Where the iterations ended. ``info`` / ``score`` are at ``coef``; ``variance`` is the
    inverse information with zero rows and columns for ``singular`` coefficients (NaN in
    ``coef``); ``iterations`` counts as R's ``fit$iter`` (the limit + 1 when it ran out)."""

    coef: FloatArray
    loglik_null: float
    loglik: float
    score_test: float
    score: FloatArray
    info: FloatArray
    variance: FloatArray
    iterations: int
    converged: bool
    singular: np.ndarray
    may_be_infinite: np.ndarray
    warnings: tuple[str, ...]


def _pivots(matrix: FloatArray, toler: float) -> np.ndarray:
    """Which pivots of a symmetric matrix's LDLᵀ decomposition are kept (R ``cholesky2``): a
    pivot below toler x the largest diagonal (or not finite) is set to zero and its column
    left out of the elimination."""
    work = np.array(matrix, dtype=float)
    p = work.shape[0]
    largest = float(np.max(np.diag(work), initial=0.0))
    limit = toler * largest if largest > 0 else toler
    kept = np.zeros(p, dtype=bool)
    for i in range(p):
        pivot = work[i, i]
        if not np.isfinite(pivot) or pivot < limit:
            continue
        kept[i] = True
        ratio = work[i + 1 :, i] / pivot
        work[i + 1 :, i + 1 :] -= np.outer(ratio, work[i, i + 1 :])
    return kept


def _solve(matrix: FloatArray, kept: np.ndarray, vector: FloatArray) -> FloatArray:
    """matrix⁻¹ vector over the kept columns, 0 for the others (R ``chsolve2``)."""
    out = np.zeros(vector.size)
    if kept.any():
        out[kept] = np.linalg.solve(matrix[np.ix_(kept, kept)], vector[kept])
    return out


def _inverse(matrix: FloatArray, kept: np.ndarray) -> FloatArray:
    """The inverse over the kept columns, zero rows and columns for the others (R ``chinv2``)."""
    out = np.zeros_like(matrix, dtype=float)
    if kept.any():
        out[np.ix_(kept, kept)] = np.linalg.inv(matrix[np.ix_(kept, kept)])
    return out


def _finite(loglik: float, score: FloatArray, info: FloatArray) -> bool:
    return bool(np.isfinite(loglik) and np.isfinite(score).all() and np.isfinite(info).all())


def newton_raphson(
    evaluate: Evaluate,
    scale: FloatArray,
    names: list[str],
    max_linear_predictor: Callable[[FloatArray], float],
    *,
    max_iter: int = MAX_ITER,
    eps: float = EPS,
) -> NewtonPath:
    """Maximise the partial likelihood along R's path; ``scale`` is R's covariate scaling (used
    for the singularity decision: pivots of the scaled information), ``names`` label the
    warnings, ``max_linear_predictor(β)`` is max xβ for R's overflow check."""
    p = scale.size
    d = np.outer(scale, scale)

    def pivots(info: FloatArray) -> np.ndarray:
        return _pivots(info * d, TOLER_CHOL)

    beta = np.zeros(p)
    loglik0, score0, info0 = evaluate(beta)
    kept = pivots(info0)
    step = _solve(info0, kept, score0)
    score_test = float(score0 @ step)
    loglik, score, info = loglik0, score0, info0
    if max_iter == 0 or not np.isfinite(loglik0) or not kept.any():
        return _finish(beta, loglik0, loglik0, score_test, score0, info0, kept, 0, True, names)
    candidate = beta + step
    halving = 0
    for iteration in range(1, max_iter + 1):
        new_ll, new_score, new_info = evaluate(candidate)
        kept = pivots(new_info)
        finite = _finite(new_ll, new_score, new_info)
        with np.errstate(divide="ignore", invalid="ignore"):
            change = abs(1 - np.float64(loglik) / np.float64(new_ll))  # NaN / inf as R's C
        if finite and change <= eps:
            path = _finish(
                candidate, loglik0, new_ll, score_test, new_score, new_info, kept, iteration,
                True, names,
            )  # fmt: skip
            return _infinite_check(path, eps, names)
        if not finite or new_ll < loglik:
            halving += 1
            candidate = (candidate + halving * beta) / (halving + 1)
        else:
            halving = 0
            loglik, score, info = new_ll, new_score, new_info
            beta = candidate
            candidate = candidate + _solve(new_info, kept, new_score)
    loglik, score, info = evaluate(beta)
    kept = pivots(info)
    path = _finish(beta, loglik0, loglik, score_test, score, info, kept, max_iter + 1, False, names)
    warnings = ["Ran out of iterations and did not converge"]
    infs = np.abs(score @ path.variance)
    flagged = path.may_be_infinite
    if max_linear_predictor(path.coef) > 500 or not np.isfinite(infs).all():
        warnings.append("one or more coefficients may be infinite")
        flagged = ~path.singular
    return replace(path, warnings=tuple(warnings) + path.warnings, may_be_infinite=flagged)


def _finish(
    coef: FloatArray,
    loglik0: float,
    loglik: float,
    score_test: float,
    score: FloatArray,
    info: FloatArray,
    kept: np.ndarray,
    iterations: int,
    converged: bool,
    names: list[str],
) -> NewtonPath:
    singular = ~kept
    notes = tuple(
        f"X matrix deemed to be singular; variable {j + 1} ({names[j]}) is a linear "
        "combination of the others: coefficient not estimable"
        for j in np.flatnonzero(singular)
    )
    return NewtonPath(
        coef=np.where(singular, np.nan, coef),
        loglik_null=loglik0,
        loglik=loglik,
        score_test=score_test,
        score=score,
        info=info,
        variance=_inverse(info, kept),
        iterations=iterations,
        converged=converged,
        singular=singular,
        may_be_infinite=np.zeros(coef.size, dtype=bool),
        warnings=notes,
    )


def _infinite_check(path: NewtonPath, eps: float, names: list[str]) -> NewtonPath:
    """R coxph.fit: after convergence, a coefficient whose last Newton step is still large
    relative to it may be infinite (the log likelihood flattened before it stopped growing)."""
    infs = np.abs(path.score @ path.variance)
    coef = np.where(path.singular, 0.0, path.coef)
    with np.errstate(invalid="ignore"):
        flagged = ~np.isfinite(path.score) | ((infs > eps) & (infs > TOLER_INF * np.abs(coef)))
    flagged &= ~path.singular
    if not flagged.any():
        return path
    which = ", ".join(f"{j + 1} ({names[j]})" for j in np.flatnonzero(flagged))
    warning = f"Loglik converged before variable {which}; coefficient may be infinite"
    return replace(path, warnings=(warning, *path.warnings), may_be_infinite=flagged)
