"""Median follow-up by the reverse Kaplan–Meier method (Schemper & Smith 1996)."""

from __future__ import annotations

from rtio.stats.estimate import Estimate
from rtio.stats.inputs import ArrayLike, as_events, as_times
from rtio.stats.kaplan_meier import kaplan_meier


def median_follow_up(
    time: ArrayLike, event: ArrayLike, conf_level: float = 0.95, *, timefix: bool = True
) -> Estimate:
    """Median potential follow-up: KM of the censoring times (R ``survfit(Surv(time, 1 - event) ~ 1)``)."""
    t = as_times(time)
    e = as_events(event, t.size)
    estimate = kaplan_meier(t, 1 - e, conf_level=conf_level, timefix=timefix).median()
    return Estimate(
        value=estimate.value,
        lower=estimate.lower,
        upper=estimate.upper,
        conf_level=conf_level,
        method="reverse Kaplan–Meier (censoring as the event)",
    )
