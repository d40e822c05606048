"""The typed, JSON-serialisable results of a study analysis.

Every number carries what it was computed on (population, n) and how (method), so that a report
can state its methods from what actually ran and a reader can check each figure.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from rtio.vocabulary import DAYS_PER_MONTH


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Proportion(_Result):
    label: str
    population: str
    k: int
    n: int
    rate: float | None
    lower: float | None
    upper: float | None
    conf_level: float = 0.95
    method: str = "exact (Clopper–Pearson)"


class Interval(_Result):
    value: float | None
    lower: float | None
    upper: float | None
    unit: str = "months"
    method: str = ""


class RateAt(_Result):
    months: float
    survival: float | None
    lower: float | None
    upper: float | None
    n_risk: int


class CurvePoint(_Result):
    months: float
    survival: float
    lower: float | None
    upper: float | None
    n_risk: float
    n_event: float
    n_censor: float


class SurvivalResult(_Result):
    endpoint: str
    population: str
    group: str | None = None
    n: int
    events: int
    median: Interval
    rates: list[RateAt]
    curve: list[CurvePoint]
    method: str


class GroupComparison(_Result):
    """Two or more KM curves with a log-rank test (and a Cox HR where two groups)."""

    title: str
    endpoint: str
    population: str
    curves: list[SurvivalResult]
    logrank_chisq: float
    logrank_df: int
    logrank_p: float
    hazard_ratio: Interval | None = None
    ph_test_chisq: float | None = None
    ph_test_p: float | None = None
    stratified_hazard_ratio: Interval | None = None
    stratified_logrank_chisq: float | None = None
    stratified_logrank_p: float | None = None
    note: str | None = None


class CountRow(_Result):
    category: str
    n: int
    pct: float


class BaselineRow(_Result):
    characteristic: str
    category: str
    text: str


class ResponseBlock(_Result):
    population: str
    reading: str
    distribution: list[CountRow]
    orr: Proportion
    dcr: Proportion


class AETable(_Result):
    title: str
    population: str
    denominator: int
    filter: str | None
    rows: list[dict[str, Any]]


class BiomarkerTest(_Result):
    biomarker: str
    timepoint: str
    n_responders: int
    n_stable: int
    median_responders: float | None
    median_stable: float | None
    statistic: float
    p_value: float
    method: str


class HistoricalComparison(_Result):
    endpoint: str
    population: str
    median_control_months: float
    observed: float
    expected: float
    statistic: float
    p_value: float
    sided: int
    method: str
    exponential_median: Interval | None = None


class ForestRow(_Result):
    subgroup: str
    level: str
    n: int
    events: int
    hr: float | None
    lower: float | None
    upper: float | None


class Meta(_Result):
    study: str
    protocol_id: str
    protocol_title: str
    design: str
    rtio_version: str
    generated: str
    input_sha256: str
    data_cutoff: str | None
    synthetic: bool
    software: dict[str, str]
    months: str = f"months = days / {DAYS_PER_MONTH}"


class Results(_Result):
    """Everything ``rtio analyse`` computed; sections that could not be computed say why."""

    meta: Meta
    populations: dict[str, int]
    disposition: dict[str, Any] = Field(default_factory=dict)
    baseline: list[BaselineRow] = Field(default_factory=list)
    response: list[ResponseBlock] = Field(default_factory=list)
    survival: list[SurvivalResult] = Field(default_factory=list)
    follow_up: Interval | None = None
    follow_up_range: tuple[float, float] | None = None
    duration_of_response: Interval | None = None
    duration_of_response_iqr: tuple[float | None, float | None] | None = None
    historical_control: list[HistoricalComparison] = Field(default_factory=list)
    safety: list[AETable] = Field(default_factory=list)
    biomarker_tests: list[BiomarkerTest] = Field(default_factory=list)
    biomarker_survival: list[GroupComparison] = Field(default_factory=list)
    comparisons: list[GroupComparison] = Field(default_factory=list)
    forest: list[ForestRow] = Field(default_factory=list)
    non_inferiority: str | None = None
    cohort: dict[str, Any] = Field(default_factory=dict)
    rt_lesions: dict[str, Any] = Field(default_factory=dict)
    figures_data: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    not_available: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    methods: list[str] = Field(default_factory=list)
