"""The typed, JSON-serialisable results of a study analysis.

Every number carries what it was computed on (population, n) and how (method), so that a report
can state its methods from what actually ran and a reader can check each figure.
"""

from __future__ import annotations

import math
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field


def _finite_or_none(value: object) -> object:
    """NaN and infinities (a statistic that does not exist, e.g. a median not reached) → None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


Number = Annotated[float | None, BeforeValidator(_finite_or_none)]
"""A number that may be missing; NaN and ±inf are stored as None (null in JSON)."""


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Proportion(_Result):
    label: str
    population: str
    k: int
    n: int
    rate: Number
    lower: Number
    upper: Number
    conf_level: float = 0.95
    method: str = "exact (Clopper–Pearson)"


class Interval(_Result):
    value: Number
    lower: Number
    upper: Number
    unit: str = "months"
    method: str = ""


class RateAt(_Result):
    months: float
    survival: Number
    lower: Number
    upper: Number
    n_risk: int


class CurvePoint(_Result):
    months: float
    survival: float
    lower: Number
    upper: Number
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
    ph_test_chisq: Number = None
    ph_test_p: Number = None
    stratified_hazard_ratio: Interval | None = None
    stratified_logrank_chisq: Number = None
    stratified_logrank_p: Number = None
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


class AERow(_Result):
    """Patients by worst CTCAE grade for one term (counts and % of the denominator)."""

    term: str
    denominator: int
    grade_1: int
    grade_2: int
    grade_3: int
    grade_4: int
    grade_5: int
    any_grade: int
    grade_3_plus: int
    grade_1_pct: Number
    grade_2_pct: Number
    grade_3_pct: Number
    grade_4_pct: Number
    grade_5_pct: Number
    any_grade_pct: Number
    grade_3_plus_pct: Number


class AETable(_Result):
    title: str
    population: str
    denominator: int
    filter: str | None
    rows: list[AERow]


class BiomarkerTest(_Result):
    biomarker: str
    timepoint: str
    n_responders: int
    n_stable: int
    median_responders: Number
    median_stable: Number
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
    hr: Number
    lower: Number
    upper: Number


class Disposition(_Result):
    """The numbers of the CONSORT trial profile (screening log and treatment disposition)."""

    screened: int
    excluded: int
    excluded_by_reason: dict[str, int]
    pending: int
    enrolled: int
    discontinued_before_rt: int
    discontinued_before_rt_by_reason: dict[str, int]
    started_rt: int
    completed_rt: int
    completed_treatment: int


class CohortHazardRatio(_Result):
    """A Cox hazard ratio of a cohort exposure with who it was estimated from."""

    hr: Number
    lower: Number
    upper: Number
    p_value: Number
    n_subjects: int
    n_events: int
    method: str


class GroupMedian(_Result):
    """Kaplan–Meier median survival (months) of one exposure group."""

    group: str
    n: int
    events: int
    median_months: Number
    lower_months: Number
    upper_months: Number


class ExposureComparison(_Result):
    """An ever / never exposure compared naively, at landmarks (keys: days) and time-varying."""

    exposure: str
    starts_after_index: bool
    naive_medians: list[GroupMedian]
    naive_logrank_p: Number
    naive_hr: CohortHazardRatio
    landmarks: dict[str, CohortHazardRatio] = Field(default_factory=dict)
    landmark_medians: dict[str, list[GroupMedian]] = Field(default_factory=dict)
    time_varying_hr: CohortHazardRatio | None = None
    warning: str | None = None


class CategoricalComparison(_Result):
    """A graded exposure accruing after the index date (e.g. IO cycles), three ways."""

    exposure: str
    labels: list[str]
    naive_medians: list[GroupMedian]
    naive_logrank_p: Number
    landmark_medians: dict[str, list[GroupMedian]] = Field(default_factory=dict)
    landmark_logrank_p: dict[str, float] = Field(default_factory=dict)
    time_varying_hr: dict[str, CohortHazardRatio] = Field(default_factory=dict)
    warning: str | None = None


class BinaryEndpoint(_Result):
    """k / n with an exact CI (surgical and pathological endpoints of a cohort)."""

    endpoint: str
    k: int
    n: int
    n_unknown: int
    rate: Number
    lower: Number
    upper: Number
    ci_method: str


class DaysSummary(_Result):
    median: Number
    min: Number
    max: Number
    n: int


class CohortResults(_Result):
    """The cohort analyses of a retrospective protocol; a section is None when it did not apply."""

    local_rt: ExposureComparison | None = None
    io_cycles: CategoricalComparison | None = None
    neoadjuvant_endpoints: list[BinaryEndpoint] = Field(default_factory=list)
    rt_to_surgery_days: DaysSummary | None = None


class Abscopal(_Result):
    k: int
    n: int
    lower: Number
    upper: Number
    definition: str


class GrayTest(_Result):
    statistic: float
    p_value: float


class CompetingRisks(_Result):
    """Aalen–Johansen cumulative incidence of each competing first event at ``times_months``."""

    n: int
    times_months: list[float]
    incidence: dict[str, list[float]]
    events: dict[str, int]
    gray_test_by_arm: dict[str, GrayTest] | None = None


class RTLesions(_Result):
    """Irradiated vs non-irradiated lesions: abscopal responses and the field of first progression."""

    competing_risks: CompetingRisks | None = None
    abscopal: Abscopal
    progression_field: dict[str, int]


class WaterfallBar(_Result):
    subject_id: str
    best_pct_from_baseline: Number
    bor: str | None


class SpiderPoint(_Result):
    subject_id: str
    month: float
    pct_from_baseline: Number


class SwimmerLane(_Result):
    subject_id: str
    os_months: float
    dead: bool
    pd_months: Number
    response_months: Number
    bor: str


class BiomarkerValue(_Result):
    subject_id: str
    name: str
    timepoint: str
    value: float
    response: str


class FiguresData(_Result):
    """Per-patient data behind the waterfall, spider, swimmer and biomarker figures."""

    waterfall: list[WaterfallBar] = Field(default_factory=list)
    spider: list[SpiderPoint] = Field(default_factory=list)
    swimmer: list[SwimmerLane] = Field(default_factory=list)
    biomarkers: list[BiomarkerValue] = Field(default_factory=list)


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
    months: str = "months = days / 30.4375"


class Results(_Result):
    """Everything ``rtio analyse`` computed; sections that could not be computed say why."""

    meta: Meta
    populations: dict[str, int]
    disposition: Disposition | None = None
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
    cohort: CohortResults | None = None
    rt_lesions: RTLesions | None = None
    figures_data: FiguresData = Field(default_factory=FiguresData)
    not_available: dict[str, str] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    methods: list[str] = Field(default_factory=list)
