"""Seed 004 (ChiCTR2100046715) Methods criteria, with oligometastasis derived from the lesions table."""

import pandas as pd
import pytest

from rtio.eligibility import is_oligometastatic, screen, validate_rule
from rtio.protocol import load_protocol

CRITERIA = [c.model_dump() for c in load_protocol("ChiCTR2100046715").eligibility]
BASE = {
    "age": 59,
    "histology": "escc",
    "unresectable": True,
    "prior_anticancer_therapy": False,
    "stage": "IVB",
    "clinical_n": "N2",
    "clinical_m": "M1",
    "oligometastatic": True,
    "measurable_lesions": 2,
    "ecog": 1,
    "other_malignancy": False,
    "cns_metastases": False,
    "prior_immunotherapy": False,
    "autoimmune_history": False,
    "interstitial_lung_disease": False,
    "heart_failure": False,
    "diabetes_uncontrolled": False,
}
CASES = {
    "I1": ({"age": 76}, ["age"]),
    "I2": ({"histology": "adenocarcinoma"}, ["histology"]),
    "I3": ({"prior_anticancer_therapy": True}, ["unresectable"]),
    "I4": ({"oligometastatic": False}, ["oligometastatic"]),
    "I5": ({"measurable_lesions": 0}, ["measurable_lesions"]),
    "I6": ({"ecog": 2}, ["ecog"]),
    "E1": ({"other_malignancy": True}, ["other_malignancy"]),
    "E2": ({"cns_metastases": True}, ["cns_metastases"]),
    "E3": ({"prior_immunotherapy": True}, ["prior_immunotherapy"]),
    "E4": ({"interstitial_lung_disease": True}, ["autoimmune_history"]),
    "E5": ({"diabetes_uncontrolled": True}, ["heart_failure"]),
}


def run(patient):
    return screen(CRITERIA, pd.DataFrame([{"candidate_id": "x", **patient}]))


def test_rules_valid_and_baseline_passes():
    for c in CRITERIA:
        if not c["manual"]:
            validate_rule(c["rule"], c["id"])
            assert c["id"] in CASES
    status = run(BASE).details.set_index("criterion")["status"]
    assert set(status[status != "manual"]) == {"met"} and set(status[status == "manual"].index) == {
        "I7",
        "I8",
    }


def test_n3_m0_without_distant_metastasis_is_eligible_extent():
    # seed 004: six patients had only regional lymph node metastases (cTanyN3M0)
    status = run({**BASE, "clinical_n": "N3", "clinical_m": "M0", "oligometastatic": False}).details
    assert status.set_index("criterion").loc["I4", "status"] == "met"


@pytest.mark.parametrize("cid", sorted(CASES))
def test_failing_and_missing(cid):
    change, removed = CASES[cid]
    assert run({**BASE, **change}).verdicts.loc[0, "failed"] == cid
    patient = {k: v for k, v in BASE.items() if k not in removed}
    assert run(patient).details.set_index("criterion").loc[cid, "status"] == "unknown"


def test_oligometastatic_fact_from_lesions_table():
    lesions = pd.DataFrame(
        {
            "subject_id": ["a"] * 4 + ["b"] * 5,
            "lesion_id": list("1234") + list("12345"),
            "organ": [
                "esophagus",
                "lung",
                "lymph_node",
                "lymph_node",
                "esophagus",
                "lung",
                "liver",
                "bone",
                "adrenal",
            ],
            "is_lymph_node": [False, False, True, True, False, False, False, False, False],
            "site": ["primary", "distant_organ", "distant_node", "distant_node", "primary"]
            + ["distant_organ"] * 4,
            "station": [
                None,
                None,
                "supraclavicular",
                "supraclavicular",
                None,
                None,
                None,
                None,
                None,
            ],
        }
    )
    facts = is_oligometastatic(lesions).rename(columns={"subject_id": "candidate_id"})[
        ["candidate_id", "oligometastatic"]
    ]
    frame = facts.assign(**{k: v for k, v in BASE.items() if k != "oligometastatic"})
    s = screen(CRITERIA, frame)
    # b: 4 metastatic lesions but in 4 organs (> 3) -> not oligometastatic
    assert s.verdicts.set_index("candidate_id")["failed"].to_dict() == {"a": "", "b": "I4"}
