"""Counting-process data and landmark sets built from tables match R's Stanford heart data."""

import numpy as np
import pandas as pd

from rtio.cohort import counting_process, first_rt_start_day, landmark_data, overall_survival


def _heart_from_tables(jasa_tables) -> pd.DataFrame:
    subjects = jasa_tables["subjects"]
    followup = overall_survival(subjects)
    tx_day = first_rt_start_day(subjects, jasa_tables["transplants"])
    changes = tx_day.dropna().rename("time").reset_index().assign(level=1)
    return counting_process(followup, changes)


def test_counting_process_equals_survival_heart(reference, jasa_tables) -> None:
    built = _heart_from_tables(jasa_tables)
    heart = pd.DataFrame(reference["heart"])
    assert len(built) == len(heart) == 172
    np.testing.assert_array_equal(built["start"], heart["start"])
    np.testing.assert_array_equal(built["stop"], heart["stop"])
    np.testing.assert_array_equal(built["event"], heart["event"])
    np.testing.assert_array_equal(built["level"], heart["transplant"].astype(int))


def test_transplant_on_the_day_of_death_precedes_it_by_half_a_day(jasa_tables) -> None:
    built = _heart_from_tables(jasa_tables)
    subject_38 = built[built["subject_id"] == "038"]
    assert subject_38[["start", "stop", "event", "level"]].to_numpy().tolist() == [
        [0.0, 4.5, 0, 0],
        [4.5, 5.0, 1, 1],
    ]


def test_landmark_sets_match_r(reference, jasa_tables) -> None:
    subjects = jasa_tables["subjects"]
    followup = overall_survival(subjects)
    built = _heart_from_tables(jasa_tables)
    tx_day = built[built["level"] == 1].groupby("subject_id")["start"].min()
    for expected in reference["landmarks"]:
        data = landmark_data(followup, tx_day, expected["landmark"])
        assert len(data) == expected["n"]
        assert data["exposed"].sum() == expected["n_exposed"]
        assert data["event"].sum() == expected["n_events"]
