"""FHIR R4 Bundle import into eligibility facts, then screening."""

import datetime as dt

import pandas as pd

from rtio.eligibility import screen
from rtio.eligibility.fhir import DEFAULT_MAPPING, fhir_bundle_to_facts

SNOMED = "http://snomed.info/sct"


def obs(oid, code, value, unit, date, high=None):
    r = {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": code}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": date,
        "valueQuantity": {
            "value": value,
            "unit": unit,
            "system": "http://unitsofmeasure.org",
            "code": unit,
        },
    }
    if high is not None:
        r["referenceRange"] = [{"high": {"value": high, "unit": unit}}]
    return {"resource": r}


BUNDLE = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [
        {
            "resource": {
                "resourceType": "Patient",
                "id": "p1",
                "gender": "male",
                "birthDate": "1960-05-20",
            }
        },
        obs("o1", "751-8", 1.2, "10*9/L", "2026-01-03"),
        obs("o2", "718-7", 9.1, "g/dL", "2026-01-03"),
        obs("o3", "1742-6", 80, "U/L", "2026-01-04", high=40),
        obs("o4", "9999-9", 1.0, "mg/L", "2026-01-04"),
        {
            "resource": {
                "resourceType": "Condition",
                "id": "c1",
                "subject": {"reference": "Patient/p1"},
                "code": {"coding": [{"system": SNOMED, "code": "69896004"}]},
                "onsetDateTime": "2019-02-01",
            }
        },
    ],
}


def test_bundle_to_facts_and_screen():
    mapping = pd.concat(
        [
            DEFAULT_MAPPING,
            pd.DataFrame(
                [(SNOMED, "69896004", "autoimmune_active")], columns=DEFAULT_MAPPING.columns
            ),
        ]
    )
    got = fhir_bundle_to_facts(BUNDLE, mapping, as_of=dt.date(2026, 1, 10))
    f = got.facts.set_index("fact")
    assert f.loc["age", "value"] == 65 and f.loc["sex", "value"] == "M"
    assert f.loc["anc", "unit"] == "10^9/L" and f.loc["alt", "uln"] == 40
    assert got.unmapped == [("Observation", "http://loinc.org", "9999-9")]
    criteria = [
        {
            "id": "I1",
            "kind": "inclusion",
            "text": "ANC",
            "manual": False,
            "rule": {"fact": "anc", "op": ">=", "value": 1.5, "unit": "10^9/L", "within_days": 7},
        },
        {
            "id": "I2",
            "kind": "inclusion",
            "text": "Hb",
            "manual": False,
            "rule": {
                "fact": "hemoglobin",
                "op": ">=",
                "value": 80,
                "unit": "g/L",
                "within_days": 7,
            },
        },
        {
            "id": "I3",
            "kind": "inclusion",
            "text": "ALT",
            "manual": False,
            "rule": {"fact": "alt", "op": "<=", "value": 2.5, "unit": "x ULN", "within_days": 7},
        },
        {
            "id": "E1",
            "kind": "exclusion",
            "text": "autoimmune",
            "manual": False,
            "rule": {"fact": "autoimmune_active", "is": True},
        },
    ]
    s = screen(criteria, got.facts, screening_date="2026-01-10")
    d = s.details.set_index("criterion")
    assert d["status"].to_dict() == {"I1": "not_met", "I2": "met", "I3": "met", "E1": "not_met"}
    assert d.loc["I1", "reason"] == (
        "absolute neutrophil count 1.2 10^9/L on 2026-01-03 (7 days before screening, "
        "window 7 days): does not meet ≥ 1.5 10^9/L"
    )
    assert d.loc["I1", "decided_by"] == "anc >= 1.5 10^9/L"
    assert s.verdicts.loc[0, "failed"] == "I1;E1"
