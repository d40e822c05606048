"""Per-row lookups equal pandas' own left merge, row for row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rtio.lookup import is_in, join_distinct, row_codes


def _keys() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    tests = np.array(["alt", "ast", "sodium", None, "glucose"], dtype=object)
    units = np.array(["U/L", "mmol/L", "mg/dL", None], dtype=object)
    return pd.DataFrame(
        {"test": tests[rng.integers(0, 5, 500)], "unit": units[rng.integers(0, 4, 500)]},
        index=pd.RangeIndex(1000, 1500),
    )


def test_join_distinct_is_the_left_merge_row_for_row() -> None:
    keys = _keys()
    table = pd.DataFrame(
        {
            "test": ["alt", "ast", "sodium", "glucose", "glucose"],
            "unit": ["U/L", "U/L", "mmol/L", "mg/dL", None],
            "factor": [1.0, 1.0, 1.0, 0.0555, 2.0],
        }
    )
    expected = keys.merge(table, on=["test", "unit"], how="left")
    joined = join_distinct(keys, table)
    for column in expected.columns:
        np.testing.assert_array_equal(
            joined.column(column).astype(str), expected[column].to_numpy().astype(str)
        )
    for position in (0, 17, 499):
        assert joined.row(position).astype(str).equals(expected.iloc[position].astype(str))


def test_join_distinct_refuses_a_table_that_repeats_a_key() -> None:
    table = pd.DataFrame({"test": ["alt", "alt"], "unit": ["U/L", "U/L"], "factor": [1, 2]})
    with pytest.raises(ValueError, match="repeats a key"):
        join_distinct(_keys(), table)


def test_join_distinct_of_no_rows() -> None:
    keys = _keys().iloc[0:0]
    table = pd.DataFrame({"test": ["alt"], "unit": ["U/L"], "factor": [1.0]})
    joined = join_distinct(keys, table)
    assert joined.column("factor").size == 0


def test_is_in_is_isin_with_repeated_and_missing_candidates() -> None:
    ids = pd.Index(["S1", "S2", "S3", "S4"], dtype=object)
    candidates = pd.Series(["S3", "S1", "S3", None, "S9"] * 1000, dtype=object)
    assert (
        is_in(ids, candidates).tolist()
        == ids.isin(candidates).tolist()
        == [
            True,
            False,
            True,
            False,
        ]
    )


def test_row_codes_name_each_combination_once_missing_included() -> None:
    tests = np.array(["alt", "ast", "alt", None, "alt", None], dtype=object)
    units = np.array(["U/L", "U/L", "U/L", "U/L", "mg/dL", "U/L"], dtype=object)
    assert row_codes([tests, units], 6).tolist() == [0, 1, 0, 2, 3, 2]
    assert row_codes([], 3).tolist() == [0, 0, 0]


def test_is_in_on_text_columns_equals_isin() -> None:
    """Text (pandas' str dtype, object) is compared through the object hash table; numbers and
    dates through isin; each as ``Series.isin`` would answer, missing values included."""
    text = pd.Series(["S1", None, "S3", "S2", "S1"], dtype="str")
    candidates = ["S1", "S3", "S7"]
    assert is_in(text, candidates).tolist() == text.isin(candidates).tolist()
    assert is_in(text, set(candidates)).tolist() == text.isin(set(candidates)).tolist()
    assert is_in(text, pd.Series(["S2", None], dtype="str")).tolist() == (
        text.isin(pd.Series(["S2", None], dtype="str")).tolist()
    )
    numbers = pd.Series([1.0, np.nan, 3.0])
    assert is_in(numbers, [3, np.nan]).tolist() == numbers.isin([3, np.nan]).tolist()
    dates = pd.Series(pd.to_datetime(["2024-01-01", "2024-02-01"]))
    assert is_in(dates, dates[:1]).tolist() == [True, False]
