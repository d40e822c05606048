"""Tests of a single arm's survival against a historical control median.

The null hypothesis is the control's survival distribution: exponential with the historical
median (or Weibull with a given shape). Both tests compare observed events O with the expected
number E = Σ Λ₀(tᵢ) under the control; a one-sided alternative is improvement (fewer events).

* :func:`one_sample_logrank` — Finkelstein, Muzikansky & Schoenfeld (2003): Z = (E − O)/√E; with
  ``variance="wu"`` Wu (2015)'s Z = (E − O)/√((O + E)/2), better calibrated in small samples.
  The squared statistic equals R's ``survdiff(Surv(time, event) ~ offset(E))``.
* :func:`exponential_test` — exponential maximum likelihood: λ̂ = O / Σtᵢ, Wald test of
  log(λ̂/λ₀) with variance 1/O (R ``survreg(..., dist = "exponential")``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from rtio.stats.estimate import Estimate, NotEstimableError
from rtio.stats.inputs import ArrayLike, FloatArray, as_events, as_times


@dataclass(frozen=True, kw_only=True)
class OneSampleTest:
    """Observed vs expected events under the historical control, a Z statistic and its p-value."""

    observed: float
    expected: float
    statistic: float
    p_value: float
    sided: int
    method: str
    median: Estimate | None = None


def expected_events(time: ArrayLike, median_control: float, shape: float = 1.0) -> FloatArray:
    """Λ₀(tᵢ) per subject under a Weibull control with the given median (shape 1: exponential)."""
    if median_control <= 0 or shape <= 0:
        raise ValueError("median_control and shape must be positive")
    t = as_times(time)
    scale = median_control / np.log(2) ** (1 / shape)
    expected: FloatArray = (t / scale) ** shape
    return expected


def _p_value(z: float, sided: int) -> float:
    if sided == 1:
        return float(norm.sf(z))
    if sided == 2:
        return float(2 * norm.sf(abs(z)))
    raise ValueError(f"sided must be 1 or 2, not {sided}")


def one_sample_logrank(
    time: ArrayLike,
    event: ArrayLike,
    median_control: float,
    shape: float = 1.0,
    variance: str = "finkelstein",
    sided: int = 1,
) -> OneSampleTest:
    """One-sample log-rank test of improvement over a historical control median."""
    t = as_times(time)
    observed = float(as_events(event, t.size).sum())
    expected = float(expected_events(t, median_control, shape).sum())
    if variance == "finkelstein":
        z = (expected - observed) / np.sqrt(expected)
        label = "one-sample log-rank (Finkelstein 2003)"
    elif variance == "wu":
        z = (expected - observed) / np.sqrt((observed + expected) / 2)
        label = "one-sample log-rank (Wu 2015 variance)"
    else:
        raise ValueError(f"variance must be 'finkelstein' or 'wu', not {variance!r}")
    return OneSampleTest(
        observed=observed,
        expected=expected,
        statistic=float(z),
        p_value=_p_value(z, sided),
        sided=sided,
        method=label,
    )


def exponential_test(
    time: ArrayLike,
    event: ArrayLike,
    median_control: float,
    sided: int = 1,
    conf_level: float = 0.95,
) -> OneSampleTest:
    """Exponential MLE test of the hazard against ln 2 / median_control; also the fitted median."""
    t = as_times(time)
    observed = float(as_events(event, t.size).sum())
    if observed == 0:
        raise NotEstimableError("no events: the exponential hazard cannot be estimated")
    exposure = float(t.sum())
    rate = observed / exposure
    rate0 = np.log(2) / median_control
    z = float(np.log(rate0 / rate) * np.sqrt(observed))
    q = norm.ppf(1 - (1 - conf_level) / 2)
    median = Estimate(
        value=float(np.log(2) / rate),
        lower=float(np.log(2) / (rate * np.exp(q / np.sqrt(observed)))),
        upper=float(np.log(2) / (rate * np.exp(-q / np.sqrt(observed)))),
        conf_level=conf_level,
        method="exponential MLE, Wald CI on the log hazard",
    )
    return OneSampleTest(
        observed=observed,
        expected=rate0 * exposure,
        statistic=z,
        p_value=_p_value(z, sided),
        sided=sided,
        method="exponential MLE Wald test (log hazard)",
        median=median,
    )
