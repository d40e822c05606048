"""Small result types shared by the statistics."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its confidence interval; NaN where R reports NA (not reached)."""

    value: float
    lower: float
    upper: float
    conf_level: float = 0.95
    method: str = ""


@dataclass(frozen=True)
class TestResult:
    """A test statistic with its degrees of freedom and p-value."""

    statistic: float
    df: float
    p_value: float
    method: str = ""
