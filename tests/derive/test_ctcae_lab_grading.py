"""CTCAE v5.0 laboratory grading: every grade boundary on both sides, from the published v5.0
thresholds (NCI, 27 Nov 2017), plus the ALT / bilirubin / creatinine boundary vectors that
pharmaverse admiral's tests use (ULN 40)."""

import numpy as np
import pandas as pd
import pytest

from rtio.derive.ctcae import grade_labs

# test, value, unit, lln, uln, baseline, term, expected grade
CASES = [
    # Lymphocyte count decreased: <LLN-0.8; <0.8-0.5; <0.5-0.2; <0.2 (x10^9/L)
    ("lymphocytes", 1.0, "10^9/L", 1.0, 3.2, None, "Lymphocyte count decreased", 0),
    ("lymphocytes", 0.99, "10^9/L", 1.0, 3.2, None, "Lymphocyte count decreased", 1),
    ("lymphocytes", 0.8, "10^9/L", 1.0, 3.2, None, "Lymphocyte count decreased", 1),
    ("lymphocytes", 0.79, "10^9/L", 1.0, 3.2, None, "Lymphocyte count decreased", 2),
    ("lymphocytes", 0.5, "10^9/L", 1.0, 3.2, None, "Lymphocyte count decreased", 2),
    ("lymphocytes", 0.49, "10^9/L", 1.0, 3.2, None, "Lymphocyte count decreased", 3),
    ("lymphocytes", 0.2, "10^9/L", 1.0, 3.2, None, "Lymphocyte count decreased", 3),
    ("lymphocytes", 0.19, "10^9/L", 1.0, 3.2, None, "Lymphocyte count decreased", 4),
    ("lymphocytes", 800, "/mm3", 1000, 3200, None, "Lymphocyte count decreased", 1),
    ("lymphocytes", 799, "/mm3", 1000, 3200, None, "Lymphocyte count decreased", 2),
    (
        "lymphocytes",
        0.75,
        "10^9/L",
        0.7,
        3.2,
        None,
        "Lymphocyte count decreased",
        2,
    ),  # literal reading: <0.8 is G2
    # White blood cell decreased: <LLN-3.0; <3.0-2.0; <2.0-1.0; <1.0
    ("wbc", 3.0, "10^9/L", 4.0, 10.0, None, "White blood cell decreased", 1),
    ("wbc", 2.99, "10^9/L", 4.0, 10.0, None, "White blood cell decreased", 2),
    ("wbc", 2.0, "10^9/L", 4.0, 10.0, None, "White blood cell decreased", 2),
    ("wbc", 1.99, "10^9/L", 4.0, 10.0, None, "White blood cell decreased", 3),
    ("wbc", 1.0, "10^3/uL", 4.0, 10.0, None, "White blood cell decreased", 3),
    ("wbc", 0.99, "10^3/uL", 4.0, 10.0, None, "White blood cell decreased", 4),
    # Neutrophil count decreased: <LLN-1.5; <1.5-1.0; <1.0-0.5; <0.5
    ("neutrophils", 1.8, "10^9/L", 1.8, 7.5, None, "Neutrophil count decreased", 0),
    ("neutrophils", 1.5, "10^9/L", 1.8, 7.5, None, "Neutrophil count decreased", 1),
    ("neutrophils", 1.49, "10^9/L", 1.8, 7.5, None, "Neutrophil count decreased", 2),
    ("neutrophils", 1.0, "10^9/L", 1.8, 7.5, None, "Neutrophil count decreased", 2),
    ("neutrophils", 0.99, "10^9/L", 1.8, 7.5, None, "Neutrophil count decreased", 3),
    ("neutrophils", 0.5, "10^9/L", 1.8, 7.5, None, "Neutrophil count decreased", 3),
    ("neutrophils", 0.49, "10^9/L", 1.8, 7.5, None, "Neutrophil count decreased", 4),
    # Platelet count decreased: <LLN-75; <75-50; <50-25; <25
    ("platelets", 75, "10^9/L", 150, 400, None, "Platelet count decreased", 1),
    ("platelets", 74.9, "10^9/L", 150, 400, None, "Platelet count decreased", 2),
    ("platelets", 50, "10^9/L", 150, 400, None, "Platelet count decreased", 2),
    ("platelets", 49.9, "10^9/L", 150, 400, None, "Platelet count decreased", 3),
    ("platelets", 25, "10^9/L", 150, 400, None, "Platelet count decreased", 3),
    ("platelets", 24.9, "10^9/L", 150, 400, None, "Platelet count decreased", 4),
    # Anemia: <LLN-100 g/L; <100-80; <80 (grade 4 clinical only)
    ("hemoglobin", 120, "g/L", 120, 160, None, "Anemia", 0),
    ("hemoglobin", 100, "g/L", 120, 160, None, "Anemia", 1),
    ("hemoglobin", 99, "g/L", 120, 160, None, "Anemia", 2),
    ("hemoglobin", 80, "g/L", 120, 160, None, "Anemia", 2),
    ("hemoglobin", 79, "g/L", 120, 160, None, "Anemia", 3),
    ("hemoglobin", 40, "g/L", 120, 160, None, "Anemia", 3),
    ("hemoglobin", 10.0, "g/dL", 12, 16, None, "Anemia", 1),
    ("hemoglobin", 7.9, "g/dL", 12, 16, None, "Anemia", 3),
    ("hemoglobin", 4.9, "mmol/L", 7.4, 9.9, None, "Anemia", 2),
    ("hemoglobin", 4.8, "mmol/L", 7.4, 9.9, None, "Anemia", 3),
    # Hypertriglyceridemia: 150-300 mg/dL (1.71-3.42 mmol/L); >300-500; >500-1000; >1000
    ("triglycerides", 1.70, "mmol/L", None, 1.7, None, "Hypertriglyceridemia", 0),
    ("triglycerides", 1.71, "mmol/L", None, 1.7, None, "Hypertriglyceridemia", 1),
    ("triglycerides", 3.42, "mmol/L", None, 1.7, None, "Hypertriglyceridemia", 1),
    ("triglycerides", 3.43, "mmol/L", None, 1.7, None, "Hypertriglyceridemia", 2),
    ("triglycerides", 5.7, "mmol/L", None, 1.7, None, "Hypertriglyceridemia", 2),
    ("triglycerides", 5.71, "mmol/L", None, 1.7, None, "Hypertriglyceridemia", 3),
    ("triglycerides", 11.4, "mmol/L", None, 1.7, None, "Hypertriglyceridemia", 3),
    ("triglycerides", 11.41, "mmol/L", None, 1.7, None, "Hypertriglyceridemia", 4),
    ("triglycerides", 149, "mg/dL", None, 150, None, "Hypertriglyceridemia", 0),
    ("triglycerides", 150, "mg/dL", None, 150, None, "Hypertriglyceridemia", 1),
    ("triglycerides", 300, "mg/dL", None, 150, None, "Hypertriglyceridemia", 1),
    ("triglycerides", 301, "mg/dL", None, 150, None, "Hypertriglyceridemia", 2),
    # Blood bilirubin increased (admiral vector, ULN 40): 401→4, 400→3, 121→3, 120→2, 61→2, 60→1, 41→1, 40→0
    ("bilirubin_total", 401, "umol/L", None, 40, None, "Blood bilirubin increased", 4),
    ("bilirubin_total", 400, "umol/L", None, 40, None, "Blood bilirubin increased", 3),
    ("bilirubin_total", 121, "umol/L", None, 40, None, "Blood bilirubin increased", 3),
    ("bilirubin_total", 120, "umol/L", None, 40, None, "Blood bilirubin increased", 2),
    ("bilirubin_total", 61, "umol/L", None, 40, None, "Blood bilirubin increased", 2),
    ("bilirubin_total", 60, "umol/L", None, 40, None, "Blood bilirubin increased", 1),
    ("bilirubin_total", 41, "umol/L", None, 40, None, "Blood bilirubin increased", 1),
    ("bilirubin_total", 40, "umol/L", None, 40, None, "Blood bilirubin increased", 0),
    (
        "bilirubin_total",
        61,
        "umol/L",
        None,
        40,
        50,
        "Blood bilirubin increased",
        1,
    ),  # abnormal baseline 50: >1.0-1.5x
    ("bilirubin_total", 76, "umol/L", None, 40, 50, "Blood bilirubin increased", 2),
    ("bilirubin_total", 50, "umol/L", None, 40, 50, "Blood bilirubin increased", 0),
    # Hypoalbuminemia: <LLN-30 g/L; <30-20; <20
    ("albumin", 30, "g/L", 35, 50, None, "Hypoalbuminemia", 1),
    ("albumin", 29.9, "g/L", 35, 50, None, "Hypoalbuminemia", 2),
    ("albumin", 20, "g/L", 35, 50, None, "Hypoalbuminemia", 2),
    ("albumin", 19.9, "g/L", 35, 50, None, "Hypoalbuminemia", 3),
    ("albumin", 2.9, "g/dL", 3.5, 5.0, None, "Hypoalbuminemia", 2),
    # Creatinine increased (admiral vector, ULN 40): 241→4, 240→3, 121→3, 120→2, 61→2, 60→1, 41→1, 40→0
    ("creatinine", 241, "umol/L", None, 40, None, "Creatinine increased", 4),
    ("creatinine", 240, "umol/L", None, 40, None, "Creatinine increased", 3),
    ("creatinine", 121, "umol/L", None, 40, None, "Creatinine increased", 3),
    ("creatinine", 120, "umol/L", None, 40, None, "Creatinine increased", 2),
    ("creatinine", 61, "umol/L", None, 40, None, "Creatinine increased", 2),
    ("creatinine", 60, "umol/L", None, 40, None, "Creatinine increased", 1),
    ("creatinine", 41, "umol/L", None, 40, None, "Creatinine increased", 1),
    ("creatinine", 40, "umol/L", None, 40, None, "Creatinine increased", 0),
    (
        "creatinine",
        42,
        "umol/L",
        None,
        40,
        14,
        "Creatinine increased",
        2,
    ),  # >1.5x baseline (admiral vector)
    ("creatinine", 42, "umol/L", None, 40, 13.9, "Creatinine increased", 3),  # >3.0x baseline
    # ALT (admiral vector, ULN 40): 801→4, 800→3, 201→3, 200→2, 121→2, 120→1, 41→1, 40→0; BL 60 high: 90→1
    ("alt", 801, "U/L", None, 40, None, "Alanine aminotransferase increased", 4),
    ("alt", 800, "U/L", None, 40, None, "Alanine aminotransferase increased", 3),
    ("alt", 201, "U/L", None, 40, None, "Alanine aminotransferase increased", 3),
    ("alt", 200, "U/L", None, 40, None, "Alanine aminotransferase increased", 2),
    ("alt", 121, "U/L", None, 40, None, "Alanine aminotransferase increased", 2),
    ("alt", 120, "U/L", None, 40, None, "Alanine aminotransferase increased", 1),
    ("alt", 41, "U/L", None, 40, None, "Alanine aminotransferase increased", 1),
    ("alt", 40, "U/L", None, 40, None, "Alanine aminotransferase increased", 0),
    (
        "alt",
        90,
        "U/L",
        None,
        40,
        60,
        "Alanine aminotransferase increased",
        1,
    ),  # 1.5 x abnormal baseline, inclusive
    (
        "alt",
        89,
        "U/L",
        None,
        40,
        60,
        "Alanine aminotransferase increased",
        0,
    ),  # above ULN but < 1.5 x baseline
    ("alt", 181, "U/L", None, 40, 60, "Alanine aminotransferase increased", 2),
    (
        "ast",
        121,
        "U/L",
        None,
        40,
        30,
        "Aspartate aminotransferase increased",
        2,
    ),  # normal baseline: x ULN rules
    ("ast", 1201, "U/L", None, 40, 60, "Aspartate aminotransferase increased", 4),
    # ALP / GGT: >ULN-2.5; >2.5-5; >5-20; >20 x ULN; abnormal baseline from 2.0 x BL (inclusive)
    ("alp", 100, "U/L", None, 100, None, "Alkaline phosphatase increased", 0),
    ("alp", 250, "U/L", None, 100, None, "Alkaline phosphatase increased", 1),
    ("alp", 251, "U/L", None, 100, None, "Alkaline phosphatase increased", 2),
    ("alp", 501, "U/L", None, 100, None, "Alkaline phosphatase increased", 3),
    ("alp", 2001, "U/L", None, 100, None, "Alkaline phosphatase increased", 4),
    ("alp", 240, "U/L", None, 100, 120, "Alkaline phosphatase increased", 1),
    ("alp", 239, "U/L", None, 100, 120, "Alkaline phosphatase increased", 0),
    ("ggt", 80.9, "U/L", None, 40, 40.5, "GGT increased", 0),  # abnormal baseline 40.5: < 2.0 x BL
    ("ggt", 81, "U/L", None, 40, 40.5, "GGT increased", 1),  # 2.0 x BL, inclusive (admiral uses >)
    ("ggt", 81, "U/L", None, 40, 40, "GGT increased", 1),  # baseline 40 is normal: x ULN rules
    ("ggt", 101, "U/L", None, 40, None, "GGT increased", 2),
    # Hyponatremia: <LLN-130; 125-129 (lab-only grade 2); 120-124; <120
    ("sodium", 130, "mmol/L", 135, 145, None, "Hyponatremia", 1),
    ("sodium", 129.5, "mmol/L", 135, 145, None, "Hyponatremia", 2),
    ("sodium", 125, "mmol/L", 135, 145, None, "Hyponatremia", 2),
    ("sodium", 124, "mmol/L", 135, 145, None, "Hyponatremia", 3),
    ("sodium", 120, "mmol/L", 135, 145, None, "Hyponatremia", 3),
    ("sodium", 119, "mmol/L", 135, 145, None, "Hyponatremia", 4),
    # Hypernatremia: >ULN-150; >150-155; >155-160; >160
    ("sodium", 150, "mmol/L", 135, 145, None, "Hypernatremia", 1),
    ("sodium", 151, "mmol/L", 135, 145, None, "Hypernatremia", 2),
    ("sodium", 156, "mmol/L", 135, 145, None, "Hypernatremia", 3),
    ("sodium", 161, "mEq/L", 135, 145, None, "Hypernatremia", 4),
    # Hypokalemia: <LLN-3.0 (lab-only grade 1); <3.0-2.5; <2.5
    ("potassium", 3.0, "mmol/L", 3.5, 5.1, None, "Hypokalemia", 1),
    ("potassium", 2.9, "mmol/L", 3.5, 5.1, None, "Hypokalemia", 3),
    ("potassium", 2.5, "mmol/L", 3.5, 5.1, None, "Hypokalemia", 3),
    ("potassium", 2.4, "mmol/L", 3.5, 5.1, None, "Hypokalemia", 4),
    ("potassium", 5.6, "mmol/L", 3.5, 5.1, None, "Hyperkalemia", 2),
    # Hypercalcemia (corrected): >ULN-2.9 mmol/L (11.5 mg/dL); >2.9-3.1; >3.1-3.4; >3.4
    ("calcium", 2.9, "mmol/L", 2.1, 2.6, None, "Hypercalcemia", 1),
    ("calcium", 2.91, "mmol/L", 2.1, 2.6, None, "Hypercalcemia", 2),
    ("calcium", 3.1, "mmol/L", 2.1, 2.6, None, "Hypercalcemia", 2),
    ("calcium", 3.11, "mmol/L", 2.1, 2.6, None, "Hypercalcemia", 3),
    ("calcium", 3.41, "mmol/L", 2.1, 2.6, None, "Hypercalcemia", 4),
    ("calcium", 11.5, "mg/dL", 8.5, 10.5, None, "Hypercalcemia", 1),
    ("calcium", 11.6, "mg/dL", 8.5, 10.5, None, "Hypercalcemia", 2),
    ("calcium", 7.9, "mg/dL", 8.5, 10.5, None, "Hypocalcemia", 2),
]


def _lab(test, value, unit, lln, uln):
    return {
        "subject_id": "S1",
        "date": pd.Timestamp("2024-03-01"),
        "test": test,
        "value": value,
        "unit": unit,
        "lln": lln,
        "uln": uln,
    }


@pytest.mark.parametrize(
    ("test", "value", "unit", "lln", "uln", "baseline", "term", "expected"), CASES
)
def test_ctcae_v5_grade_boundaries(test, value, unit, lln, uln, baseline, term, expected) -> None:
    labs = pd.DataFrame([_lab(test, value, unit, lln, uln)])
    base = (
        None
        if baseline is None
        else pd.DataFrame({"subject_id": ["S1"], "test": [test], "value": [baseline]})
    )
    graded = grade_labs(labs, base).set_index("ctcae_term")
    assert graded.loc[term, "grade"] == expected, graded.loc[term, "reason"]


def test_hyperglycemia_is_not_graded_from_a_value() -> None:
    graded = grade_labs(pd.DataFrame([_lab("glucose", 15.0, "mmol/L", 3.9, 6.1)])).set_index(
        "ctcae_term"
    )
    assert np.isnan(graded.loc["Hyperglycemia", "grade"])
    assert "clinically" in graded.loc["Hyperglycemia", "reason"]


def test_sodium_grades_both_directions() -> None:
    graded = grade_labs(pd.DataFrame([_lab("sodium", 128, "mmol/L", 135, 145)]))
    assert set(graded["ctcae_term"]) == {"Hyponatremia", "Hypernatremia"}


def test_missing_lln_makes_grade_one_not_gradable_but_absolute_grades_stand() -> None:
    labs = pd.DataFrame(
        [
            _lab("neutrophils", 1.6, "10^9/L", None, None),
            _lab("neutrophils", 0.9, "10^9/L", None, None),
        ]
    )
    graded = grade_labs(labs)
    assert np.isnan(graded.loc[0, "grade"]) and "not gradable" in graded.loc[0, "reason"]
    assert graded.loc[1, "grade"] == 3


def test_unknown_unit_is_an_error_naming_row_and_column() -> None:
    labs = pd.DataFrame(
        [_lab("platelets", 120, "10^9/L", 150, 400), _lab("platelets", 120, "cells/uL", 150, 400)]
    )
    with pytest.raises(
        ValueError, match=r"labs row 1, column 'unit': unknown unit for platelets in cells/uL"
    ):
        grade_labs(labs)


def test_unknown_version_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"CTCAE version '6\.0' is not available"):
        grade_labs(pd.DataFrame([_lab("alt", 50, "U/L", None, 40)]), version="6.0")


def test_clinical_terms_are_validated_with_their_allowed_grades() -> None:
    from rtio.derive.ctcae import validate_ae_terms

    events = pd.DataFrame(
        {
            "term": [
                "Lymphocyte count decreased",
                "Lymphopenia",
                "Lymphocyte count decreased",
                "Esophagitis",
            ],
            "grade": [4, 3, 5, 5],
        }
    )
    problems = validate_ae_terms(events)
    assert problems[0].startswith("adverse_events row 1, column 'term': 'Lymphopenia'")
    assert (
        "row 2, column 'grade': grade 5 is not allowed for 'Lymphocyte count decreased'"
        in problems[1]
    )
    assert len(problems) == 2
    assert validate_ae_terms(events.iloc[[1]], {"Lymphopenia": "Lymphocyte count decreased"}) == []
