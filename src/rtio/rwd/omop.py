"""Cohort study tables as OMOP CDM v5.4 tables, and the vocabulary of the synthetic CDM.

:func:`study_to_omop` renders a seed-001-like study (subjects, exposures, radiotherapy) as the OMOP
rows a hospital's CDM would hold for it: person, observation_period, death, the ESCC diagnosis and
comorbidities in condition_occurrence, IO and platinum administrations in drug_exposure, one
procedure_occurrence per RT fraction (weekdays from the course start), ECOG and the dose of each
fraction in measurement. The synthetic vocabulary uses OMOP's range for site-specific concepts
(ids above 2,000,000,000), so it never collides with a standard vocabulary; a site replaces the
ids in its cohort definition by its own standard concepts (docs/rwd.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from rtio.rwd.definition import (
    Baseline,
    CohortDefinition,
    Concept,
    ConceptSet,
    Covariates,
    Criterion,
    IndexRule,
    IOExposure,
    Period,
    Radiotherapy,
    Window,
)
from rtio.rwd.plan import FEMALE, MALE

ESCC = 2_000_001_001
OTHER_CANCER = 2_000_001_002
COMORBIDITIES = np.arange(2_000_001_100, 2_000_001_140)
IO_DRUGS = {
    "camrelizumab": 2_000_002_001,
    "sintilimab": 2_000_002_002,
    "tislelizumab": 2_000_002_003,
    "toripalimab": 2_000_002_004,
}
PLATINUM = {"cisplatin": 2_000_002_101, "carboplatin": 2_000_002_102}
OTHER_DRUGS = np.arange(2_000_002_200, 2_000_002_240)
RT_PROCEDURES = {"IMRT": 2_000_003_001, "3DCRT": 2_000_003_002}
RT_DOSE = 2_000_004_001
ECOG = 2_000_004_002
TYPE_EHR = 32817
"""OMOP type concept "EHR"."""

SCHEMAS: dict[str, dict[str, str]] = {
    "person": {
        "person_id": "int64",
        "gender_concept_id": "int64",
        "year_of_birth": "int32",
        "month_of_birth": "int32",
        "day_of_birth": "int32",
        "race_concept_id": "int64",
        "ethnicity_concept_id": "int64",
    },
    "observation_period": {
        "observation_period_id": "int64",
        "person_id": "int64",
        "observation_period_start_date": "date",
        "observation_period_end_date": "date",
        "period_type_concept_id": "int64",
    },
    "death": {"person_id": "int64", "death_date": "date", "death_type_concept_id": "int64"},
    "condition_occurrence": {
        "condition_occurrence_id": "int64",
        "person_id": "int64",
        "condition_concept_id": "int64",
        "condition_start_date": "date",
        "condition_type_concept_id": "int64",
    },
    "drug_exposure": {
        "drug_exposure_id": "int64",
        "person_id": "int64",
        "drug_concept_id": "int64",
        "drug_exposure_start_date": "date",
        "drug_exposure_end_date": "date",
        "drug_type_concept_id": "int64",
        "quantity": "float64",
    },
    "procedure_occurrence": {
        "procedure_occurrence_id": "int64",
        "person_id": "int64",
        "procedure_concept_id": "int64",
        "procedure_date": "date",
        "procedure_type_concept_id": "int64",
    },
    "measurement": {
        "measurement_id": "int64",
        "person_id": "int64",
        "measurement_concept_id": "int64",
        "measurement_date": "date",
        "measurement_type_concept_id": "int64",
        "value_as_number": "float64",
    },
}
"""The OMOP CDM v5.4 columns the synthetic CDM writes (a subset of each table's columns)."""


def synthetic_definition(
    name: str = "First-line IO with or without local RT, R/M ESCC (synthetic CDM)",
    data_cutoff: str = "2023-12-31",
) -> CohortDefinition:
    """The cohort definition matching the synthetic vocabulary (written as DIR/cohort.yaml)."""
    sets = {
        "escc": ConceptSet(
            concepts=[Concept(id=ESCC, name="squamous cell carcinoma of oesophagus")]
        ),
        "other_cancer": ConceptSet(
            concepts=[Concept(id=OTHER_CANCER, name="other primary malignancy")]
        ),
        "pd1_pdl1": ConceptSet(concepts=[Concept(id=i, name=n) for n, i in IO_DRUGS.items()]),
        "platinum": ConceptSet(concepts=[Concept(id=i, name=n) for n, i in PLATINUM.items()]),
        "radiotherapy": ConceptSet(
            concepts=[Concept(id=i, name=n) for n, i in RT_PROCEDURES.items()]
        ),
        "rt_dose": ConceptSet(
            concepts=[Concept(id=RT_DOSE, name="radiation dose per fraction (Gy)")]
        ),
        "ecog": ConceptSet(concepts=[Concept(id=ECOG, name="ECOG performance status")]),
    }
    return CohortDefinition(
        name=name,
        protocol="yu2025-escc-local-rt",
        data_cutoff=pd.Timestamp(data_cutoff).date(),
        synthetic=True,
        concept_sets=sets,
        index=IndexRule(
            concept_set="pd1_pdl1",
            period=Period(
                start=pd.Timestamp("2019-03-01").date(), end=pd.Timestamp("2022-12-31").date()
            ),
            washout_days=365,
            diagnosis=Criterion(
                name="ESCC diagnosed before the index date",
                concept_set="escc",
                table="condition_occurrence",
                window=Window(start=None, end=0),
            ),
            min_age=18,
        ),
        exclusions=[
            Criterion(
                name="another primary malignancy in the year before the index",
                concept_set="other_cancer",
                window=Window(start=-365, end=0),
            )
        ],
        immunotherapy=IOExposure(concept_set="pd1_pdl1", gap_days=90, dose_unit="mg"),
        radiotherapy=Radiotherapy(
            concept_set="radiotherapy", gap_days=14, dose_concept_set="rt_dose", target="primary"
        ),
        ecog=Baseline(concept_set="ecog", window=Window(start=-30, end=0)),
        platinum=Criterion(
            name="platinum with the first IO cycle",
            concept_set="platinum",
            table="drug_exposure",
            window=Window(start=-7, end=7),
        ),
        covariates=Covariates.model_validate({}),
    )


def _days(values: np.ndarray) -> np.ndarray:
    return np.asarray(values).astype("timedelta64[D]")


def _dates(values: object) -> np.ndarray:
    return pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[D]")


def weekday_fractions(
    start: np.ndarray, count: np.ndarray, last: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Fraction dates: ``count`` weekdays from each ``start`` (a start on a weekend is kept), none
    after ``last``. Returns (course index, date) per fraction."""
    course = np.repeat(np.arange(start.size), count)
    k = np.arange(course.size) - np.repeat(np.cumsum(count) - count, count)
    first = start[course]
    later = np.busday_offset(np.busday_offset(first, 0, roll="forward"), k, roll="forward")
    date = np.where(k == 0, first, later)
    keep = date <= last[course]
    return course[keep], date[keep]


def study_to_omop(
    tables: dict[str, pd.DataFrame],
    rng: np.random.Generator,
    first_id: int = 1,
    noise: bool = True,
) -> dict[str, pd.DataFrame]:
    """OMOP CDM rows for a seed-001-like study (see the module docstring).

    ``subjects`` needs subject_id, sex, age, ecog, start_date, death_date, last_known_alive_date;
    ``exposures`` drug, dose, date of the IO administrations (optional ``platinum`` column in
    subjects adds a platinum dose on the index date); ``radiotherapy`` start_date, fractions,
    dose_per_fraction_gy, technique. Person ids are ``first_id`` onwards in subject order.
    """
    subjects = tables["subjects"]
    n = len(subjects)
    person = np.arange(first_id, first_id + n, dtype=np.int64)
    pid = pd.Series(person, index=subjects["subject_id"].to_numpy())
    index = _dates(subjects["start_date"])
    alive = _dates(subjects["last_known_alive_date"])
    death = _dates(subjects["death_date"])
    age = subjects["age"].to_numpy(int)
    month = rng.integers(1, 13, n)
    day = rng.integers(1, 29, n)
    index_month = (index.astype("datetime64[M]").astype(int) % 12) + 1
    index_day = (index - index.astype("datetime64[M]").astype("datetime64[D]")).astype(int) + 1
    not_yet = (month > index_month) | ((month == index_month) & (day > index_day))
    year = index.astype("datetime64[Y]").astype(int) + 1970 - age - not_yet.astype(int)
    out: dict[str, pd.DataFrame] = {}
    out["person"] = pd.DataFrame(
        {
            "person_id": person,
            "gender_concept_id": np.where(subjects["sex"].to_numpy() == "M", MALE, FEMALE),
            "year_of_birth": year,
            "month_of_birth": month,
            "day_of_birth": day,
            "race_concept_id": 0,
            "ethnicity_concept_id": 0,
        }
    )
    op_start = index - _days(rng.integers(400, 2400, n))
    out["observation_period"] = pd.DataFrame(
        {
            "observation_period_id": person,
            "person_id": person,
            "observation_period_start_date": op_start,
            "observation_period_end_date": alive,
            "period_type_concept_id": TYPE_EHR,
        }
    )
    dead = ~np.isnat(death)
    out["death"] = pd.DataFrame(
        {"person_id": person[dead], "death_date": death[dead], "death_type_concept_id": TYPE_EHR}
    )
    diagnosis = index - _days(rng.integers(7, 300, n))
    cond_person, cond_concept, cond_date = [person], [np.full(n, ESCC)], [diagnosis]
    drug_person, drug_concept, drug_date, drug_qty = [], [], [], []
    if noise:
        k = rng.poisson(3.0, n)
        who = np.repeat(np.arange(n), k)
        cond_person.append(person[who])
        cond_concept.append(rng.choice(COMORBIDITIES, who.size))
        cond_date.append(index[who] - _days(rng.integers(1, 365, who.size)))
        k = rng.poisson(2.0, n)
        who = np.repeat(np.arange(n), k)
        drug_person.append(person[who])
        drug_concept.append(rng.choice(OTHER_DRUGS, who.size))
        drug_date.append(index[who] - _days(rng.integers(1, 365, who.size)))
        drug_qty.append(np.ones(who.size))
    if "platinum" in subjects:
        chemo = subjects["platinum"].to_numpy(bool)
        drug_person.append(person[chemo])
        drug_concept.append(rng.choice(np.array(list(PLATINUM.values())), int(chemo.sum())))
        drug_date.append(index[chemo])
        drug_qty.append(np.full(int(chemo.sum()), 75.0))
    if "other_cancer" in subjects:
        other = subjects["other_cancer"].to_numpy(bool)
        cond_person.append(person[other])
        cond_concept.append(np.full(int(other.sum()), OTHER_CANCER))
        cond_date.append(index[other] - _days(rng.integers(1, 300, int(other.sum()))))
    conditions = np.concatenate(cond_person)
    out["condition_occurrence"] = pd.DataFrame(
        {
            "condition_occurrence_id": np.arange(conditions.size, dtype=np.int64) + first_id * 1000,
            "person_id": conditions,
            "condition_concept_id": np.concatenate(cond_concept),
            "condition_start_date": np.concatenate(cond_date),
            "condition_type_concept_id": TYPE_EHR,
        }
    )
    exposures = tables["exposures"]
    io_person = pid.reindex(exposures["subject_id"].to_numpy()).to_numpy()
    io_date = _dates(exposures["date"])
    drug_person.insert(0, io_person)
    drug_concept.insert(0, exposures["drug"].map(IO_DRUGS).to_numpy())
    drug_date.insert(0, io_date)
    drug_qty.insert(0, exposures["dose"].to_numpy(float))
    starts = np.concatenate(drug_date)
    out["drug_exposure"] = pd.DataFrame(
        {
            "drug_exposure_id": np.arange(starts.size, dtype=np.int64) + first_id * 1000,
            "person_id": np.concatenate(drug_person).astype(np.int64),
            "drug_concept_id": np.concatenate(drug_concept).astype(np.int64),
            "drug_exposure_start_date": starts,
            "drug_exposure_end_date": starts,
            "drug_type_concept_id": TYPE_EHR,
            "quantity": np.concatenate(drug_qty),
        }
    )
    rt = tables["radiotherapy"]
    rt_person = pid.reindex(rt["subject_id"].to_numpy()).to_numpy()
    rt_last = pd.Series(alive, index=person).reindex(rt_person).to_numpy().astype("datetime64[D]")
    course, fraction_date = weekday_fractions(
        _dates(rt["start_date"]), rt["fractions"].to_numpy(int), rt_last
    )
    technique = rt["technique"].map(RT_PROCEDURES).fillna(RT_PROCEDURES["IMRT"]).to_numpy(np.int64)
    out["procedure_occurrence"] = pd.DataFrame(
        {
            "procedure_occurrence_id": np.arange(course.size, dtype=np.int64) + first_id * 1000,
            "person_id": rt_person[course].astype(np.int64),
            "procedure_concept_id": technique[course],
            "procedure_date": fraction_date,
            "procedure_type_concept_id": TYPE_EHR,
        }
    )
    ecog_date = index - _days(rng.integers(0, 21, n))
    m_person = np.concatenate([person, rt_person[course].astype(np.int64)])
    out["measurement"] = pd.DataFrame(
        {
            "measurement_id": np.arange(m_person.size, dtype=np.int64) + first_id * 1000,
            "person_id": m_person,
            "measurement_concept_id": np.concatenate(
                [np.full(n, ECOG), np.full(course.size, RT_DOSE)]
            ),
            "measurement_date": np.concatenate([ecog_date, fraction_date]),
            "measurement_type_concept_id": TYPE_EHR,
            "value_as_number": np.concatenate(
                [
                    subjects["ecog"].to_numpy(float),
                    rt["dose_per_fraction_gy"].to_numpy(float)[course],
                ]
            ),
        }
    )
    return {name: _typed(frame, SCHEMAS[name]) for name, frame in out.items()}


def _typed(frame: pd.DataFrame, schema: dict[str, str]) -> pd.DataFrame:
    columns: dict[str, Any] = {}
    for column, kind in schema.items():
        values = frame[column]
        if kind == "date":
            columns[column] = pd.to_datetime(values).dt.date
        else:
            columns[column] = np.broadcast_to(np.asarray(values), len(frame)).astype(kind)
    return pd.DataFrame(columns)
