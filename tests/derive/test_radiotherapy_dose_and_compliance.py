"""BED / EQD2 against worked values (issue examples and the radiobiology reference table for the
seeds' schedules), course classes, and protocol compliance with injected deviations (seeds 000, 004)."""

import numpy as np
import pandas as pd
import pytest

from rtio.derive.radiotherapy import bed, classify_course, eqd2, lesion_doses
from rtio.derive.rt_compliance import rt_compliance, rt_start_from_cycle_day1
from rtio.protocol import load_protocol

D = pd.Timestamp

# total dose, fractions, BED10, EQD2_10, BED3, EQD2_3 (reference table 2.3)
WORKED = [
    (50, 25, 60.0, 50.0, 83.3, 50.0),
    (2, 1, 2.4, 2.0, 3.3, 2.0),
    (41.4, 23, 48.9, 40.7, 66.2, 39.7),
    (50.4, 28, 59.5, 49.6, 80.6, 48.4),
    (40, 5, 72.0, 60.0, 146.7, 88.0),
    (30, 3, 60.0, 50.0, 130.0, 78.0),
    (30, 5, 48.0, 40.0, 90.0, 54.0),
]


@pytest.mark.parametrize(("total", "n", "bed10", "eqd2_10", "bed3", "eqd2_3"), WORKED)
def test_bed_and_eqd2_worked_values(total, n, bed10, eqd2_10, bed3, eqd2_3) -> None:
    assert round(bed(total, n, 10), 1) == bed10
    assert round(eqd2(total, n, 10), 1) == eqd2_10
    assert round(bed(total, n, 3), 1) == bed3
    assert round(eqd2(total, n, 3), 1) == eqd2_3


def test_contract_values_and_vectorisation() -> None:
    assert bed(50, 25, 10) == 60.0 and eqd2(50, 25, 10) == 50.0
    np.testing.assert_allclose(bed(np.array([50, 40]), np.array([25, 5]), 10), [60.0, 72.0])


def test_repopulation_correction_needs_every_parameter() -> None:
    # 50 Gy / 25 fx over 32 days, T_k 28, alpha 0.3, T_pot 3: 60 - ln2/(0.9) * 4 = 56.92 (reference table: 56.9)
    assert (
        round(bed(50, 25, 10, treatment_days=32, kickoff_days=28, alpha=0.3, tpot_days=3), 1)
        == 56.9
    )
    with pytest.raises(ValueError, match="repopulation needs"):
        bed(50, 25, 10, treatment_days=32)


def test_course_classes() -> None:
    classes = classify_course(
        [2, 50, 30, 45, 24],
        [2, 2, 10, 3, 8],
        [1, 25, 3, 15, 3],
        ["3DCRT", "IMRT", "", "IMRT", "SBRT"],
    )
    assert classes.tolist() == ["low-dose", "conventional", "SBRT", "hypofractionated", "SBRT"]


def _lesions(subject: str, n: int, sites: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "subject_id": subject,
            "lesion_id": [f"L{i + 1}" for i in range(n)],
            "role": ["target"] * n,
            "site": sites,
        }
    )


def test_seed000_ldrt_deviations() -> None:
    protocol = load_protocol("NCT07164690")
    lesions = pd.concat(
        [
            _lesions("A", 3, ["primary", "distant_node", "distant_organ"]),
            _lesions("B", 2, ["primary", "distant_organ"]),
        ]
    )
    rt = pd.DataFrame(
        {
            "subject_id": ["A", "A", "A", "B", "B"],
            "target": ["L1", "L2", "L3", "L1", "L2"],
            "technique": "3DCRT",
            "dose_per_fraction_gy": [2.0, 2.0, 2.0, 2.0, 3.0],
            "fractions": 1,
            "start_date": [
                D("2025-10-01"),
                D("2025-10-03"),
                D("2025-10-06"),
                D("2025-10-01"),
                D("2025-10-10"),
            ],
            "end_date": [
                D("2025-10-01"),
                D("2025-10-03"),
                D("2025-10-06"),
                D("2025-10-01"),
                D("2025-10-10"),
            ],
        }
    )
    deviations = rt_compliance(rt, lesions, None, protocol)
    assert deviations[deviations["subject_id"] == "A"].empty  # all lesions, 2 Gy x 1, within 5 days
    b = deviations[deviations["subject_id"] == "B"]
    assert set(b["rule"]) == {"complete_within_days", "total_dose", "dose_per_fraction"}
    lesions_missed = pd.concat(
        [
            lesions,
            pd.DataFrame(
                {
                    "subject_id": ["A"],
                    "lesion_id": ["L4"],
                    "role": ["non_target"],
                    "site": ["distant_node"],
                }
            ),
        ]
    )
    missed = rt_compliance(rt, lesions_missed, None, protocol)
    assert "lesion L4 not irradiated" in set(
        missed.loc[missed["rule"] == "all_visible_lesions", "detail"]
    )


def test_seed004_rt_must_start_with_cycle_3() -> None:
    protocol = load_protocol("ChiCTR2100046715")
    lesions = pd.concat(
        [_lesions("A", 2, ["primary", "distant_organ"]), _lesions("B", 1, ["primary"])]
    )
    cycles = pd.DataFrame(
        {
            "subject_id": ["A", "A", "A", "B", "B", "B"],
            "cycle": [1, 2, 3, 1, 2, 3],
            "drug": "toripalimab",
            "date": [
                D("2022-01-01"),
                D("2022-01-22"),
                D("2022-02-12"),
                D("2022-01-01"),
                D("2022-01-22"),
                D("2022-02-12"),
            ],
        }
    )
    rt = pd.DataFrame(
        {
            "subject_id": ["A", "A", "B"],
            "target": ["primary", "L2", "primary"],
            "technique": ["IMRT", "SBRT", "IMRT"],
            "dose_per_fraction_gy": [2.0, 9.0, 2.0],
            "fractions": [25, 5, 25],
            "start_date": [D("2022-02-12"), D("2022-02-20"), D("2022-01-25")],
            "end_date": [D("2022-03-18"), D("2022-02-26"), D("2022-02-28")],
        }
    )
    deviations = rt_compliance(rt, lesions, cycles, protocol)
    assert set(zip(deviations["subject_id"], deviations["rule"], strict=True)) == {
        ("A", "total_dose"),
        ("B", "starts_with_cycle"),
    }
    assert (
        "-18 days from cycle 3 day 1"
        in deviations.loc[deviations["subject_id"] == "B", "detail"].iloc[0]
    )
    assert rt_start_from_cycle_day1(rt, cycles, 3).to_dict() == {"A": 0, "B": -18}


def test_cumulative_dose_per_lesion() -> None:
    lesions = _lesions("A", 2, ["primary", "distant_organ"])
    rt = pd.DataFrame(
        {
            "subject_id": ["A", "A"],
            "target": ["L1;L2", "L2"],
            "technique": ["IMRT", "SBRT"],
            "dose_per_fraction_gy": [2.0, 8.0],
            "fractions": [25, 5],
            "start_date": [D("2022-02-01"), D("2022-04-01")],
            "end_date": [D("2022-03-07"), D("2022-04-05")],
        }
    )
    doses = lesion_doses(rt, lesions).set_index("lesion_id")
    assert doses.loc["L1", "total_dose_gy"] == 50 and doses.loc["L2", "courses"] == 2
    assert doses.loc["L2", "eqd2_10"] == pytest.approx(50 + 60)
