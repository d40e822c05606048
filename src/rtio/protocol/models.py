"""Pydantic models of a study protocol (trial or retrospective cohort).

Structured values (numbers with units, ranges as ``min``/``max``) sit where code needs them; the
source wording stays in ``text`` / ``description`` fields. Every model forbids unknown keys so that
a misspelt field is an error, not a silently ignored value. Field reference: docs/protocol.md.
"""

from __future__ import annotations

import itertools
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from rtio.vocabulary import DAYS_PER_MONTH, DAYS_PER_WEEK, DAYS_PER_YEAR


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Range(_Model):
    """A closed numeric range; a plain number in YAML means ``min == max``."""

    min: float | None = None
    max: float | None = None

    @model_validator(mode="before")
    @classmethod
    def _scalar(cls, data: Any) -> Any:
        if isinstance(data, int | float) and not isinstance(data, bool):
            return {"min": data, "max": data}
        return data

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


class Duration(_Model):
    """A length of time with its unit."""

    value: float = Field(gt=0)
    unit: Literal["days", "weeks", "months", "years"]

    def days(self) -> float:
        """Length in days (months and years as in :mod:`rtio.vocabulary`)."""
        factor = {
            "days": 1.0,
            "weeks": DAYS_PER_WEEK,
            "months": DAYS_PER_MONTH,
            "years": DAYS_PER_YEAR,
        }[self.unit]
        return self.value * factor


class Identifier(_Model):
    registry: Literal["ClinicalTrials.gov", "ChiCTR", "doi", "org_study_id", "ethics", "other"]
    value: str


class Disease(_Model):
    name: str
    histology: str | None = None
    setting: str | None = None
    staging_system: str | None = None
    text: str | None = None


class Design(_Model):
    type: Literal["single_arm", "randomized", "retrospective_cohort"]
    allocation_ratio: list[int] | None = None
    stratification_factors: list[str] = Field(default_factory=list)
    blinding: str | None = None
    centres: str | None = None
    text: str | None = None


class Arm(_Model):
    id: str
    label: str
    type: Literal["experimental", "active_comparator", "cohort", "comparator_cohort"] | None = None
    description: str | None = None
    regimens: list[str] = Field(default_factory=list)
    radiotherapy: list[str] = Field(default_factory=list)


class Dose(_Model):
    """Dose amount: ``value`` or a ``min``/``max`` range, with ``unit`` (mg, mg/m2, AUC, mg/kg)."""

    value: float | None = None
    min: float | None = None
    max: float | None = None
    unit: str

    @model_validator(mode="after")
    def _consistent(self) -> Dose:
        if self.value is not None and (self.min is not None or self.max is not None):
            raise ValueError("give either value or min/max, not both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"min ({self.min}) is greater than max ({self.max})")
        return self


class StartRule(_Model):
    cycle: int | None = Field(None, ge=1)
    after: Literal["treatment_start", "rt_completion", "chemotherapy_completion"] | None = None
    text: str | None = None


class Regimen(_Model):
    id: str
    drug: str
    drug_class: str | None = None
    dose: Dose | None = None
    route: str | None = None
    days: list[int] = Field(default_factory=list)
    cycle_length_days: int | None = Field(None, ge=1)
    cycles: Range | None = None
    max_duration: Duration | None = None
    start: StartRule | None = None
    stop: str | None = None
    dose_modification: str | None = None
    optional: bool = False
    condition: str | None = None
    description: str | None = None


RTTarget = Literal[
    "all_visible_lesions",
    "primary",
    "metastases",
    "locoregional",
    "regional_nodes",
    "distant_nodes",
]


class RTTiming(_Model):
    starts_with_cycle: int | None = Field(None, ge=1)
    complete_within_days: int | None = Field(None, ge=1)
    starts_after: str | None = None
    text: str | None = None


class RTPrescription(_Model):
    id: str
    targets: list[RTTarget] = Field(default_factory=list)
    sites: list[str] = Field(default_factory=list)
    dose_per_fraction_gy: Range | None = None
    fractions: Range | None = None
    total_dose_gy: Range | None = None
    fractions_per_week: int | None = Field(None, ge=1)
    technique: list[str] = Field(default_factory=list)
    timing: RTTiming | None = None
    add_on: bool = False
    condition: str | None = None
    description: str | None = None


class AssessmentPhase(_Model):
    """One stretch of an assessment calendar; times are from treatment start (day 1)."""

    name: str
    interval: Duration | None = None
    window_days: int | None = Field(None, ge=0)
    within_days_before_start: int | None = Field(None, ge=0)
    start: Duration | None = None
    end: Duration | None = None
    during: str | None = None
    text: str | None = None


class Assessment(_Model):
    id: str
    kind: Literal["imaging", "labs", "biomarkers", "other"]
    modality: str | None = None
    tests: list[str] = Field(default_factory=list)
    phases: list[AssessmentPhase]
    text: str | None = None


class ResponseCriteria(_Model):
    name: str
    confirmation_required: bool | None = None
    text: str | None = None


class ResponseReading(_Model):
    """How a response endpoint is read: best overall response or response at a timepoint."""

    reading: Literal["best_overall_response", "timepoint"]
    timepoint: Duration | None = None
    anchor: Literal["treatment_start", "rt_completion", "rt_start", "surgery"] | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _timepoint(self) -> ResponseReading:
        if self.reading == "timepoint" and (self.timepoint is None or self.anchor is None):
            raise ValueError("reading 'timepoint' needs timepoint and anchor")
        return self


class Endpoint(_Model):
    id: str
    name: str
    role: Literal["primary", "secondary", "exploratory"]
    kind: Literal[
        "time_to_event", "binary", "rate_at_time", "adverse_events", "continuous", "other"
    ]
    definition: str | None = None
    origin: str | None = None
    events: list[str] = Field(default_factory=list)
    responses: list[str] = Field(default_factory=list)
    readings: list[ResponseReading] = Field(default_factory=list)
    time_points: list[Duration] = Field(default_factory=list)
    populations: list[str] = Field(default_factory=list)


PopulationCondition = Literal[
    "enrolled",
    "received_study_drug",
    "completed_rt_all_lesions",
    "post_baseline_assessment",
]


class Population(_Model):
    id: str
    name: str
    definition: str | None = None
    requires: list[PopulationCondition] = Field(default_factory=list)


class Criterion(_Model):
    id: str
    kind: Literal["inclusion", "exclusion"]
    text: str
    rule: dict[str, Any] | None = None
    manual: bool = False
    stage: Literal["registration", "randomization"] = "registration"
    parent: str | None = None


class SurvivalAssumption(_Model):
    endpoint: str
    median_months: float | None = Field(None, gt=0)
    source: str | None = None


class NonInferiorityMargin(_Model):
    value: float
    scale: Literal["hazard_ratio", "difference_in_rate", "ratio_of_medians"]
    text: str | None = None


class SuccessRule(_Model):
    """How the protocol decides that the primary endpoint was met.

    ``median_reaches_target``: the observed median of the primary endpoint reaches the median the
    sample size assumed (``expected``); ``test_significant``: the primary test is significant at
    ``alpha``; ``upper_limit_below_margin``: the upper limit of the hazard ratio's CI (level
    1 − 2α one-sided) lies below the non-inferiority margin.
    """

    rule: Literal["median_reaches_target", "test_significant", "upper_limit_below_margin"]
    text: str | None = None


class InterimPlan(_Model):
    """Planned group-sequential looks: efficacy boundaries by Lan–DeMets spending."""

    looks: int = Field(ge=1)
    information_fractions: list[float] = Field(default_factory=list)
    spending: Literal["obf", "pocock"] | None = None
    text: str | None = None

    @model_validator(mode="after")
    def _fractions(self) -> InterimPlan:
        fractions = self.information_fractions
        if fractions and (
            len(fractions) != self.looks
            or any(not 0 < f <= 1 for f in fractions)
            or any(b <= a for a, b in itertools.pairwise(fractions))
            or fractions[-1] != 1
        ):
            raise ValueError(
                f"information_fractions must be {self.looks} increasing values in (0, 1] ending at 1"
            )
        return self


class StatisticalPlan(_Model):
    hypothesis: str | None = None
    comparison: (
        Literal["single_arm_vs_historical_control", "superiority", "non_inferiority"] | None
    ) = None
    primary_endpoint: str | None = None
    historical_control: SurvivalAssumption | None = None
    expected: SurvivalAssumption | None = None
    alpha: float | None = Field(None, gt=0, lt=1)
    sided: Literal[1, 2] | None = None
    power: float | None = Field(None, gt=0, lt=1)
    dropout: float | None = Field(None, ge=0, lt=1)
    accrual: Duration | None = None
    accrual_pattern: Literal["uniform"] | None = None
    follow_up: Duration | None = None
    target_events: int | None = Field(None, ge=1)
    target_patients: int | None = Field(None, ge=1)
    non_inferiority_margin: NonInferiorityMargin | None = None
    primary_populations: list[str] = Field(default_factory=list)
    success_rule: SuccessRule | None = None
    interim: InterimPlan | None = None
    methods: list[str] = Field(default_factory=list)
    text: str | None = None


class Category(_Model):
    label: str
    min: float | None = None
    max: float | None = None


class Exposure(_Model):
    id: str
    description: str
    table: Literal["radiotherapy", "exposures", "surgery", "events"]
    drug_class: str | None = None
    measure: Literal["ever", "cumulative_cycles"]
    timing: Literal["baseline", "time_varying"]
    date_field: str
    categories: list[Category] = Field(default_factory=list)
    text: str | None = None


class Cohort(_Model):
    index_date: str
    period_start: str | None = None
    period_end: str | None = None
    exposures: list[Exposure] = Field(default_factory=list)
    outcomes: list[str] = Field(default_factory=list)
    covariates: list[str] = Field(default_factory=list)
    follow_up_end: str | None = None
    text: str | None = None


class Protocol(_Model):
    """A study protocol; ``id`` is the registry id where there is one."""

    id: str
    title: str
    short_title: str | None = None
    identifiers: list[Identifier] = Field(default_factory=list)
    reference: str | None = None
    disease: Disease
    phase: Literal["1", "1/2", "2", "2/3", "3", "4"] | None = None
    design: Design
    planned_enrollment: int | None = Field(None, ge=1)
    summary: str | None = None
    arms: list[Arm] = Field(default_factory=list)
    regimens: list[Regimen] = Field(default_factory=list)
    radiotherapy: list[RTPrescription] = Field(default_factory=list)
    assessments: list[Assessment] = Field(default_factory=list)
    response_criteria: ResponseCriteria | None = None
    ae_criteria: str | None = None
    endpoints: list[Endpoint] = Field(default_factory=list)
    populations: list[Population] = Field(default_factory=list)
    statistical_plan: StatisticalPlan | None = None
    cohort: Cohort | None = None
    eligibility: list[Criterion] = Field(default_factory=list)

    @model_validator(mode="after")
    def _references(self) -> Protocol:
        _unique("eligibility", [c.id for c in self.eligibility])
        _unique("regimens", [r.id for r in self.regimens])
        _unique("radiotherapy", [r.id for r in self.radiotherapy])
        _unique("endpoints", [e.id for e in self.endpoints])
        _unique("populations", [p.id for p in self.populations])
        regimens = {r.id for r in self.regimens}
        courses = {r.id for r in self.radiotherapy}
        for i, arm in enumerate(self.arms):
            for name in arm.regimens:
                if name not in regimens:
                    raise ValueError(f"arms[{i}].regimens: unknown regimen id {name!r}")
            for name in arm.radiotherapy:
                if name not in courses:
                    raise ValueError(f"arms[{i}].radiotherapy: unknown prescription id {name!r}")
        populations = {p.id for p in self.populations} | {"ITT"}
        plan = self.statistical_plan
        for name in plan.primary_populations if plan else []:
            if name not in populations:
                raise ValueError(
                    f"statistical_plan.primary_populations: unknown population id {name!r}"
                )
        criteria = {c.id for c in self.eligibility}
        for i, c in enumerate(self.eligibility):
            if c.parent is not None and c.parent not in criteria:
                raise ValueError(f"eligibility[{i}].parent: unknown criterion id {c.parent!r}")
        return self

    def criterion(self, criterion_id: str) -> Criterion:
        """The eligibility criterion with this id."""
        return _by_id(self.eligibility, criterion_id, "criterion")

    def regimen(self, regimen_id: str) -> Regimen:
        """The regimen with this id."""
        return _by_id(self.regimens, regimen_id, "regimen")

    def endpoint(self, endpoint_id: str) -> Endpoint:
        """The endpoint with this id."""
        return _by_id(self.endpoints, endpoint_id, "endpoint")

    def population(self, population_id: str) -> Population:
        """The analysis population with this id."""
        return _by_id(self.populations, population_id, "population")

    def assessment(self, assessment_id: str) -> Assessment:
        """The assessment calendar entry with this id."""
        return _by_id(self.assessments, assessment_id, "assessment")


def _unique(field: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for i, value in enumerate(ids):
        if value in seen:
            raise ValueError(f"{field}[{i}].id: duplicate id {value!r}")
        seen.add(value)


def _by_id(items: list[Any], wanted: str, what: str) -> Any:
    for item in items:
        if item.id == wanted:
            return item
    raise KeyError(f"no {what} {wanted!r}; known: {', '.join(i.id for i in items)}")
