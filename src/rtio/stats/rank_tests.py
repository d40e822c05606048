"""Wilcoxon–Mann–Whitney rank-sum test as R ``wilcox.test(a, b)`` (R 4.2 rules).

R uses the exact distribution when both samples have fewer than 50 values and there are no ties,
otherwise the normal approximation with continuity correction and tie-corrected variance. scipy
implements both; this module only applies R's rule for choosing between them and reports R's W.
When every value of both samples is the same the variance is zero: R's two-sided p is NaN (0 / 0),
which this module reports as not estimable (p NaN with :data:`ALL_TIED` as the reason) where scipy
would print p = 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from scipy.stats import mannwhitneyu

from rtio.stats.estimate import NotEstimableError
from rtio.stats.inputs import ArrayLike, FloatArray, as_array

ALTERNATIVES = ("two-sided", "less", "greater")
ALL_TIED = "every value is the same: the rank test has no variance"
"""Why a two-sided test of samples whose values are all the same is not estimable."""


@dataclass(frozen=True, kw_only=True)
class MannWhitney:
    """R's W (the rank sum of ``a`` minus n_a(n_a + 1)/2), its p-value and which method gave it."""

    statistic: float
    p_value: float
    method: str
    n_a: int
    n_b: int
    not_estimable: str | None = None
    """Why the p-value cannot be computed (then ``p_value`` is NaN, as in R), or None."""


def _values(values: ArrayLike, name: str) -> FloatArray:
    array = as_array(values, name).astype(float)
    if np.isnan(array).any():
        raise ValueError(
            f"{name}: missing values at positions {np.flatnonzero(np.isnan(array))[:10].tolist()}"
        )
    if array.size == 0:
        raise NotEstimableError(f"{name}: empty sample")
    return array


def mann_whitney(a: ArrayLike, b: ArrayLike, alternative: str = "two-sided") -> MannWhitney:
    """Compare two independent samples (R ``wilcox.test(a, b, alternative)``)."""
    if alternative not in ALTERNATIVES:
        raise ValueError(f"alternative must be one of {ALTERNATIVES}, not {alternative!r}")
    x, y = _values(a, "a"), _values(b, "b")
    ties = np.unique(np.concatenate([x, y])).size < x.size + y.size
    exact = x.size < 50 and y.size < 50 and not ties
    test = cast(Any, mannwhitneyu)  # scipy's stubs type only literal alternatives
    result = test(
        x,
        y,
        alternative=alternative,
        use_continuity=True,
        method="exact" if exact else "asymptotic",
    )
    method = (
        "Wilcoxon rank sum exact test"
        if exact
        else "Wilcoxon rank sum test with continuity correction (normal approximation)"
    )
    no_variance = alternative == "two-sided" and np.unique(np.concatenate([x, y])).size == 1
    return MannWhitney(
        statistic=float(result.statistic),
        p_value=np.nan if no_variance else float(result.pvalue),
        method=method,
        n_a=x.size,
        n_b=y.size,
        not_estimable=ALL_TIED if no_variance else None,
    )
