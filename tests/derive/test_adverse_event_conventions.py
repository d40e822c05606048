"""Treatment-emergent window (first dose to last dose + 30 days; immune-related + 90), lab
abnormalities counted once with reported AEs, and lab shift tables — on hand-built data."""

import pandas as pd

from rtio.derive.adverse_events import lab_events, lab_shift_table, treatment_emergent

D = pd.Timestamp


def test_treatment_emergent_windows() -> None:
    exposures = pd.DataFrame({"subject_id": ["A", "A"], "date": [D("2024-01-01"), D("2024-03-01")]})
    events = pd.DataFrame(
        {
            "subject_id": "A",
            "start_date": [
                D("2023-12-30"),
                D("2024-03-31"),
                D("2024-04-01"),
                D("2024-05-30"),
                D("2024-05-31"),
            ],
            "immune_related": [False, False, False, True, True],
        }
    )
    assert treatment_emergent(events, exposures).tolist() == [False, True, False, True, False]


def test_lab_abnormality_and_reported_ae_of_same_day_counted_once() -> None:
    graded = pd.DataFrame(
        {
            "subject_id": ["A", "A", "B"],
            "date": [D("2024-02-01"), D("2024-02-22"), D("2024-02-01")],
            "ctcae_term": "Lymphocyte count decreased",
            "grade": [3.0, 2.0, 0.0],
        }
    )
    reported = pd.DataFrame(
        {
            "subject_id": ["A"],
            "term": ["Lymphocyte count decreased"],
            "start_date": [D("2024-02-01")],
            "grade": [3],
        }
    )
    extra = lab_events(graded, reported)
    assert extra[["subject_id", "grade"]].values.tolist() == [["A", 2]]


def test_shift_table_from_baseline_to_worst_grade() -> None:
    graded = pd.DataFrame(
        {
            "subject_id": ["A", "A", "A", "B", "B"],
            "date": [
                D("2023-12-28"),
                D("2024-01-20"),
                D("2024-02-10"),
                D("2023-12-30"),
                D("2024-01-25"),
            ],
            "ctcae_term": "Anemia",
            "grade": [0.0, 2.0, 1.0, 1.0, 1.0],
        }
    )
    first_dose = pd.Series({"A": D("2024-01-01"), "B": D("2024-01-01")})
    table = lab_shift_table(graded, first_dose)
    assert table[["baseline", "worst", "patients"]].values.tolist() == [[0, 2, 1], [1, 1, 1]]
