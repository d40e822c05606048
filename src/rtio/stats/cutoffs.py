"""Percentile cut-offs for high/low biomarker groups (seed 004 Methods: 30th percentile)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rtio.stats.estimate import NotEstimableError
from rtio.stats.inputs import ArrayLike, as_array


@dataclass(frozen=True, kw_only=True)
class Cutoff:
    """The cut-off value and the label of each input value ("high" where value >= cut-off)."""

    cutoff: float
    q: float
    labels: np.ndarray
    method: str


def percentile_cutoff(values: ArrayLike, q: float = 0.30) -> Cutoff:
    """Split values at their ``q`` quantile: R's default ``quantile`` (type 7); ≥ cut-off is "high"."""
    if not 0 <= q <= 1:
        raise ValueError(f"q must lie in [0, 1], not {q}")
    x = as_array(values, "values").astype(float)
    if x.size == 0:
        raise NotEstimableError("values: empty; a percentile needs at least one value")
    if np.isnan(x).any():
        raise ValueError("values: missing values; drop missing values explicitly first")
    cutoff = float(np.quantile(x, q, method="linear"))
    labels = np.where(x >= cutoff, "high", "low")
    return Cutoff(
        cutoff=cutoff,
        q=q,
        labels=labels,
        method=f"{q:.0%} percentile (R quantile type 7); values >= cut-off are high",
    )
