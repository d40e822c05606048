"""Irradiated vs non-irradiated lesions: field sums, abscopal response (>= 30 % decrease of the
non-irradiated sum, RECIST 1.1's PR threshold), and in-field vs out-of-field progression."""

import pandas as pd
import pytest

from rtio.derive.lesions_rt import (
    abscopal_response,
    field_response,
    lesion_trajectories,
    progression_causes,
    progression_field,
)
from rtio.derive.recist import timepoint_responses

D = pd.Timestamp


@pytest.fixture
def tables():
    subjects = pd.DataFrame({"subject_id": ["A", "B", "C"], "start_date": D("2024-01-10")})
    lesions = pd.DataFrame(
        {
            "subject_id": ["A", "A", "B", "B", "C", "C"],
            "lesion_id": ["L1", "L2"] * 3,
            "role": "target",
            "organ": ["esophagus", "liver"] * 3,
            "is_lymph_node": False,
            "site": ["primary", "distant_organ"] * 3,
        }
    )
    dates = [D("2024-01-05"), D("2024-03-01"), D("2024-04-15")]
    sizes = {
        "A": ([50, 30, 28], [40, 26, 24]),
        "B": ([50, 45, 44], [40, 40, 60]),
        "C": ([50, 48, 70], [40, 38, 37]),
    }
    rows = [
        (s, lesion, d, visit, size)
        for s, (l1, l2) in sizes.items()
        for lesion, values in (("L1", l1), ("L2", l2))
        for d, visit, size in zip(dates, ["BL", "W8", "W14"], values, strict=True)
    ]
    measurements = pd.DataFrame(
        rows, columns=["subject_id", "lesion_id", "assessment_date", "visit", "diameter_mm"]
    ).assign(status="present")
    radiotherapy = pd.DataFrame(
        {
            "subject_id": ["A", "B", "C"],
            "target": "primary",
            "technique": "IMRT",
            "dose_per_fraction_gy": 2.0,
            "fractions": 25,
            "start_date": D("2024-01-20"),
            "end_date": D("2024-02-25"),
        }
    )
    return subjects, lesions, measurements, radiotherapy


def test_field_sums_and_abscopal_response(tables) -> None:
    subjects, lesions, measurements, radiotherapy = tables
    traj = lesion_trajectories(lesions, measurements, subjects, radiotherapy)
    assert traj.groupby("lesion_id")["irradiated"].all().to_dict() == {"L1": True, "L2": False}
    fields = field_response(traj).set_index(["subject_id", "timepoint"])
    assert fields.loc[("A", "W8"), "irradiated_pct"] == pytest.approx(-40.0)
    assert fields.loc[("A", "W8"), "non_irradiated_pct"] == pytest.approx(-35.0)
    abscopal = abscopal_response(traj).set_index("subject_id")
    assert abscopal.loc["A", "abscopal_response"] and abscopal.loc[
        "A", "best_non_irradiated_pct"
    ] == pytest.approx(-40.0)
    assert not abscopal.loc["B", "abscopal_response"]
    assert (
        not abscopal_response(traj, threshold=45)
        .set_index("subject_id")
        .loc["A", "abscopal_response"]
    )


def test_in_field_and_out_of_field_progression(tables) -> None:
    subjects, lesions, measurements, radiotherapy = tables
    traj = lesion_trajectories(lesions, measurements, subjects, radiotherapy)
    tp = timepoint_responses(lesions, measurements, subjects, radiotherapy)
    field = progression_field(traj, tp).set_index("subject_id")["progression_field"].to_dict()
    # B: the non-irradiated liver lesion grows 40 -> 60 mm; C: the irradiated primary 48 -> 70 mm (both PD by the sum)
    assert field == {"B": "out-of-field", "C": "in-field"}


def test_progression_causes_split_pfs_events_by_field() -> None:
    # PFS events: PD in-field, PD in and out of the field (counts as in-field), PD out-of-field,
    # PD by the sum only (field undetermined), death without PD; one censored subject
    adtte = pd.DataFrame(
        {
            "subject_id": ["A", "B", "C", "D", "E", "F"],
            "paramcd": "PFS",
            "aval_months": [3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
            "cnsr": [0, 0, 0, 0, 0, 1],
            "evntdesc": ["Progressive disease (RECIST 1.1)"] * 4 + ["Death", ""],
        }
    )
    fields = pd.DataFrame(
        {
            "subject_id": ["A", "B", "C", "D"],
            "progression_field": ["in-field", "both", "out-of-field", "undetermined"],
        }
    )
    out = progression_causes(adtte, fields)
    assert out["cause"].tolist() == [1, 1, 2, 3, 4, 0]
    assert out["time"].tolist() == [3.0, 4.0, 5.0, 6.0, 7.0, 8.0]
