"""Trial profile against the numbers printed in seed 004 (Results and Fig. 1)."""

import pandas as pd

from rtio.eligibility import trial_profile


def test_seed004_trial_profile_counts():
    # seed 004: 56 assessed, 33 enrolled; 5 stopped before RT (consent withdrawal 1, supraventricular
    # arrhythmia 1, esophageal fistula 2, progression 1); 28 started RT; one withdrew after 3 sessions,
    # one refused RT for a liver metastasis after the primary course; 26 completed RT.
    screening = pd.DataFrame(
        {
            "candidate_id": [f"c{i}" for i in range(56)],
            "outcome": ["enrolled"] * 33 + ["excluded"] * 23,
            "reason": [None] * 33 + ["E1"] * 23,
        }
    )
    subjects = pd.DataFrame({"subject_id": [f"s{i}" for i in range(33)]})
    details = ["withdrawal", "adverse_event", "adverse_event", "adverse_event", "progression"]
    events = pd.DataFrame(
        {
            "subject_id": [f"s{i}" for i in range(5)] + ["s5", "s6", "s5"],
            "kind": ["treatment_discontinuation"] * 5
            + ["rt_discontinuation", "rt_discontinuation", "withdrawal"],
            "date": pd.to_datetime(["2021-08-01"] * 8),
            "detail": [*details, "withdrawal", "refusal", "withdrawal"],
        }
    )
    rt = pd.DataFrame(
        {
            "subject_id": [f"s{i}" for i in range(5, 33)],
            "fractions": [25] * 28,
            "planned_fractions": [28] + [25] * 27,
        }
    )
    p = trial_profile(screening, subjects, rt, events)
    assert (p["screened"], p["excluded"], p["enrolled"]) == (56, 23, 33)
    assert p["discontinued_before_rt"] == 5
    assert p["discontinued_before_rt_by_reason"] == {
        "adverse_event": 3,
        "withdrawal": 1,
        "progression": 1,
    }
    assert p["started_rt"] == 28
    assert p["completed_rt"] == 26
    assert p["completed_treatment"] == 27
