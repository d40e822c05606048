"""Single-arm time-to-event designs against a historical control median (seeds 000 and 004).

Methods (exponential survival, uniform accrual over A months, follow-up F months after the last
patient; P₀, P₁ = probability of an observed event under the control and target medians):

* ``"lachin"`` (default) — one-sample test on the hazard scale with Lachin's (1981) variance
  function φ(λ) = λ²/P(event | λ) evaluated under H0 for the critical value and under H1 for power:
  n = (z_α λ₀/√P₀ + z_β λ₁/√P₁)² / (λ₀ − λ₁)², evaluable patients ⌈n⌉, events ⌈n⌉·P₁. With seed
  004's inputs (6.3 → 12 months, one-sided 0.05, 80 %, A = F = 12) this gives 25 evaluable patients,
  16 expected events and, with 20 % dropout, 32 patients — the seed's numbers.
* ``"exponential"`` — Wald test of the log hazard, d = (z_α + z_β)² / ln²(m₁/m₀) events; patients d/P₁.
* ``"epstein"`` — the exact χ² test (2λ₀Σt ~ χ²_{2d}): the smallest d with power ≥ 1 − β.
* ``"wu"`` — the one-sample log-rank test with Wu's (2015) variance (Weibull shape ``shape``):
  n = (√p₀ z_α + σ z_β)² / (p₁ − p₀)², σ² = p₁ − p₁² + 2p₀₀ − p₀² − 2p₀₁ + 2p₀p₁.

Dropout inflates the patients as N = n / (1 − dropout), as seed 004 does (DESIGN: dropout).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import quad
from scipy.stats import chi2, norm

from rtio.design.accrual import LN2, event_probability, hazard_from_median

METHODS = ("lachin", "exponential", "epstein", "wu")


@dataclass(frozen=True)
class SingleArmDesign:
    """Events expected under H1, evaluable and enrolled patients, and how they were obtained."""

    events: int
    patients: int
    evaluable: int
    exact_n: float
    event_probability_h1: float
    event_probability_h0: float
    method: str


def _z(alpha: float, sided: int, power: float) -> tuple[float, float]:
    if sided not in (1, 2):
        raise ValueError(f"sided must be 1 or 2, not {sided}")
    return norm.ppf(1 - alpha / sided), norm.ppf(power)


def _wu_n(
    median_control: float,
    median_target: float,
    accrual: float,
    follow_up: float,
    za: float,
    zb: float,
    shape: float,
) -> tuple[float, float]:
    """Wu (2015) one-sample log-rank sample size and P(event | H1) (Weibull with common shape, PH)."""
    delta = (median_control / median_target) ** shape
    cum0 = lambda t: LN2 * (t / median_control) ** shape  # noqa: E731
    haz0 = lambda t: shape * LN2 * t ** (shape - 1) / median_control**shape  # noqa: E731
    surv1 = lambda t: np.exp(-delta * cum0(t))  # noqa: E731
    end = accrual + follow_up
    censor = lambda t: 1.0 if t <= follow_up else (end - t) / accrual  # noqa: E731
    points = [follow_up]
    p0 = quad(lambda t: censor(t) * surv1(t) * haz0(t), 0, end, points=points)[0]
    p1 = quad(lambda t: censor(t) * surv1(t) * delta * haz0(t), 0, end, points=points)[0]
    p00 = quad(lambda t: censor(t) * surv1(t) * cum0(t) * haz0(t), 0, end, points=points)[0]
    p01 = delta * p00
    sigma2 = p1 - p1**2 + 2 * p00 - p0**2 - 2 * p01 + 2 * p0 * p1
    return (np.sqrt(p0) * za + np.sqrt(sigma2) * zb) ** 2 / (p1 - p0) ** 2, p1


def _epstein_events(hr: float, alpha: float, power: float) -> int:
    """Smallest d for which the exact χ² test of the exponential hazard has the power."""
    for d in range(1, 10_000):
        critical = chi2.ppf(1 - alpha, 2 * d)
        if chi2.sf(hr * critical, 2 * d) >= power:
            return d
    raise ValueError("no number of events below 10 000 reaches the power")


def single_arm_survival(
    median_control: float,
    median_target: float,
    alpha: float = 0.05,
    sided: int = 1,
    power: float = 0.8,
    accrual_months: float = 12,
    follow_up_months: float = 12,
    dropout: float = 0.0,
    method: str = "lachin",
    shape: float = 1.0,
) -> SingleArmDesign:
    """Patients and events to show an improvement of the median from control to target."""
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    if median_target <= median_control:
        raise ValueError("median_target must exceed median_control (an improvement)")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout must lie in [0, 1), not {dropout}")
    za, zb = _z(alpha, sided, power)
    lam0, lam1 = hazard_from_median(median_control), hazard_from_median(median_target)
    p0 = event_probability(lam0, accrual_months, follow_up_months)
    p1 = event_probability(lam1, accrual_months, follow_up_months)
    if method == "lachin":
        exact = (za * lam0 / np.sqrt(p0) + zb * lam1 / np.sqrt(p1)) ** 2 / (lam0 - lam1) ** 2
        label = "one-sample hazard test with Lachin's variance under H0 and H1"
    elif method == "exponential":
        exact = (za + zb) ** 2 / np.log(median_target / median_control) ** 2 / p1
        label = "exponential MLE (log-hazard Wald test)"
    elif method == "epstein":
        exact = _epstein_events(lam1 / lam0, alpha / sided, power) / p1
        label = "exact chi-square test of the exponential hazard (Epstein)"
    else:
        exact, p1 = _wu_n(
            median_control, median_target, accrual_months, follow_up_months, za, zb, shape
        )
        label = "one-sample log-rank test, Wu (2015) variance"
    evaluable = int(np.ceil(exact - 1e-9))
    return SingleArmDesign(
        events=round(evaluable * p1),
        patients=int(np.ceil(evaluable / (1 - dropout) - 1e-9)),
        evaluable=evaluable,
        exact_n=float(exact),
        event_probability_h1=float(p1),
        event_probability_h0=float(p0),
        method=label
        + "; uniform accrual, exponential survival; patients = evaluable / (1 − dropout)",
    )
