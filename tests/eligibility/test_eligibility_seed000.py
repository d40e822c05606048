"""Every criterion of NCT07164690 (seed 000): a passing, a failing and a missing-data patient.

Criteria ids, texts and rules come fromthe shipped protocol. The baseline patient meets every computable criterion; each case changes the
facts of one criterion so that it, and only it (plus the I7 parent for organ sub-items), fails.
"""

import pandas as pd
import pytest

from rtio.eligibility import screen, validate_rule
from rtio.protocol import load_protocol

DAY = pd.Timestamp("2026-01-10")
LAB = DAY - pd.Timedelta(days=3)


def criteria():
    """The shipped protocol's criteria, with their rules."""
    return [c.model_dump() for c in load_protocol("NCT07164690").eligibility]


def lab(name, value, unit, uln=None):
    d = {name: value, f"{name}_unit": unit, f"{name}_date": LAB}
    if uln is not None:
        d[f"{name}_uln"] = uln
    return d


BASE = {
    "age": 60,
    "ecog": 1,
    "histology": "escc",
    "disease_extent": "metastatic",
    "first_line_platinum_pd1_progression": True,
    "measurable_lesions": 2,
    "measurable_lesions_date": DAY - pd.Timedelta(days=20),
    **lab("hemoglobin", 95, "g/L"),
    **lab("wbc", 4.0, "10^9/L"),
    **lab("anc", 2.0, "10^9/L"),
    **lab("platelets", 150, "10^9/L"),
    **lab("bilirubin_total", 15, "umol/L", 21),
    **lab("bilirubin_direct", 3, "umol/L", 7),
    **lab("alt", 30, "U/L", 40),
    **lab("ast", 30, "U/L", 40),
    **lab("creatinine", 80, "umol/L", 110),
    **lab("crcl", 80, "mL/min"),
    **lab("bun", 150, "mg/L"),
    **lab("albumin", 38, "g/L"),
    "autoimmune_active": False,
    "interstitial_lung_disease_symptomatic": False,
    "pneumonitis_active": False,
    "tumor_invasion_high_risk": False,
    "prior_esophageal_stent": False,
    "other_malignancy": False,
    "infection_active": False,
    "heart_failure": False,
    "myocardial_infarction": False,
    "unstable_angina": False,
    "arrhythmia_uncontrolled": False,
    "mixed_small_cell": False,
    "pregnant_or_breastfeeding": False,
    "immunodeficiency": False,
    "hiv": False,
    "transplant": False,
    "hbv_active": False,
    "hcv_active": False,
    "tuberculosis_active": False,
    "tumor_vaccine": False,
    "live_vaccine": False,
    "immunosuppressants_current": False,
    "chemotherapy_current": False,
    "investigational_drug_current": False,
    "chronic_corticosteroids": False,
    "hypersensitivity_study_drugs": False,
}

# criterion -> (change that fails it, facts removed to make it unknown)
CASES = {
    "I1": ({"age": 17}, ["age"]),
    "I2": ({"ecog": 2}, ["ecog"]),
    "I3": ({"histology": "adenocarcinoma"}, ["histology"]),
    "I4": (
        {
            "first_line_platinum_pd1_progression": False,
            "progression": True,
            "progression_date": pd.Timestamp("2025-10-01"),
            "adjuvant_pd1_end_date": pd.Timestamp("2025-03-01"),
        },
        ["first_line_platinum_pd1_progression"],
    ),
    "I5": ({"measurable_lesions": 0}, ["measurable_lesions"]),
    "I7.1": ({"hemoglobin": 7.5, "hemoglobin_unit": "g/dL"}, ["hemoglobin"]),
    "I7.2": ({"alt": 120}, ["alt"]),
    "I7.3": ({"creatinine": 180, "crcl": 45}, ["bun"]),
    "E1": ({"autoimmune_active": True}, ["autoimmune_active"]),
    "E2": ({"pneumonitis_active": True}, ["interstitial_lung_disease_symptomatic"]),
    "E3": ({"prior_esophageal_stent": True}, ["prior_esophageal_stent"]),
    "E4": (
        {"other_malignancy": True, "other_malignancy_date": pd.Timestamp("2024-06-01")},
        ["other_malignancy"],
    ),
    "E5": (
        {"myocardial_infarction": True, "myocardial_infarction_date": pd.Timestamp("2025-09-01")},
        ["heart_failure"],
    ),
    "E7": ({"mixed_small_cell": True}, ["mixed_small_cell"]),
    "E8": ({"pregnant_or_breastfeeding": True}, ["pregnant_or_breastfeeding"]),
    "E9": ({"hiv": True}, ["transplant"]),
    "E10": ({"hbv_active": True}, ["tuberculosis_active"]),
    "E11": (
        {"live_vaccine": True, "live_vaccine_date": DAY - pd.Timedelta(days=20)},
        ["live_vaccine"],
    ),
    "E12": ({"chronic_corticosteroids": True}, ["chemotherapy_current"]),
    "E14": ({"hypersensitivity_study_drugs": True}, ["hypersensitivity_study_drugs"]),
}
PARENT = {"I7.1": "I7", "I7.2": "I7", "I7.3": "I7"}
MANUAL = {"I6", "I8", "E6", "E13"}


def run(patient):
    frame = pd.DataFrame([{"candidate_id": "x", "screening_date": DAY, **patient}])
    return screen(criteria(), frame)


def test_every_criterion_has_a_rule_or_is_manual_and_a_case():
    crit = criteria()
    for c in crit:
        if c["manual"]:
            assert c["id"] in MANUAL
        else:
            validate_rule(c["rule"], c["id"])
            assert c["id"] in CASES or c["id"] == "I7"
    assert len(crit) == 25


def test_baseline_meets_every_computable_criterion():
    s = run(BASE)
    status = s.details.set_index("criterion")["status"]
    assert set(status[status != "manual"]) == {"met"}
    assert set(status[status == "manual"].index) == MANUAL
    assert s.verdicts.loc[0, "verdict"] == "pending"


@pytest.mark.parametrize("cid", sorted(CASES))
def test_failing_patient(cid):
    change, _ = CASES[cid]
    s = run({**BASE, **change})
    failed = set(s.verdicts.loc[0, "failed"].split(";"))
    assert failed == {cid} | ({PARENT[cid]} if cid in PARENT else set())
    assert s.verdicts.loc[0, "verdict"] == "ineligible"


@pytest.mark.parametrize("cid", sorted(CASES))
def test_missing_data_patient(cid):
    _, removed = CASES[cid]
    patient = {
        k: v for k, v in BASE.items() if not any(k == r or k.startswith(r + "_") for r in removed)
    }
    s = run(patient)
    status = s.details.set_index("criterion")["status"]
    assert status[cid] == "unknown"
    assert s.verdicts.loc[0, "verdict"] == "pending"


def test_scan_older_than_4_weeks_is_unknown_not_passed():
    s = run({**BASE, "measurable_lesions_date": DAY - pd.Timedelta(days=35)})
    assert s.details.set_index("criterion").loc["I5", "status"] == "unknown"
