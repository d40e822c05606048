"""Probability that a patient's event is observed by the analysis, under uniform accrual.

Uniform accrual over [0, A], analysis at A + F, exponential event hazard λ and exponential
dropout hazard η (rpact's convention: a proportion p lost by time t gives η = −ln(1 − p)/t):

    P(event) = λ/(λ+η) · [1 − (e^{−(λ+η)F} − e^{−(λ+η)(A+F)}) / ((λ+η)·A)]
"""

from __future__ import annotations

import numpy as np

LN2 = np.log(2)


def hazard_from_median(median: float) -> float:
    """Exponential hazard (per month) of a median survival (months)."""
    if median <= 0:
        raise ValueError(f"median must be positive, not {median}")
    return LN2 / median


def dropout_hazard(rate: float, months: float) -> float:
    """Exponential dropout hazard with ``rate`` lost by ``months`` (rpact's dropoutRate / dropoutTime)."""
    if not 0 <= rate < 1:
        raise ValueError(f"dropout rate must lie in [0, 1), not {rate}")
    return -np.log(1 - rate) / months if rate > 0 else 0.0


def event_probability(
    hazard: float, accrual_months: float, follow_up_months: float, dropout: float = 0.0
) -> float:
    """P(event observed by the analysis at accrual + follow-up), uniform accrual (see module doc)."""
    if accrual_months < 0 or follow_up_months < 0:
        raise ValueError("accrual and follow-up must be non-negative")
    total = hazard + dropout
    share = hazard / total
    if accrual_months == 0:
        return share * (1 - np.exp(-total * follow_up_months))
    tail = (
        np.exp(-total * follow_up_months) - np.exp(-total * (accrual_months + follow_up_months))
    ) / (total * accrual_months)
    return share * (1 - tail)
