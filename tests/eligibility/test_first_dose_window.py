"""Seed 003: organ function "within 14 days before first dose" — the lab window is measured from
the first dose when it is known, else from the screening date."""

import pandas as pd

from rtio.eligibility.rules import MET, UNKNOWN, evaluate

RULE = {
    "fact": "hemoglobin",
    "op": ">=",
    "value": 90,
    "unit": "g/L",
    "within_days": 14,
    "relative_to": "first_dose",
}


def _frame(first_dose):
    return pd.DataFrame(
        {
            "candidate_id": ["x"],
            "screening_date": [pd.Timestamp("2026-03-01")],
            "first_dose_date": [first_dose],
            "hemoglobin": [120.0],
            "hemoglobin_unit": ["g/L"],
            "hemoglobin_date": [pd.Timestamp("2026-02-20")],
        }
    )


def test_window_from_the_first_dose() -> None:
    assert (
        evaluate(RULE, _frame(pd.Timestamp("2026-03-03")))[0] == MET
    )  # 11 days before the first dose
    assert evaluate(RULE, _frame(pd.Timestamp("2026-03-10")))[0] == UNKNOWN  # 18 days: too old


def test_screening_date_stands_in_when_the_first_dose_is_not_known() -> None:
    frame = _frame(pd.NaT).drop(columns="first_dose_date")
    assert evaluate(RULE, frame)[0] == MET


def test_candidates_without_a_first_dose_fall_back_row_by_row() -> None:
    frame = pd.concat([_frame(pd.Timestamp("2026-03-10")), _frame(pd.NaT)], ignore_index=True)
    assert evaluate(RULE, frame).tolist() == [UNKNOWN, MET]
