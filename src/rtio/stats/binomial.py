"""Confidence intervals for a proportion k / n.

"exact" is Clopper–Pearson from beta quantiles (R ``binom.test``), "wilson" the score interval
without continuity correction (R ``prop.test(correct = FALSE)``), "jeffreys" the equal-tailed
Beta(k + 1/2, n − k + 1/2) interval with the limits set to 0 at k = 0 and 1 at k = n
(Brown, Cai & DasGupta 2001).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import beta, norm

from rtio.stats.estimate import NotEstimableError

METHODS = ("exact", "wilson", "jeffreys")


def binomial_ci(
    k: int, n: int, conf_level: float = 0.95, method: str = "exact"
) -> tuple[float, float]:
    """(lower, upper) confidence limits of the proportion k / n."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    if n == 0:
        raise NotEstimableError("n = 0: no subjects to estimate a proportion from")
    if int(n) != n or n < 0:
        raise ValueError(f"n: must be a positive whole number, not {n}")
    if int(k) != k or not 0 <= k <= n:
        raise ValueError(f"k: must be a whole number between 0 and n = {n}, not {k}")
    if not 0 < conf_level < 1:
        raise ValueError(f"conf_level must lie in (0, 1), not {conf_level}")
    alpha = 1 - conf_level
    if method == "exact":
        lower = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k, n - k + 1))
        upper = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 1, n - k))
        return lower, upper
    if method == "jeffreys":
        lower = 0.0 if k == 0 else float(beta.ppf(alpha / 2, k + 0.5, n - k + 0.5))
        upper = 1.0 if k == n else float(beta.ppf(1 - alpha / 2, k + 0.5, n - k + 0.5))
        return lower, upper
    z = norm.ppf(1 - alpha / 2)
    p = k / n
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    return float(max(centre - half, 0.0)), float(min(centre + half, 1.0))
