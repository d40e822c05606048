"""Seed 002's surgical and pathological endpoints from a 23-patient cohort built to its report.

Seed 002 (secondary induction RT after poor response to neoadjuvant chemo-immunotherapy, 23 patients):
R0 100 %, pCR 21.7 %, MPR 43.5 %, CR 4 + PR 8 (ORR 52.2 %), DCR 100 %, clinical downstaging
60.9 %, pathological downstaging 69.6 %, grade 3–4 surgical complications 8.7 %, RT-related grade 3–4
myelosuppression 13.0 % and gastrointestinal events 8.7 %, median RT-to-surgery interval 48 days.
Exact CIs from R binom.test (tests/reference/cohort/seed002_binom.R).
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rtio.cohort.surgical import downstaged, neoadjuvant_endpoints, rt_to_surgery_days

BINOM = json.loads(
    (
        Path(__file__).resolve().parents[1] / "reference" / "cohort" / "seed002_binom.json"
    ).read_text()
)
N = 23


@pytest.fixture(scope="module")
def cohort() -> dict[str, pd.DataFrame]:
    ids = [f"P{i:02d}" for i in range(N)]
    stage = ["II"] * 7 + ["III"] * 14 + ["IVA"] * 2
    # clinical restaging: 14 of 23 lower than baseline
    post = ["I"] * 5 + ["II"] * 2 + ["II"] * 9 + ["III"] * 5 + ["IVA"] * 2
    # pathology: 5 pCR (stage 0), 16 of 23 downstaged in all
    yp = (
        ["0"] * 5
        + ["I"] * 2
        + ["I", "II", "II", "II", "II", "II", "II", "II", "II"]
        + ["III"] * 5
        + ["IVA"] * 2
    )
    ypt = ["ypT0"] * 5 + ["ypT2"] * 18
    ypn = ["ypN0"] * 5 + ["ypN1"] * 18
    viable = [0.0] * 5 + [5.0, 8.0, 10.0, 10.0, 2.0] + [30.0] * 13
    complication = [3, 4] + [0] * 21
    subjects = pd.DataFrame({"subject_id": ids, "stage": stage})
    rt_end = pd.Timestamp("2024-01-10") + pd.to_timedelta(np.arange(N), unit="D")
    interval = np.array(
        [30, 35, 40, 42, 44, 45, 46, 47, 47, 48, 48, 48, 49, 50, 52, 53, 55, 56, 58, 60, 62, 65, 70]
    )
    surgery = pd.DataFrame(
        {
            "subject_id": ids,
            "date": rt_end + pd.to_timedelta(interval, unit="D"),
            "margin": "R0",
            "viable_tumor_pct": viable,
            "ypt": ypt,
            "ypn": ypn,
            "yp_stage": yp,
            "post_clinical_stage": post,
            "complication_grade": complication,
        }
    )
    radiotherapy = pd.DataFrame(
        {"subject_id": ids, "start_date": rt_end - pd.Timedelta(days=30), "end_date": rt_end}
    )
    responses = pd.DataFrame(
        {
            "subject_id": ids,
            "assessment_date": rt_end + pd.Timedelta(days=20),
            "overall_response": ["CR"] * 4 + ["PR"] * 8 + ["SD"] * 11,
        }
    )
    ae_subjects = ["P00", "P01", "P02", "P03", "P04"]
    adverse_events = pd.DataFrame(
        {
            "subject_id": [*ae_subjects, "P05", "P06"],
            "term": [
                "Lymphocyte count decreased",
                "Neutrophil count decreased",
                "Anemia",
                "Esophagitis",
                "Nausea",
                "Lymphocyte count decreased",
                "Esophagitis",
            ],
            "grade": [3, 4, 3, 3, 3, 2, 2],
            "related_radiotherapy": [True] * 7,
        }
    )
    return {
        "subjects": subjects,
        "surgery": surgery,
        "radiotherapy": radiotherapy,
        "responses": responses,
        "adverse_events": adverse_events,
    }


EXPECTED = {
    "R0 resection": ("r0", 1.0),
    "pCR (ypT0N0)": ("pcr", 0.217),
    "MPR (<= 10 % viable tumour)": ("mpr", 0.435),
    "ORR after induction RT": ("orr", 0.522),
    "DCR after induction RT": ("dcr", 1.0),
    "clinical downstaging": ("clinical_downstaging", 0.609),
    "pathological downstaging": ("pathological_downstaging", 0.696),
    "surgical complications grade 3-4": ("surgical_complication_g3_4", 0.087),
    "RT-related grade 3-4 myelosuppression": ("rt_myelosuppression_g3_4", 0.130),
    "RT-related grade 3-4 gastrointestinal": ("rt_gastrointestinal_g3_4", 0.087),
}


def test_seed002_rates_and_exact_cis(cohort) -> None:
    table = neoadjuvant_endpoints(
        cohort["subjects"], cohort["surgery"], cohort["responses"], cohort["adverse_events"]
    ).set_index("endpoint")
    assert set(table.index) == set(EXPECTED)
    for endpoint, (key, printed) in EXPECTED.items():
        row, ref = table.loc[endpoint], BINOM[key]
        assert (row["k"], row["n"]) == (ref["k"], 23), endpoint
        assert round(row["rate"], 3) == pytest.approx(printed), endpoint
        assert row["lower"] == pytest.approx(ref["lower"], rel=1e-8), endpoint
        assert row["upper"] == pytest.approx(ref["upper"], rel=1e-8), endpoint


def test_median_interval_rt_to_surgery_is_48_days(cohort) -> None:
    days = rt_to_surgery_days(cohort["radiotherapy"], cohort["surgery"])
    assert days.median() == 48


def test_downstaging_compares_groups_then_subgroups() -> None:
    before = pd.Series(["III", "IIIB", "III", "IVA", "II", None, "IIIA"])
    after = pd.Series(["II", "IIIA", "IIIA", "IVA", "III", "I", "IIIA"])
    result = downstaged(before, after)
    assert result.tolist()[:5] == [True, True, False, False, False]
    assert pd.isna(result[5])
    assert not result[6]
