"""The extraction plan: OMOP CDM tables -> the cohort study tables ``rtio.cohort`` analyses.

Each stage is one query in DuckDB's SQL dialect (transpiled for Spark), materialised as Parquet.
Stages, in order: concept sets -> index events -> eligibility flags (with attrition) -> cohort ->
immunotherapy administrations (first-line era, gap rule, cycle numbers) -> radiotherapy courses
(procedure eras or Oncology-extension episodes, dose per fraction from measurements) -> subjects,
exposures, radiotherapy (the study tables) -> baseline covariates for the propensity model.
Dates stay dates; day counts are ``date_diff('day', index, date)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from rtio.rwd.definition import DOMAINS, CohortDefinition, Criterion, Window
from rtio.rwd.engine import Engine
from rtio.rwd.sources import optional_columns

MALE, FEMALE = 8507, 8532
"""OMOP gender concepts (Gender vocabulary: MALE, FEMALE)."""
ARM_RT, ARM_NO_RT = "io_rt", "io_alone"
"""Seed 001's protocol arms: first-line IO with / without local RT."""


@dataclass(frozen=True)
class StageSpec:
    name: str
    label: str
    build: Callable[[], str]
    inputs: tuple[str, ...]


def concept_table(definition: CohortDefinition) -> pd.DataFrame:
    """One row per (concept set, concept id, name) of the definition."""
    rows = [
        (set_name, concept.id, concept.name)
        for set_name, concept_set in definition.concept_sets.items()
        for concept in concept_set.concepts
    ]
    return pd.DataFrame(rows, columns=["set_name", "concept_id", "concept_name"]).astype(
        {"concept_id": "int64"}
    )


def _in_window(day: str, window: Window) -> str:
    parts = []
    if window.start is not None:
        parts.append(f"{day} >= {window.start}")
    if window.end is not None:
        parts.append(f"{day} <= {window.end}")
    return " AND ".join(parts) or "TRUE"


def _date_lit(value: object) -> str:
    return f"DATE '{value}'"


def criterion_hits(criterion: Criterion, index_table: str = "index_events") -> str:
    """Persons with a record of the criterion's concept set within its window of the index."""
    concept_col, date_col = DOMAINS[criterion.table]
    day = f"date_diff('day', i.index_date, t.{date_col})"
    return (
        f"SELECT DISTINCT t.person_id FROM {criterion.table} t "
        f"JOIN rwd_concepts c ON c.set_name = '{criterion.concept_set}' "
        f"AND c.concept_id = t.{concept_col} "
        f"JOIN {index_table} i ON i.person_id = t.person_id "
        f"WHERE {_in_window(day, criterion.window)}"
    )


class ExtractionPlan:
    """The stages of one definition on one CDM; :meth:`run` materialises them in ``engine``."""

    def __init__(self, definition: CohortDefinition, engine: Engine, optional_tables: list[str]):
        self.d = definition
        self.engine = engine
        self.optional = set(optional_tables)

    # ---- stages ----
    def concepts(self) -> str:
        """Concept-set members, with descendants through concept_ancestor where asked."""
        direct = "SELECT set_name, concept_id, concept_name FROM rwd_concept_list"
        wants = [n for n, s in self.d.concept_sets.items() if s.descendants]
        if not wants or "concept_ancestor" not in self.optional:
            return direct
        names = ", ".join(f"'{n}'" for n in wants)
        return (
            f"SELECT DISTINCT set_name, concept_id, concept_name FROM ({direct} UNION ALL "
            "SELECT l.set_name, a.descendant_concept_id AS concept_id, l.concept_name "
            "FROM rwd_concept_list l JOIN concept_ancestor a ON a.ancestor_concept_id = l.concept_id "
            f"WHERE l.set_name IN ({names})) u"
        )

    def index_events(self) -> str:
        """Each person's first-ever exposure to the index drugs."""
        return (
            "SELECT d.person_id, MIN(d.drug_exposure_start_date) AS index_date "
            "FROM drug_exposure d JOIN rwd_concepts c "
            f"ON c.set_name = '{self.d.index.concept_set}' AND c.concept_id = d.drug_concept_id "
            "GROUP BY d.person_id"
        )

    def rules(self) -> list[tuple[str, str]]:
        """(attrition label, SQL condition on the eligibility table), applied in this order."""
        index = self.d.index
        out = []
        period = index.period
        if period.start is not None or period.end is not None:
            conds = []
            if period.start is not None:
                conds.append(f"index_date >= {_date_lit(period.start)}")
            if period.end is not None:
                conds.append(f"index_date <= {_date_lit(period.end)}")
            out.append(
                (f"index date in {period.start or '…'} – {period.end or '…'}", " AND ".join(conds))
            )
        out.append(("observed on the index date", "op_end IS NOT NULL"))
        out.append(
            (
                f"at least {index.washout_days} days of observation before the index",
                f"date_diff('day', op_start, index_date) >= {index.washout_days}",
            )
        )
        if index.diagnosis is not None:
            out.append((index.diagnosis.name, "has_diagnosis"))
        out.append(("sex recorded as male or female", "sex IS NOT NULL"))
        if index.min_age is not None:
            out.append((f"age at index ≥ {index.min_age}", f"age >= {index.min_age}"))
        out.append(
            (
                "no death recorded before the index date",
                "(death_date IS NULL OR death_date >= index_date)",
            )
        )
        if self.d.ecog is not None:
            out.append(("baseline ECOG performance status recorded", "ecog IS NOT NULL"))
        for i, _ in enumerate(self.d.exclusions):
            out.append((f"exclusion: {self.d.exclusions[i].name}", f"NOT excluded_{i}"))
        return out

    def eligibility(self) -> str:
        """One row per index person with everything the rules test."""
        person_cols = optional_columns(self.engine, "person")
        if {"month_of_birth", "day_of_birth"} <= person_cols:
            before_birthday = (
                "CASE WHEN p.month_of_birth IS NOT NULL AND p.day_of_birth IS NOT NULL AND "
                "(month(i.index_date) < p.month_of_birth OR (month(i.index_date) = p.month_of_birth "
                "AND day(i.index_date) < p.day_of_birth)) THEN 1 ELSE 0 END"
            )
        else:
            before_birthday = "0"
        joins, columns = [], []
        if self.d.index.diagnosis is not None:
            joins.append(
                f"LEFT JOIN ({criterion_hits(self.d.index.diagnosis)}) dx ON dx.person_id = i.person_id"
            )
            columns.append("dx.person_id IS NOT NULL AS has_diagnosis")
        for k, criterion in enumerate(self.d.exclusions):
            joins.append(
                f"LEFT JOIN ({criterion_hits(criterion)}) x{k} ON x{k}.person_id = i.person_id"
            )
            columns.append(f"x{k}.person_id IS NOT NULL AS excluded_{k}")
        if self.d.platinum is not None:
            joins.append(
                f"LEFT JOIN ({criterion_hits(self.d.platinum)}) pt ON pt.person_id = i.person_id"
            )
            columns.append("pt.person_id IS NOT NULL AS platinum")
        if self.d.ecog is not None:
            e = self.d.ecog
            day = "date_diff('day', i2.index_date, m.measurement_date)"
            joins.append(
                "LEFT JOIN (SELECT person_id, value FROM (SELECT m.person_id, m.value_as_number AS value, "
                "ROW_NUMBER() OVER (PARTITION BY m.person_id ORDER BY m.measurement_date DESC, "
                "m.value_as_number DESC) AS rn FROM measurement m JOIN rwd_concepts c "
                f"ON c.set_name = '{e.concept_set}' AND c.concept_id = m.measurement_concept_id "
                "JOIN index_events i2 ON i2.person_id = m.person_id "
                f"WHERE m.value_as_number IS NOT NULL AND {_in_window(day, e.window)}) r WHERE rn = 1) eg "
                "ON eg.person_id = i.person_id"
            )
            columns.append("CAST(eg.value AS INTEGER) AS ecog")
        extra = "".join(f", {c}" for c in columns)
        return (
            "SELECT i.person_id, i.index_date, op.op_start, op.op_end, dth.death_date, "
            f"CASE p.gender_concept_id WHEN {MALE} THEN 'M' WHEN {FEMALE} THEN 'F' END AS sex, "
            f"CAST(year(i.index_date) - p.year_of_birth - {before_birthday} AS INTEGER) AS age"
            f"{extra} "
            "FROM index_events i JOIN person p ON p.person_id = i.person_id "
            "LEFT JOIN (SELECT o.person_id, MIN(o.observation_period_start_date) AS op_start, "
            "MAX(o.observation_period_end_date) AS op_end FROM observation_period o "
            "JOIN index_events i3 ON i3.person_id = o.person_id "
            "WHERE i3.index_date >= o.observation_period_start_date "
            "AND i3.index_date <= o.observation_period_end_date GROUP BY o.person_id) op "
            "ON op.person_id = i.person_id "
            "LEFT JOIN (SELECT person_id, MIN(death_date) AS death_date FROM death GROUP BY person_id) dth "
            "ON dth.person_id = i.person_id " + " ".join(joins)
        )

    def attrition_sql(self) -> str:
        """Persons remaining after each rule, in order (one row)."""
        rules = self.rules()
        sums = ["COUNT(*) AS n0"]
        for k in range(len(rules)):
            both = " AND ".join(f"({cond})" for _, cond in rules[: k + 1])
            sums.append(f"SUM(CASE WHEN {both} THEN 1 ELSE 0 END) AS n{k + 1}")
        return f"SELECT {', '.join(sums)} FROM eligibility"

    def cohort(self) -> str:
        """Eligible persons with index date and follow-up end (death, else end of observation)."""
        conds = " AND ".join(f"({cond})" for _, cond in self.rules())
        return (
            "SELECT *, COALESCE(death_date, op_end) AS last_known_alive_date "
            f"FROM eligibility WHERE {conds}"
        )

    def administrations(self) -> str:
        """First-line IO administrations: distinct IO drug_exposure start dates from the index on,
        in the era that starts on the index date (a gap > gap_days ends it); cycle = their rank."""
        io = self.d.immunotherapy
        quantity = (
            "MAX(d.quantity)"
            if "quantity" in optional_columns(self.engine, "drug_exposure")
            else "NULL"
        )
        return (
            "WITH x AS (SELECT d.person_id, d.drug_exposure_start_date AS date, MIN(c.concept_name) AS drug, "
            f"CAST({quantity} AS DOUBLE) AS dose FROM drug_exposure d JOIN rwd_concepts c "
            f"ON c.set_name = '{io.concept_set}' AND c.concept_id = d.drug_concept_id "
            "JOIN cohort k ON k.person_id = d.person_id "
            "WHERE d.drug_exposure_start_date >= k.index_date "
            "AND d.drug_exposure_start_date <= k.last_known_alive_date "
            "GROUP BY d.person_id, d.drug_exposure_start_date), "
            "g AS (SELECT person_id, date, date_diff('day', LAG(date) OVER (PARTITION BY person_id "
            "ORDER BY date), date) AS gap FROM x), "
            f"ends AS (SELECT person_id, MIN(date) AS era_end FROM g WHERE gap > {io.gap_days} "
            "GROUP BY person_id) "
            "SELECT x.person_id, x.drug, x.dose, x.date, "
            "CAST(ROW_NUMBER() OVER (PARTITION BY x.person_id ORDER BY x.date) AS INTEGER) AS cycle "
            "FROM x LEFT JOIN ends e ON e.person_id = x.person_id "
            "WHERE e.era_end IS NULL OR x.date < e.era_end"
        )

    def fractions(self) -> str:
        """RT fraction dates (one per person and day) from 30 days before the index on."""
        rt = self.d.radiotherapy
        dose = (
            "SELECT m.person_id, m.measurement_date AS date, AVG(m.value_as_number) AS gy "
            "FROM measurement m JOIN rwd_concepts c "
            f"ON c.set_name = '{rt.dose_concept_set}' AND c.concept_id = m.measurement_concept_id "
            "GROUP BY m.person_id, m.measurement_date"
            if rt.dose_concept_set
            else "SELECT person_id, measurement_date AS date, CAST(NULL AS DOUBLE) AS gy FROM measurement WHERE FALSE"
        )
        return (
            "WITH f AS (SELECT p.person_id, p.procedure_date AS date, MIN(c.concept_name) AS technique "
            "FROM procedure_occurrence p JOIN rwd_concepts c "
            f"ON c.set_name = '{rt.concept_set}' AND c.concept_id = p.procedure_concept_id "
            "JOIN cohort k ON k.person_id = p.person_id "
            "WHERE date_diff('day', k.index_date, p.procedure_date) >= -365 "
            "AND p.procedure_date <= k.last_known_alive_date GROUP BY p.person_id, p.procedure_date) "
            f"SELECT f.person_id, f.date, f.technique, dz.gy FROM f LEFT JOIN ({dose}) dz "
            "ON dz.person_id = f.person_id AND dz.date = f.date"
        )

    def courses(self) -> str:
        """RT courses starting on or after the index date."""
        rt = self.d.radiotherapy
        if rt.episode_concept_set and "episode" in self.optional:
            eras = (
                "SELECT e.person_id, e.episode_id AS course, e.episode_start_date AS start_date, "
                "e.episode_end_date AS end_date FROM episode e JOIN rwd_concepts c "
                f"ON c.set_name = '{rt.episode_concept_set}' AND c.concept_id = e.episode_object_concept_id"
            )
            return (
                f"WITH eras AS ({eras}) SELECT r.person_id, r.course, r.start_date, r.end_date, "
                "CAST(COUNT(f.date) AS INTEGER) AS fractions, AVG(f.gy) AS dose_per_fraction_gy, "
                "SUM(f.gy) AS total_dose_gy, MIN(f.technique) AS technique, COUNT(f.gy) AS dosed "
                "FROM eras r JOIN cohort k ON k.person_id = r.person_id "
                "LEFT JOIN rt_fractions f ON f.person_id = r.person_id AND f.date >= r.start_date "
                "AND f.date <= r.end_date WHERE r.start_date >= k.index_date "
                "AND r.start_date <= k.last_known_alive_date "
                "GROUP BY r.person_id, r.course, r.start_date, r.end_date"
            )
        return (
            "WITH g AS (SELECT *, CASE WHEN date_diff('day', LAG(date) OVER (PARTITION BY person_id ORDER BY date), date) "
            f"> {rt.gap_days} THEN 1 ELSE 0 END AS new_course FROM rt_fractions), "
            "c AS (SELECT *, SUM(new_course) OVER (PARTITION BY person_id ORDER BY date "
            "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS course FROM g), "
            "r AS (SELECT person_id, course, MIN(date) AS start_date, MAX(date) AS end_date, "
            "CAST(COUNT(*) AS INTEGER) AS fractions, AVG(gy) AS dose_per_fraction_gy, SUM(gy) AS total_dose_gy, "
            "MIN(technique) AS technique, COUNT(gy) AS dosed FROM c GROUP BY person_id, course) "
            "SELECT r.* FROM r JOIN cohort k ON k.person_id = r.person_id WHERE r.start_date >= k.index_date"
        )

    def subjects(self) -> str:
        """The study's subjects table (DESIGN contract columns, then covariates)."""
        extra = ", k.platinum" if self.d.platinum is not None else ""
        ecog = "k.ecog" if self.d.ecog is not None else "CAST(NULL AS INTEGER)"
        return (
            f"SELECT CAST(k.person_id AS VARCHAR) AS subject_id, CASE WHEN rt.person_id IS NULL "
            f"THEN '{ARM_NO_RT}' ELSE '{ARM_RT}' END AS arm, k.sex, k.age, {ecog} AS ecog, "
            "k.index_date AS start_date, k.death_date, k.last_known_alive_date, "
            f"k.person_id{extra} FROM cohort k "
            "LEFT JOIN (SELECT DISTINCT person_id FROM rt_courses) rt ON rt.person_id = k.person_id"
        )

    def exposures(self) -> str:
        unit = self.d.immunotherapy.dose_unit.replace("'", "''")
        return (
            "SELECT CAST(person_id AS VARCHAR) AS subject_id, drug, dose, "
            f"'{unit}' AS dose_unit, date, cycle FROM io_administrations"
        )

    def radiotherapy(self) -> str:
        target = self.d.radiotherapy.target.replace("'", "''")
        return (
            f"SELECT CAST(person_id AS VARCHAR) AS subject_id, '{target}' AS target, technique, "
            "dose_per_fraction_gy, fractions, start_date, end_date, total_dose_gy FROM rt_courses"
        )

    def covariate_features(self) -> str:
        """Long table (person_id, covariate_id, covariate_name): concepts seen in the covariate
        window of each domain, plus demographics, for the large-scale propensity model."""
        cov = self.d.covariates
        parts = []
        for k, domain in enumerate(cov.domains):
            concept_col, date_col = DOMAINS[domain]
            day = f"date_diff('day', s.start_date, t.{date_col})"
            parts.append(
                f"SELECT DISTINCT t.person_id, CAST(t.{concept_col} AS BIGINT) * 10 + {k} AS covariate_id, "
                f"'{domain}:' || CAST(t.{concept_col} AS VARCHAR) AS covariate_name "
                f"FROM {domain} t JOIN study_subjects s ON s.person_id = t.person_id "
                f"WHERE {_in_window(day, cov.window)}"
            )
        return " UNION ALL ".join(parts)

    def stages(self) -> list[StageSpec]:
        domains = tuple(self.d.covariates.domains)
        cdm = (
            "drug_exposure",
            "person",
            "observation_period",
            "death",
            "condition_occurrence",
            "procedure_occurrence",
            "measurement",
        )
        return [
            StageSpec(
                "rwd_concepts",
                "concept sets",
                self.concepts,
                ("rwd_concept_list",)
                + (("concept_ancestor",) if "concept_ancestor" in self.optional else ()),
            ),
            StageSpec(
                "index_events", "index events", self.index_events, ("drug_exposure", "rwd_concepts")
            ),
            StageSpec(
                "eligibility",
                "eligibility",
                self.eligibility,
                (*cdm, "rwd_concepts", "index_events"),
            ),
            StageSpec("cohort", "cohort", self.cohort, ("eligibility",)),
            StageSpec(
                "io_administrations",
                "IO administrations",
                self.administrations,
                ("drug_exposure", "rwd_concepts", "cohort"),
            ),
            StageSpec(
                "rt_fractions",
                "RT fractions",
                self.fractions,
                ("procedure_occurrence", "measurement", "rwd_concepts", "cohort"),
            ),
            StageSpec(
                "rt_courses",
                "RT courses",
                self.courses,
                ("rt_fractions", "cohort", "rwd_concepts")
                + (("episode",) if "episode" in self.optional else ()),
            ),
            StageSpec("study_subjects", "subjects", self.subjects, ("cohort", "rt_courses")),
            StageSpec("study_exposures", "exposures", self.exposures, ("io_administrations",)),
            StageSpec("study_radiotherapy", "radiotherapy", self.radiotherapy, ("rt_courses",)),
            StageSpec(
                "covariate_features",
                "baseline covariates",
                self.covariate_features,
                (*domains, "study_subjects"),
            ),
        ]
