"""One strict date reader in every derivation, and frame-like inputs (DESIGN "Dates", "Frames").

Dates are ISO ``YYYY-MM-DD``: "03/04/2024" (March 4 or April 3?) and a partial "2014-02" are errors
naming the table, the column and the 1-based row; partial dates are completed only by the explicit
``impute_date_columns`` call, whose ADaM --DTF flags travel with the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

from rtio.dates import DateFormatError
from rtio.derive.adverse_events import treatment_emergent
from rtio.derive.recist import best_overall_response, timepoint_responses
from rtio.derive.tte import derive_os, derive_pfs
from rtio.eligibility.screen import facts_to_wide
from rtio.frames import as_frame, impute_date_columns

LESIONS = pd.DataFrame(
    {
        "subject_id": ["S1", "S2"],
        "lesion_id": ["T1", "T1"],
        "role": ["target", "target"],
        "organ": ["lung", "liver"],
        "is_lymph_node": [False, False],
    }
)
SUBJECTS = pd.DataFrame(
    {
        "subject_id": ["S1", "S2"],
        "start_date": ["2024-01-10", "2024-01-12"],
        "death_date": ["", "2024-09-30"],
        "last_known_alive_date": ["2024-10-01", "2024-09-30"],
    }
)


def _measurements(dates: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "subject_id": ["S1", "S1", "S2", "S2"],
            "lesion_id": ["T1"] * 4,
            "assessment_date": dates,
            "diameter_mm": [40.0, 20.0, 30.0, 40.0],
            "status": ["present"] * 4,
        }
    )


GOOD = ["2024-01-05", "2024-03-01", "2024-01-08", "2024-03-04"]


@pytest.mark.parametrize("bad", ["03/04/2024", "2024-03", "2024-3-4", "20240304", "2024-02-30"])
def test_timepoint_responses_reject_anything_but_iso_naming_table_column_and_row(bad):
    dates = [*GOOD[:3], bad]
    with pytest.raises(DateFormatError) as err:
        timepoint_responses(LESIONS, _measurements(dates), SUBJECTS)
    assert err.value.source == "measurements"
    assert err.value.column == "assessment_date"
    assert err.value.rows == [4]  # 1-based: the fourth measurement row
    assert "row 4" in str(err.value) and repr(bad) in str(err.value)


def test_best_overall_response_rejects_a_partial_start_date():
    tp = timepoint_responses(LESIONS, _measurements(GOOD), SUBJECTS)
    subjects = SUBJECTS.assign(start_date=["2024-01", "2024-01-12"])
    with pytest.raises(DateFormatError, match=r"subjects, column 'start_date'.*row 1: '2024-01'"):
        best_overall_response(tp, subjects)


def test_partial_dates_only_through_explicit_imputation_with_flags():
    subjects = SUBJECTS.assign(death_date=["", "2024-09"], last_known_alive_date=["2024-10-01", ""])
    with pytest.raises(DateFormatError, match="death_date"):
        derive_os(subjects)
    imputed = impute_date_columns(subjects, {"death_date": "first"}, name="subjects")
    assert imputed["death_date_dtf"].tolist() == ["", "D"]
    os_ = derive_os(imputed).set_index("subject_id")
    # ADaM: the imputed death date (2024-09-01) is the event date, and its flag is carried
    assert os_.loc["S2", "adt"] == pd.Timestamp("2024-09-01")
    assert os_.loc["S2", "adtf"] == "D"
    assert os_.loc["S1", "adtf"] == ""


def test_a_data_cutoff_is_read_strictly():
    with pytest.raises(DateFormatError, match="data_cutoff"):
        derive_os(SUBJECTS, data_cutoff="12/10/2023")
    kept = derive_os(SUBJECTS, data_cutoff="2024-06-30")
    assert kept["cnsr"].tolist() == [1, 1]


def test_treatment_emergent_reads_dates_strictly():
    ae = pd.DataFrame(
        {"subject_id": ["S1"], "start_date": ["02/03/2024"], "immune_related": [False]}
    )
    exposures = pd.DataFrame({"subject_id": ["S1"], "date": ["2024-01-10"]})
    with pytest.raises(DateFormatError, match=r"adverse_events, column 'start_date'.*row 1"):
        treatment_emergent(ae, exposures)


def test_eligibility_facts_read_dates_strictly():
    facts = pd.DataFrame(
        {"candidate_id": ["C1"], "fact": ["ecog"], "value": [1], "date": ["03/04/2024"]}
    )
    with pytest.raises(DateFormatError, match="facts table"):
        facts_to_wide(facts)


def test_pandas_polars_and_numpy_inputs_give_the_same_pandas_result():
    meas = _measurements(GOOD)
    expected = timepoint_responses(LESIONS, meas, SUBJECTS)
    from_polars = timepoint_responses(
        pl.from_pandas(LESIONS), pl.from_pandas(meas), pl.from_pandas(SUBJECTS)
    )
    records = {
        name: frame.to_records(index=False)
        for name, frame in (("l", LESIONS), ("m", meas), ("s", SUBJECTS))
    }
    from_numpy = timepoint_responses(records["l"], records["m"], records["s"])
    for got in (from_polars, from_numpy):
        assert isinstance(got, pd.DataFrame)
        pd.testing.assert_frame_equal(got, expected)
    pfs = derive_pfs(pl.from_pandas(expected), pl.from_pandas(SUBJECTS))
    pd.testing.assert_frame_equal(pfs, derive_pfs(expected, SUBJECTS))


def test_as_frame_rejects_what_is_not_a_table():
    with pytest.raises(TypeError, match="subjects: expected a pandas or polars DataFrame"):
        as_frame(np.arange(3), "subjects")
