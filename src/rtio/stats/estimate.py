"""Small result types shared by the statistics."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Estimate:
    """A point estimate with its confidence interval; NaN where R reports NA (not reached)."""

    value: float
    lower: float
    upper: float
    conf_level: float = 0.95
    method: str = ""


@dataclass(frozen=True, kw_only=True)
class TestResult:
    """A test statistic with its degrees of freedom and p-value."""

    statistic: float
    df: float
    p_value: float
    method: str = ""


class NotEstimableError(ValueError):
    """A statistic that the data cannot support (one group, no events, a singular information
    matrix, ...). ``reason`` is a short phrase for a reader ("no events in either group"); callers
    report "not estimable (reason)" instead of a number."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)
