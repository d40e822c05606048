"""The typed, JSON-serialisable results of a study analysis.

Every number carries what it was computed on (population, n) and how (method), so that a report
can state its methods from what actually ran and a reader can check each figure. Every
comparison names its two groups: an :class:`Effect` is ``group`` relative to ``reference``, and
the reference is declared (the protocol's comparator arm, a biomarker's "low" group, a cohort's
unexposed patients), never taken from sort order. A statistic that the data cannot support is
``None`` with the reason in ``not_estimable``. docs/results-schema.json is generated from these
models.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from rtio.vocabulary import DAYS_PER_MONTH


def _finite_or_none(value: object) -> object:
    """NaN and infinities (a statistic that does not exist, e.g. a median not reached) → None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


Number = Annotated[float | None, BeforeValidator(_finite_or_none)]
"""A number that may be missing; NaN and ±inf are stored as None (null in JSON)."""


class _Result(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Effect(_Result):
    """The effect of ``group`` relative to ``reference``: a hazard ratio, odds ratio or difference
    with its confidence interval. ``not_estimable`` gives the reason when the data cannot support
    it (value and limits are then None)."""

    value: Number
    lower: Number
    upper: Number
    conf_level: float
    group: str
    reference: str
    method: str
    p_value: Number = None
    not_estimable: str | None = None


class Test(_Result):
    """A test statistic (χ² or Z) with its degrees of freedom and p-value, or why it has none."""

    statistic: Number
    df: Number = None
    p_value: Number
    method: str
    not_estimable: str | None = None


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
    """A Kaplan–Meier summary; in a randomized trial ``by_arm`` holds one per arm label."""

    endpoint: str
    population: str
    group: str | None = None
    n: int
    events: int
    median: Interval
    rates: list[RateAt]
    curve: list[CurvePoint]
    method: str
    by_arm: dict[str, SurvivalResult] = Field(default_factory=dict)


class GroupComparison(_Result):
    """KM curves of two or more groups with a log-rank test and, for two groups, the Cox HR of
    ``group`` vs ``reference`` (also stratified when strata are declared)."""

    title: str
    endpoint: str
    population: str
    reference: str
    groups: list[str]
    curves: list[SurvivalResult]
    logrank: Test
    hazard_ratio: Effect | None = None
    ph_test: Test | None = None
    strata: list[str] = Field(default_factory=list)
    stratified_hazard_ratio: Effect | None = None
    stratified_logrank: Test | None = None
    cutoff: Number = None
    unit: str | None = None


class CountRow(_Result):
    category: str
    n: int
    pct: Number


class BaselineCell(_Result):
    """One column of a Table 1 row: n (%) of a category, or a summary such as median (IQR)."""

    n: int | None = None
    pct: Number = None
    text: str


class BaselineRow(_Result):
    """A Table 1 row over the analysed population (total) and, when there are groups, per group
    (``by_arm``: arm labels, or a cohort's exposure groups) with the standardized mean
    difference of the group vs the reference (cohorts)."""

    characteristic: str
    category: str
    n: int | None = None
    pct: Number = None
    text: str
    by_arm: dict[str, BaselineCell] = Field(default_factory=dict)
    smd: Number = None


class ResponseBlock(_Result):
    """BOR distribution with ORR and DCR; per arm in ``by_arm``, with the ORR of the
    experimental arm vs the reference as an odds ratio and a difference."""

    population: str
    reading: str
    distribution: list[CountRow]
    orr: Proportion
    dcr: Proportion
    by_arm: dict[str, ResponseBlock] = Field(default_factory=dict)
    orr_odds_ratio: Effect | None = None
    orr_difference: Effect | None = None


class AECounts(_Result):
    """Patients by worst grade for one term within one arm."""

    denominator: int
    grade_1: int
    grade_2: int
    grade_3: int
    grade_4: int
    grade_5: int
    any_grade: int
    grade_3_plus: int


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
    by_arm: dict[str, AECounts] = Field(default_factory=dict)


class AETable(_Result):
    title: str
    population: str
    denominator: int
    filter: str | None
    rows: list[AERow]
    by_arm_denominator: dict[str, int] = Field(default_factory=dict)


class Count(_Result):
    n: int
    denominator: int
    pct: Number


class SafetySummaryRow(_Result):
    """A patient count of the AE overview (any TRAE, grade ≥ 3, SAE, grade 5, discontinuation
    due to an AE) over the safety population and per arm."""

    label: str
    n: int
    denominator: int
    pct: Number
    by_arm: dict[str, Count] = Field(default_factory=dict)


class BiomarkerTest(_Result):
    biomarker: str
    timepoint: str
    unit: str | None = None
    n_responders: int
    n_stable: int
    median_responders: Number
    median_stable: Number
    statistic: Number
    p_value: Number
    method: str
    not_estimable: str | None = None


class PairedBiomarkerTest(_Result):
    """Baseline vs on-treatment values of the same patients (Wilcoxon signed-rank)."""

    biomarker: str
    unit: str | None = None
    n_pairs: int
    median_baseline: Number
    median_on_treatment: Number
    median_change: Number
    statistic: Number
    p_value: Number
    method: str
    not_estimable: str | None = None


class Landmark(_Result):
    """Survival analysed from a landmark: who was excluded and why."""

    timepoint: str
    day: float
    n_included: int
    n_excluded: int
    reason: str


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
    hazard_ratio: Effect


class Forest(_Result):
    """Hazard ratios of ``group`` vs ``reference`` overall and within subgroups."""

    endpoint: str
    population: str
    group: str
    reference: str
    rows: list[ForestRow]


class PrimaryAnalysis(_Result):
    """The primary endpoint in one population: the estimate, the test and the verdict there."""

    population: str
    n: int
    events: int
    hazard_ratio: Effect | None = None
    median: Interval | None = None
    target_median_months: Number = None
    test: Test | None = None
    verdict: str


class PrimaryEndpoint(_Result):
    """The protocol's hypothesis and whether the data meet it.

    ``verdict``: met / not met (single arm, superiority), non-inferior / non-inferiority not shown,
    or not_assessed with ``reason``. ``assumed`` lists every plan value that came from the
    command line instead of the protocol."""

    hypothesis: str | None
    endpoint: str | None
    alpha: Number
    sided: Literal[1, 2] | None
    conf_level: Number = None
    margin: Number = None
    stratified_by: list[str] = Field(default_factory=list)
    populations: list[str] = Field(default_factory=list)
    success_rule: str | None = None
    verdict: Literal[
        "met",
        "not met",
        "non-inferior",
        "non-inferiority not shown",
        "not_assessed",
    ]
    statement: str
    reason: str | None = None
    assumed: list[str] = Field(default_factory=list)
    analyses: list[PrimaryAnalysis] = Field(default_factory=list)
    superiority: PrimaryAnalysis | None = None
    observed_events: int | None = None
    planned_events: int | None = None


class InterimAnalysis(_Result):
    """A group-sequential look at a data cut-off: the boundary at the observed information, the
    observed statistic, whether it crossed, and the repeated confidence interval."""

    look: int
    looks: int | None = None
    hypothesis: str | None = None
    endpoint: str | None = None
    spending: str | None = None
    alpha: Number = None
    planned_events: int | None = None
    observed_events: int | None = None
    information_fraction: Number = None
    information_fractions: list[float] = Field(default_factory=list)
    alpha_spent: Number = None
    boundary_z: Number = None
    boundary_hazard_ratio: Number = None
    observed_z: Number = None
    p_value: Number = None
    crossed: bool | None
    repeated_ci: Effect | None = None
    statement: str
    reason: str | None = None
    assumed: list[str] = Field(default_factory=list)


class Deviation(_Result):
    subject_id: str
    arm: str | None = None
    prescription: str | None = None
    rule: str
    description: str
    detail: str


class Deviations(_Result):
    """Deviations from the protocol's RT prescriptions and what they mean for the analysis."""

    rows: list[Deviation]
    by_rule: dict[str, int]
    subjects: list[str]
    rt_not_completed: list[str]
    consequence: str


class ExposureRow(_Result):
    drug: str
    group: str
    patients: int
    cycles_median: Number
    cycles_q1: Number
    cycles_q3: Number
    cycles_min: Number
    cycles_max: Number
    months_median: Number
    months_q1: Number
    months_q3: Number
    dose_intensity_median: Number = None


class ExposureSummary(_Result):
    """Per drug (overall and per arm): cycles, time on treatment, dose intensity; and why
    treatment stopped."""

    rows: list[ExposureRow]
    cycle_days: int
    planned_doses: dict[str, float]
    discontinuation: dict[str, int]
    discontinuation_by_arm: dict[str, dict[str, int]] = Field(default_factory=dict)


class IRecist(_Result):
    """iRECIST best overall response (iBOR) and iPFS."""

    distribution: list[CountRow]
    ipfs: SurvivalResult | None
    unconfirmed_progressions: int


class ArmInfo(_Result):
    """A protocol arm as analysed: its label, type, number of patients and whether it is the
    reference of comparisons."""

    id: str
    label: str
    type: str | None
    n: int
    reference: bool


class ArmDisposition(_Result):
    """One arm of the CONSORT trial profile."""

    arm: str
    allocated: int
    received_allocated: int
    not_received: dict[str, int]
    discontinued: dict[str, int]
    analysed: dict[str, int]
    discontinued_before_rt_by_reason: dict[str, int] = Field(default_factory=dict)
    """The arm's patients who never started RT, by why treatment stopped (the trial profile's
    total, split by arm)."""


class Disposition(_Result):
    """The numbers of the CONSORT trial profile (screening log and treatment disposition).
    Reasons for stopping come from the events table, else from the patient's progression or
    death; "no reason recorded" only when neither exists."""

    screened: int | None
    excluded: int | None
    excluded_by_reason: dict[str, int]
    pending: int | None
    enrolled: int
    discontinued_before_rt: int
    discontinued_before_rt_by_reason: dict[str, int]
    started_rt: int
    completed_rt: int
    completed_treatment: int
    arms: list[ArmDisposition] = Field(default_factory=list)


class CohortHazardRatio(_Result):
    """A Cox hazard ratio of a cohort exposure with who it was estimated from."""

    hazard_ratio: Effect
    n_subjects: int
    n_events: int


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
    naive_logrank: Test
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
    naive_logrank: Test
    landmark_medians: dict[str, list[GroupMedian]] = Field(default_factory=dict)
    landmark_logrank: dict[str, Test] = Field(default_factory=dict)
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


class CoxTerm(_Result):
    term: str
    hazard_ratio: Effect


class CoxRegression(_Result):
    """A multivariable Cox model as a regression table (HR, CI and p per term)."""

    title: str
    model: str
    n_subjects: int
    n_events: int
    terms: list[CoxTerm]
    method: str
    not_estimable: str | None = None


class BalanceRow(_Result):
    """Standardized mean difference of one covariate term before and after weighting / matching."""

    covariate: str
    mean_treated: Number
    mean_untreated: Number
    smd_before: Number
    smd_after: Number = None


class PropensityAnalysis(_Result):
    """Propensity-score weighting and matching at a landmark, with balance tables."""

    landmark_days: float
    covariates: list[str]
    n: int
    n_exposed: int
    events: int
    weighted_hazard_ratio: Effect | None
    matched_hazard_ratio: Effect | None
    pairs: int
    balance_weighted: list[BalanceRow] = Field(default_factory=list)
    balance_matched: list[BalanceRow] = Field(default_factory=list)
    not_estimable: str | None = None


class CohortResults(_Result):
    """The cohort analyses of a retrospective protocol; a section is None when it did not apply."""

    local_rt: ExposureComparison | None = None
    io_cycles: CategoricalComparison | None = None
    neoadjuvant_endpoints: list[BinaryEndpoint] = Field(default_factory=list)
    rt_to_surgery_days: DaysSummary | None = None
    multivariable: CoxRegression | None = None
    propensity: PropensityAnalysis | None = None


class Abscopal(_Result):
    """Responses of non-irradiated lesions: abscopal only outside every RT field with no systemic
    therapy between RT start and the response scan; otherwise out-of-field responses."""

    k: int
    n: int
    lower: Number
    upper: Number
    definition: str
    out_of_field_k: int = 0
    out_of_field_definition: str = ""


class CompetingRisksArm(_Result):
    """The cumulative incidence of each competing first event within one arm."""

    n: int
    incidence: dict[str, list[float]]
    events: dict[str, int]


class CompetingRisks(_Result):
    """Aalen–Johansen cumulative incidence of each competing first event at ``times_months``,
    over all patients and (randomized trials) within each arm."""

    n: int
    times_months: list[float]
    incidence: dict[str, list[float]]
    events: dict[str, int]
    gray_test_by_arm: dict[str, Test] | None = None
    by_arm: dict[str, CompetingRisksArm] | None = None


class RTLesions(_Result):
    """Irradiated vs non-irradiated lesions: abscopal responses and the field of first progression."""

    competing_risks: CompetingRisks | None = None
    abscopal: Abscopal
    progression_field: dict[str, int]
    abscopal_by_arm: dict[str, Abscopal] = Field(default_factory=dict)
    progression_field_by_arm: dict[str, dict[str, int]] = Field(default_factory=dict)
    """In a randomized study, the same per arm (arm labels in protocol order)."""


class WaterfallBar(_Result):
    subject_id: str
    best_pct_from_baseline: Number
    bor: str | None
    arm: str | None = None


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


class AttritionStep(_Result):
    """One rule of a real-world cohort's attrition and the persons remaining after it."""

    rule: str
    remaining: int


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
    options: dict[str, str] = Field(default_factory=dict)


class Results(_Result):
    """Everything ``rtio analyse`` computed; sections that could not be computed say why."""

    meta: Meta
    populations: dict[str, int]
    arms: list[ArmInfo] = Field(default_factory=list)
    primary_endpoint: PrimaryEndpoint | None = None
    interim: InterimAnalysis | None = None
    disposition: Disposition | None = None
    deviations: Deviations | None = None
    exposure: ExposureSummary | None = None
    irecist: IRecist | None = None
    attrition: list[AttritionStep] = Field(default_factory=list)
    baseline: list[BaselineRow] = Field(default_factory=list)
    response: list[ResponseBlock] = Field(default_factory=list)
    survival: list[SurvivalResult] = Field(default_factory=list)
    follow_up: Interval | None = None
    follow_up_range: tuple[Number, Number] | None = None
    duration_of_response: Interval | None = None
    duration_of_response_iqr: tuple[Number, Number] | None = None
    historical_control: list[HistoricalComparison] = Field(default_factory=list)
    safety_summary: list[SafetySummaryRow] = Field(default_factory=list)
    safety: list[AETable] = Field(default_factory=list)
    biomarker_tests: list[BiomarkerTest] = Field(default_factory=list)
    biomarker_paired: list[PairedBiomarkerTest] = Field(default_factory=list)
    biomarker_landmarks: list[Landmark] = Field(default_factory=list)
    biomarker_survival: list[GroupComparison] = Field(default_factory=list)
    comparisons: list[GroupComparison] = Field(default_factory=list)
    comparisons_other_populations: list[GroupComparison] = Field(default_factory=list)
    """The arm comparisons of ``comparisons`` (ITT) in each other efficacy population
    (per-protocol, …), for the KM figures and the comparison table of those populations."""
    forest: Forest | None = None
    cohort: CohortResults | None = None
    rt_lesions: RTLesions | None = None
    figures_data: FiguresData = Field(default_factory=FiguresData)
    not_available: dict[str, str] = Field(default_factory=dict)
    warnings: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    methods: list[str] = Field(default_factory=list)
