"""FHIR R4 Bundle -> long eligibility facts (candidate_id, fact, value, unit, date, uln).

Resources are read with ``fhir.resources.R4B`` models (R4-compatible); codes map to rtio facts
through a mapping table (columns system, code, fact). Observations give numeric values with their
UCUM unit and reference-range high as ``uln``; Condition, MedicationStatement,
MedicationAdministration and Procedure give boolean facts dated by onset / effective / performed
time; Patient gives sex and age at ``as_of``. Codes without a mapping are listed in ``unmapped``.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.medicationadministration import MedicationAdministration
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.procedure import Procedure

from rtio.dates import parse_iso_dates

LOINC = "http://loinc.org"

#: Default code -> fact mapping (LOINC for laboratory results and ECOG).
DEFAULT_MAPPING = pd.DataFrame(
    [
        (LOINC, "751-8", "anc"),
        (LOINC, "6690-2", "wbc"),
        (LOINC, "777-3", "platelets"),
        (LOINC, "718-7", "hemoglobin"),
        (LOINC, "1751-7", "albumin"),
        (LOINC, "1975-2", "bilirubin_total"),
        (LOINC, "1968-7", "bilirubin_direct"),
        (LOINC, "1742-6", "alt"),
        (LOINC, "1920-8", "ast"),
        (LOINC, "2160-0", "creatinine"),
        (LOINC, "2164-2", "crcl"),
        (LOINC, "3094-0", "bun"),
        (LOINC, "89247-1", "ecog"),
    ],
    columns=["system", "code", "fact"],
)

#: UCUM spellings -> rtio unit names (others pass through unchanged and must be known to units.FACTORS).
UCUM = {
    "10*9/L": "10^9/L",
    "10*3/uL": "10^3/uL",
    "10*6/L": "10^6/L",
    "/uL": "/uL",
    "mL/min": "mL/min",
    "{score}": "1",
}


@dataclass
class FhirFacts:
    """Long facts from a Bundle, and the (resource type, system, code) triples with no mapping."""

    facts: pd.DataFrame
    unmapped: list[tuple[str, str, str]] = field(default_factory=list)


def _date(value: Any) -> dt.date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, dt.datetime) else value


def _patient_id(ref: Any) -> str:
    return ref.reference.split("/")[-1]


def fhir_bundle_to_facts(
    bundle: dict | str | Path, mapping: pd.DataFrame | None = None, as_of: dt.date | None = None
) -> FhirFacts:
    """Read a FHIR R4 Bundle (dict, JSON text or file) into long facts; see the module docstring."""
    if isinstance(bundle, Path) or (
        isinstance(bundle, str) and not bundle.lstrip().startswith("{")
    ):
        bundle = json.loads(Path(bundle).read_text(encoding="utf-8"))
    elif isinstance(bundle, str):
        bundle = json.loads(bundle)
    parsed = Bundle.model_validate(bundle)
    table = DEFAULT_MAPPING if mapping is None else mapping
    lookup = {(s, c): f for s, c, f in table[["system", "code", "fact"]].itertuples(index=False)}
    rows: list[dict[str, Any]] = []
    unmapped: list[tuple[str, str, str]] = []

    def mapped(kind: str, concept: Any) -> str | None:
        for coding in concept.coding or []:
            if (coding.system, coding.code) in lookup:
                return lookup[(coding.system, coding.code)]
        for coding in concept.coding or []:
            unmapped.append((kind, coding.system or "", coding.code or ""))
        return None

    for entry in parsed.entry or []:
        res = entry.resource
        if res is None:  # an entry with only a request or response carries no facts
            continue
        kind = res.__resource_type__
        if isinstance(res, Patient):
            if res.gender in ("male", "female"):
                rows.append({"candidate_id": res.id, "fact": "sex", "value": res.gender[0].upper()})
            if res.birthDate is not None and as_of is not None:
                b = res.birthDate
                age = as_of.year - b.year - ((as_of.month, as_of.day) < (b.month, b.day))
                rows.append({"candidate_id": res.id, "fact": "age", "value": age, "unit": "years"})
        elif isinstance(res, Observation):
            fact = mapped(kind, res.code)
            if fact is None:
                continue
            q = res.valueQuantity
            value = q.value if q is not None else res.valueInteger
            spelled = None if q is None else q.code or q.unit
            unit = "1" if q is None else None if spelled is None else UCUM.get(spelled, spelled)
            high = res.referenceRange[0].high if res.referenceRange else None
            uln = None if high is None or high.value is None else float(high.value)
            rows.append(
                {
                    "candidate_id": _patient_id(res.subject),
                    "fact": fact,
                    "value": None if value is None else float(value),
                    "unit": unit,
                    "date": _date(res.effectiveDateTime),
                    "uln": uln,
                }
            )
        elif isinstance(
            res, Condition | MedicationStatement | MedicationAdministration | Procedure
        ):
            concept = (
                res.code
                if isinstance(res, Condition | Procedure)
                else res.medicationCodeableConcept
            )
            fact = mapped(kind, concept) if concept is not None else None
            if fact is None:
                continue
            when = {
                "Condition": "onsetDateTime",
                "Procedure": "performedDateTime",
                "MedicationStatement": "effectiveDateTime",
                "MedicationAdministration": "effectiveDateTime",
            }[kind]
            rows.append(
                {
                    "candidate_id": _patient_id(res.subject),
                    "fact": fact,
                    "value": True,
                    "date": _date(getattr(res, when)),
                }
            )
    facts = pd.DataFrame(rows, columns=["candidate_id", "fact", "value", "unit", "date", "uln"])
    facts["date"] = parse_iso_dates(facts["date"], column="date", source="FHIR bundle")
    return FhirFacts(facts=facts, unmapped=unmapped)
