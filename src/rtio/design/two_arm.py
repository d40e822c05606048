"""Two-arm time-to-event designs: superiority or non-inferiority on the hazard-ratio scale.

Events by Schoenfeld (1981) — D = (z_{1−α} + z_{1−β})² (1+r)² / (r [ln HR₁ − ln HR₀]²), the only
formula valid for a margin HR₀ ≠ 1 — or Freedman (1982) for superiority; a group-sequential design
multiplies D by its inflation factor. Patients follow rpact: N = D / P̄, with P̄ the allocation-
weighted probability of an observed event by the final analysis under uniform accrual, exponential
hazards and exponential dropout (a proportion lost by a given time). r = n_experimental / n_control.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from rtio.design.accrual import dropout_hazard, event_probability, hazard_from_median
from rtio.design.group_sequential import group_sequential

METHODS = ("schoenfeld", "freedman")
SPENDING_NAMES = {"obf": "obf", "asOF": "obf", "pocock": "pocock", "asP": "pocock"}


@dataclass(frozen=True)
class TwoArmDesign:
    """Events, patients and boundaries of a two-arm time-to-event design (fields as rpact)."""

    events: float
    patients: float
    events_per_look: np.ndarray
    boundaries: pd.DataFrame
    hazard_ratio: float
    margin: float | None
    allocation_ratio: float
    event_probability: float
    inflation: float
    method: str


def _events(alpha: float, power: float, hr1: float, hr0: float, ratio: float, method: str) -> float:
    z = norm.ppf(1 - alpha) + norm.ppf(power)
    if method == "schoenfeld":
        return z**2 * (1 + ratio) ** 2 / (ratio * (np.log(hr1) - np.log(hr0)) ** 2)
    if method == "freedman":
        if hr0 != 1:
            raise ValueError(
                "Freedman's formula is for superiority only (margin=None); use method='schoenfeld'"
            )
        return z**2 * (1 + ratio * hr1) ** 2 / (ratio * (1 - hr1) ** 2)
    raise ValueError(f"method must be one of {METHODS}, not {method!r}")


def two_arm_survival(
    median_control: float,
    median_treatment: float | None = None,
    alpha: float = 0.025,
    sided: int = 1,
    power: float = 0.8,
    accrual_months: float = 24,
    follow_up_months: float = 12,
    dropout_rate: float = 0.0,
    dropout_months: float = 12,
    allocation_ratio: float = 1,
    margin: float | None = None,
    looks: int = 1,
    spending: str = "obf",
    hazard_ratio: float | None = None,
    method: str = "schoenfeld",
) -> TwoArmDesign:
    """Events and patients for a log-rank / Cox comparison (rpact ``getSampleSizeSurvival``).

    ``hazard_ratio`` (experimental / control) may replace ``median_treatment``. ``margin``: a
    hazard-ratio non-inferiority margin (H0: HR ≥ margin). ``alpha`` is one-sided; ``sided=2`` halves
    it. ``looks`` equally spaced analyses with Lan–DeMets ``spending`` ("obf" or "pocock").
    """
    if hazard_ratio is not None and median_treatment is None:
        hr1 = hazard_ratio
    elif median_treatment is not None and hazard_ratio is None:
        hr1 = median_control / median_treatment
    else:
        raise ValueError("give exactly one of median_treatment and hazard_ratio")
    if sided not in (1, 2):
        raise ValueError(f"sided must be 1 or 2, not {sided}")
    one_sided = alpha / 2 if sided == 2 else alpha
    hr0 = 1.0 if margin is None else margin
    if margin is None and hr1 >= 1:
        raise ValueError("superiority needs a hazard ratio below 1 (experimental better)")
    if margin is not None and hr1 >= margin:
        raise ValueError(
            f"non-inferiority needs the expected hazard ratio {hr1:g} below the margin {margin:g}"
        )
    design = group_sequential(looks, one_sided, power, SPENDING_NAMES.get(spending, spending))
    events = _events(one_sided, power, hr1, hr0, allocation_ratio, method) * design.inflation
    lam_c = hazard_from_median(median_control)
    eta = dropout_hazard(dropout_rate, dropout_months)
    share_e = allocation_ratio / (1 + allocation_ratio)
    p_bar = (1 - share_e) * event_probability(
        lam_c, accrual_months, follow_up_months, eta
    ) + share_e * event_probability(lam_c * hr1, accrual_months, follow_up_months, eta)
    per_look = design.fractions * events
    scale = (1 + allocation_ratio) / np.sqrt(allocation_ratio * per_look)
    boundaries = pd.DataFrame(
        {
            "look": np.arange(1, looks + 1),
            "information_fraction": design.fractions,
            "events": per_look,
            "z": design.z_bounds,
            "hazard_ratio": hr0 * np.exp(-design.z_bounds * scale),
            "alpha_spent": design.alpha_spent,
        }
    )
    return TwoArmDesign(
        events=float(events),
        patients=float(events / p_bar),
        events_per_look=per_look,
        boundaries=boundaries,
        hazard_ratio=float(hr1),
        margin=margin,
        allocation_ratio=allocation_ratio,
        event_probability=float(p_bar),
        inflation=design.inflation,
        method=f"{method.capitalize()} events; N = events / P(event) under uniform accrual, exponential hazards and dropout",
    )
