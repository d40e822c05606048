"""The cohort definition file: concept sets, index rule, washout, exclusions and derivation rules.

A definition is YAML (``docs/rwd.md`` documents every field). It names OMOP concept ids only through
named concept sets, so that a site swaps its own vocabulary in one place. Validation errors name the
file and the field.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from rtio.analyse.cohort import IMMUNOTHERAPY_DRUGS

DOMAINS = {
    "condition_occurrence": ("condition_concept_id", "condition_start_date"),
    "drug_exposure": ("drug_concept_id", "drug_exposure_start_date"),
    "procedure_occurrence": ("procedure_concept_id", "procedure_date"),
    "measurement": ("measurement_concept_id", "measurement_date"),
}
"""OMOP CDM v5.4 event tables a rule may look in: (concept column, date column)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Concept(_Model):
    id: int
    name: str


class ConceptSet(_Model):
    """Concept ids with a name each (drug names become ``exposures.drug``, RT concept names the
    ``radiotherapy.technique``). ``descendants``: also every descendant in ``concept_ancestor``."""

    concepts: list[Concept] = Field(min_length=1)
    descendants: bool = False


class Window(_Model):
    """Days relative to the index date, both ends inclusive (negative = before the index)."""

    start: int | None = None
    end: int | None = None


class Period(_Model):
    start: dt.date | None = None
    end: dt.date | None = None


class Criterion(_Model):
    """A record of ``concept_set`` in ``table`` within ``window`` days of the index."""

    name: str
    concept_set: str
    table: Literal[
        "condition_occurrence", "drug_exposure", "procedure_occurrence", "measurement"
    ] = "condition_occurrence"
    window: Window = Field(default_factory=Window)


class IndexRule(_Model):
    """The index date: a person's first-ever exposure to a drug of ``concept_set``."""

    concept_set: str
    period: Period = Field(default_factory=Period)
    washout_days: int = Field(365, ge=0)
    diagnosis: Criterion | None = None
    min_age: int | None = Field(18, ge=0)


class Eras(_Model):
    """Records of ``concept_set`` grouped into eras: a gap of more than ``gap_days`` starts a new one."""

    concept_set: str
    gap_days: int = Field(ge=0)


class IOExposure(Eras):
    """First-line immunotherapy: administrations (distinct drug_exposure start dates) of the era
    starting on the index date; each is a cycle."""

    dose_unit: str = "mg"


class Radiotherapy(Eras):
    """RT courses: eras of RT procedure dates (one date = one fraction) starting on or after the
    index date; dose per fraction from ``dose_concept_set`` measurements on the fraction dates (Gy).
    With the Oncology extension's ``episode`` table, ``episode_concept_set`` episodes are the
    courses instead."""

    dose_concept_set: str | None = None
    episode_concept_set: str | None = None
    target: str = "primary"


class Baseline(_Model):
    """A baseline value: the latest ``concept_set`` measurement within ``window`` (the highest
    value on that day); a person without one is excluded (attrition says how many)."""

    concept_set: str
    window: Window = Field(default_factory=lambda: Window(start=-30, end=0))


Domain = Literal["condition_occurrence", "drug_exposure", "procedure_occurrence", "measurement"]


def _default_domains() -> list[Domain]:
    return ["condition_occurrence", "drug_exposure", "procedure_occurrence"]


class Covariates(_Model):
    """Large-scale baseline covariates for the propensity model: one indicator per concept seen in
    ``domains`` within ``window`` (as OHDSI FeatureExtraction's long-term covariates)."""

    window: Window = Field(default_factory=lambda: Window(start=-365, end=-1))
    domains: list[Domain] = Field(default_factory=_default_domains)
    min_prevalence: float = Field(0.001, ge=0, lt=1)


class CohortDefinition(_Model):
    """A real-world RT+IO cohort from an OMOP CDM (seed 001's question at any size)."""

    name: str
    protocol: str = "yu2025-escc-local-rt"
    cdm_version: str = "5.4"
    data_cutoff: dt.date | None = None
    synthetic: bool = False
    concept_sets: dict[str, ConceptSet]
    index: IndexRule
    exclusions: list[Criterion] = Field(default_factory=list)
    immunotherapy: IOExposure
    radiotherapy: Radiotherapy
    ecog: Baseline | None = None
    platinum: Criterion | None = None
    covariates: Covariates = Field(default_factory=lambda: Covariates.model_validate({}))

    @model_validator(mode="after")
    def _sets_exist(self) -> CohortDefinition:
        named = [
            ("index.concept_set", self.index.concept_set),
            ("immunotherapy.concept_set", self.immunotherapy.concept_set),
            ("radiotherapy.concept_set", self.radiotherapy.concept_set),
            ("radiotherapy.dose_concept_set", self.radiotherapy.dose_concept_set),
            ("radiotherapy.episode_concept_set", self.radiotherapy.episode_concept_set),
            (
                "index.diagnosis.concept_set",
                self.index.diagnosis and self.index.diagnosis.concept_set,
            ),
            ("ecog.concept_set", self.ecog and self.ecog.concept_set),
            ("platinum.concept_set", self.platinum and self.platinum.concept_set),
        ] + [(f"exclusions[{i}].concept_set", c.concept_set) for i, c in enumerate(self.exclusions)]
        for field_name, value in named:
            if value is not None and value not in self.concept_sets:
                raise ValueError(
                    f"{field_name}: concept set {value!r} is not defined under concept_sets "
                    f"(defined: {', '.join(sorted(self.concept_sets))})"
                )
        unknown = [
            c.name
            for c in self.concept_sets[self.immunotherapy.concept_set].concepts
            if c.name.lower() not in IMMUNOTHERAPY_DRUGS
        ]
        if unknown:
            raise ValueError(
                f"immunotherapy: drug names {unknown} are not PD-1 / PD-L1 inhibitors rtio counts as "
                f"cycles ({', '.join(IMMUNOTHERAPY_DRUGS)}); name each concept by its ingredient"
            )
        return self


def load_definition(path: str | Path) -> CohortDefinition:
    """Read and check a cohort definition YAML file; errors name the file and the field."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: cannot read the cohort definition ({exc})") from None
    try:
        return CohortDefinition.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}"
            for e in exc.errors()
        )
        raise ValueError(f"{path}: {problems}") from None


def dump_definition(definition: CohortDefinition, path: str | Path) -> Path:
    """Write a definition as YAML (the format :func:`load_definition` reads)."""
    path = Path(path)
    data = definition.model_dump(mode="json", exclude_none=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path
