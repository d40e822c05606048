"""Property tests: random schema-valid lesion data and lab results through ``timepoint_responses``
(and the best overall response) and ``grade_labs``.

Properties: only rtio's own errors (raised from rtio's code, naming the table), never an uncaught
numpy / pandas exception; no subject dropped; only categories of rtio's vocabulary. The default run
draws 200 examples per property; ``pytest -m slow`` draws 2 000.
"""

from __future__ import annotations

import traceback
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import rtio
from rtio.derive.ctcae import criteria, grade_labs, lab_units
from rtio.derive.recist import best_overall_response, timepoint_responses
from rtio.vocabulary import LesionRole, MeasurementStatus, NewLesions, Response

RTIO = str(Path(rtio.__file__).resolve().parent)
RECIST_CATEGORIES = {*Response.values(), "NONE"}


def _dates(offsets: list[int]) -> list[str]:
    return [str(np.datetime64("2024-01-15") + d) for d in offsets]


@st.composite
def lesion_studies(draw):
    """Subjects, their lesions and measurements as a study folder holds them."""
    n = draw(st.integers(1, 5))
    subjects = pd.DataFrame(
        {
            "subject_id": [f"S{i}" for i in range(n)],
            "start_date": _dates(draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n))),
        }
    )
    lesions, scans = [], []
    offsets = st.sampled_from([-40, -20, -7, 0, 1, 30, 42, 43, 84, 85, 126, 200])
    diameters = st.one_of(
        st.none(),
        st.integers(0, 15000).map(lambda h: h / 100),  # two decimals, as RECIST records them
    )
    for i in range(n):
        for k in range(draw(st.integers(0, 4))):
            lesion = f"L{k}"
            lesions.append(
                {
                    "subject_id": f"S{i}",
                    "lesion_id": lesion,
                    "role": draw(st.sampled_from(LesionRole.values())),
                    "organ": draw(st.sampled_from(["lung", "liver", "node", "bone"])),
                    "is_lymph_node": draw(st.booleans()),
                }
            )
            days = draw(st.lists(offsets, min_size=0, max_size=5, unique=True))
            for day in days:
                scans.append(
                    {
                        "subject_id": f"S{i}",
                        "lesion_id": lesion,
                        "assessment_date": _dates([day])[0],
                        "diameter_mm": draw(diameters),
                        "status": draw(st.sampled_from(MeasurementStatus.values())),
                    }
                )
    columns = ["subject_id", "lesion_id", "assessment_date", "diameter_mm", "status"]
    return (
        pd.DataFrame(
            lesions, columns=["subject_id", "lesion_id", "role", "organ", "is_lymph_node"]
        ),
        pd.DataFrame(scans, columns=columns),
        subjects,
    )


def _raised_by_rtio(error: Exception) -> bool:
    """The exception is one of rtio's own: raised in rtio's code, as a ValueError naming what
    was wrong."""
    frames = traceback.extract_tb(error.__traceback__)
    return isinstance(error, ValueError) and bool(frames) and frames[-1].filename.startswith(RTIO)


def _check_recist(lesions, measurements, subjects):
    try:
        tp = timepoint_responses(lesions, measurements, subjects)
    except Exception as error:
        assert _raised_by_rtio(error), "".join(traceback.format_exception(error))
        event(f"rtio error: {str(error).split(':')[0]}")
        return
    for column in ("overall_response", "target_response", "non_target_response"):
        assert set(tp[column]) <= RECIST_CATEGORIES, column
    assert set(tp["overall_response"]) <= set(Response.values())
    assert set(tp["new_lesions"]) <= set(NewLesions.values())
    start = pd.to_datetime(subjects.set_index("subject_id")["start_date"])
    scanned = measurements.assign(day=pd.to_datetime(measurements["assessment_date"]))
    post = scanned[scanned["day"].to_numpy() > start.reindex(scanned["subject_id"]).to_numpy()]
    assert set(tp["subject_id"]) == set(post["subject_id"])  # no subject dropped
    for confirm in (False, True):
        bor = best_overall_response(tp, subjects, confirm=confirm)
        assert bor["subject_id"].tolist() == subjects["subject_id"].tolist()
        assert set(bor["bor"]) <= set(Response.values())
        assert bor["reason"].map(bool).all()


RECIST_SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


@settings(max_examples=200, **RECIST_SETTINGS)
@given(lesion_studies())
def test_timepoint_responses_properties(study):
    _check_recist(*study)


@pytest.mark.slow
@settings(max_examples=2000, **RECIST_SETTINGS)
@given(lesion_studies())
def test_timepoint_responses_properties_many(study):
    _check_recist(*study)


UNITS = lab_units()
TESTS = sorted(set(criteria()["test"]) | {"glucose", "tsh", "crcl"})
NUMBERS = st.one_of(
    st.none(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-10, 10**6).map(float),
    st.decimals(0, 1000, places=3, allow_nan=False, allow_infinity=False).map(float),
)


@st.composite
def lab_tables(draw):
    n = draw(st.integers(0, 25))
    rows = []
    for k in range(n):
        test = draw(st.sampled_from(TESTS))
        units = UNITS.loc[UNITS["test"] == test, "unit"].tolist() or ["U/L", "umol/L", "mg/dL"]
        rows.append(
            {
                "subject_id": f"S{draw(st.integers(0, 4))}",
                "date": _dates([k])[0],
                "test": test,
                "value": draw(NUMBERS),
                "unit": draw(st.sampled_from(units)),
                "lln": draw(NUMBERS),
                "uln": draw(NUMBERS),
            }
        )
    labs = pd.DataFrame(rows, columns=["subject_id", "date", "test", "value", "unit", "lln", "uln"])
    baseline = None
    if draw(st.booleans()) and n:
        baseline = labs.drop_duplicates(["subject_id", "test"])[["subject_id", "test"]].assign(
            value=[
                draw(NUMBERS)
                for _ in range(labs[["subject_id", "test"]].drop_duplicates().shape[0])
            ]
        )
    return labs, baseline


TERMS = set(criteria()["term"]) | {"Hyperglycemia"}
PER_TEST = criteria().groupby("test")["term"].nunique().to_dict() | {"glucose": 2}


def _check_grading(labs, baseline, chunk_rows):
    try:
        graded = grade_labs(labs, baseline, chunk_rows=chunk_rows)
    except Exception as error:
        assert _raised_by_rtio(error), "".join(traceback.format_exception(error))
        event(f"rtio error: {str(error).split(':')[0]}")
        return
    assert set(graded["ctcae_term"]) <= TERMS
    grades = graded["grade"].to_numpy(dtype=float)
    assert np.isin(grades[~np.isnan(grades)], [0, 1, 2, 3, 4, 5]).all()
    assert graded["reason"].map(bool).all()
    # no lab row dropped: each row once per CTCAE term of its test
    assert len(graded) == int(labs["test"].map(PER_TEST).fillna(0).sum())
    graded_ids = set(graded["subject_id"])
    assert graded_ids == set(labs.loc[labs["test"].isin(PER_TEST), "subject_id"])
    if chunk_rows < len(labs):  # the chunk size never changes the result
        pd.testing.assert_frame_equal(grade_labs(labs, baseline), graded)


LAB_SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}


@settings(max_examples=200, **LAB_SETTINGS)
@given(lab_tables(), st.integers(1, 30))
def test_grade_labs_properties(tables, chunk_rows):
    _check_grading(*tables, chunk_rows)


@pytest.mark.slow
@settings(max_examples=2000, **LAB_SETTINGS)
@given(lab_tables(), st.integers(1, 30))
def test_grade_labs_properties_many(tables, chunk_rows):
    _check_grading(*tables, chunk_rows)
