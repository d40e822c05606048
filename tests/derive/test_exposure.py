"""Exposure summaries on hand-built administrations (counts and dates checked by hand)."""

import pandas as pd

from rtio.derive.exposure import cycle_category, discontinuation_reasons, exposure_summary

D = pd.Timestamp


def test_cycles_time_on_treatment_and_dose_intensity() -> None:
    exposures = pd.DataFrame(
        {
            "subject_id": ["A"] * 4 + ["B"] * 2,
            "drug": ["toripalimab"] * 4 + ["toripalimab"] * 2,
            "dose": [240, 240, 240, 120, 240, 240],
            "dose_unit": "mg",
            "date": [
                D("2022-01-01"),
                D("2022-01-22"),
                D("2022-02-12"),
                D("2022-03-05"),
                D("2022-01-01"),
                D("2022-02-05"),
            ],
            "cycle": [1, 2, 3, 4, 1, 2],
        }
    )
    summary = exposure_summary(
        exposures, cycle_days=21, planned_dose={"toripalimab": 240}
    ).set_index("subject_id")
    assert summary.loc["A", "cycles"] == 4 and summary.loc["A", "cumulative_dose"] == 840
    # A: 63 days + 21 = 84 days = 4 cycle lengths; 840 / 4 / 240 = 0.875
    assert summary.loc["A", "relative_dose_intensity"] == 0.875
    # B: 35 days + 21 = 56 days = 2.67 cycle lengths; 480 / 2.667 / 240 = 0.75 (a delayed cycle)
    assert round(summary.loc["B", "relative_dose_intensity"], 4) == 0.75
    assert round(summary.loc["A", "time_on_treatment_months"], 3) == round(84 / 30.4375, 3)


def test_io_cycle_categories_of_seed_001() -> None:
    categories = cycle_category(pd.Series([1, 6, 7, 12, 13, 30]))
    assert categories.astype(str).tolist() == ["1–6", "1–6", "7–12", "7–12", ">12", ">12"]


def test_discontinuation_reasons_count_first_stop_per_subject() -> None:
    events = pd.DataFrame(
        {
            "subject_id": ["A", "A", "B", "C"],
            "kind": ["treatment_discontinuation"] * 3 + ["withdrawal"],
            "date": [D("2022-02-01"), D("2022-03-01"), D("2022-02-01"), D("2022-02-01")],
            "detail": ["progression", "adverse_event", None, "consent"],
        }
    )
    reasons = discontinuation_reasons(events).set_index("reason")["subjects"].to_dict()
    assert reasons == {"progression": 1, "not recorded": 1}
