"""The strict date reader and partial-date imputation (rtio.dates).

Reference: the documented examples of pharmaverse admiral's ``impute_dtc_dt`` (highest_imputation
"M"; date_imputation "first", "mid", "last"; ``min_dates`` keeping an AE start on or after first dose)
and ADaM's --DTF flag values ("D", "M")."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from rtio.dates import DateFormatError, impute_partial_dates, invalid_iso_dates, parse_iso_dates

DTC = ["2019-07-18T15:25:40", "2019-07-18T15:25", "2019-07-18", "2019-02", "2019", "2019---07", ""]


def _iso(series: pd.Series) -> list[str | None]:
    return [None if pd.isna(v) else v.strftime("%Y-%m-%d") for v in series]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ("first", ["2019-07-18"] * 3 + ["2019-02-01", "2019-01-01", "2019-01-01", None]),
        ("mid", ["2019-07-18"] * 3 + ["2019-02-15", "2019-06-30", "2019-06-30", None]),
        ("last", ["2019-07-18"] * 3 + ["2019-02-28", "2019-12-31", "2019-12-31", None]),
    ],
)
def test_imputation_rules_as_admiral(rule: str, expected: list[str | None]) -> None:
    imputed = impute_partial_dates(DTC, rule=rule)  # type: ignore[arg-type]
    assert _iso(imputed.dates) == expected
    assert imputed.flags.tolist() == ["", "", "", "D", "M", "M", ""]


def test_last_day_of_february_in_a_leap_year() -> None:
    assert _iso(impute_partial_dates(["2020-02"], rule="last").dates) == ["2020-02-29"]


def test_highest_level_day_leaves_a_missing_month_missing() -> None:
    imputed = impute_partial_dates(["2019-02", "2019"], highest="D")
    assert _iso(imputed.dates) == ["2019-02-01", None]
    assert imputed.flags.tolist() == ["D", ""]


def test_min_dates_inside_the_partial_period_win() -> None:
    # an AE starting "2020-11" for a patient first dosed on 2020-11-11 is not dated before it;
    # a first dose outside the period does not move the date
    imputed = impute_partial_dates(
        ["2020-11", "2020-11", "2020"], min_dates=["2020-11-11", "2020-12-06", "2020-03-02"]
    )
    assert _iso(imputed.dates) == ["2020-11-11", "2020-11-01", "2020-03-02"]
    assert imputed.flags.tolist() == ["D", "D", "M"]


def test_max_dates_keep_an_imputed_date_before_the_cutoff() -> None:
    imputed = impute_partial_dates(
        ["2023-10", "2023-09"], rule="last", max_dates=["2023-10-12"] * 2
    )
    assert _iso(imputed.dates) == ["2023-10-12", "2023-09-30"]


@pytest.mark.parametrize("bad", ["03/04/2024", "2024-1-5", "24-01-05", "2024-13", "--05", "today"])
def test_imputation_rejects_what_is_not_iso(bad: str) -> None:
    with pytest.raises(DateFormatError, match="row 2"):
        impute_partial_dates(["2024-01-05", bad], column="aestdtc", source="ae.xpt")


def test_strict_reader_accepts_iso_text_dates_and_datetimes() -> None:
    text = parse_iso_dates(["2024-02-29", None, "", " 2024-03-01 "])
    assert _iso(text) == ["2024-02-29", None, None, "2024-03-01"]
    objects = parse_iso_dates(pd.Series([dt.date(2024, 1, 2), None]))
    assert _iso(objects) == ["2024-01-02", None]
    stamps = parse_iso_dates(pd.Series(pd.to_datetime(["2024-01-02 13:45"]).tz_localize("UTC")))
    assert _iso(stamps) == ["2024-01-02"]
    assert stamps.dtype == np.dtype("datetime64[ns]")


@pytest.mark.parametrize("bad", ["03/04/2024", "2024-02-30", "2014-02", "2014", "20240102"])
def test_strict_reader_never_guesses(bad: str) -> None:
    with pytest.raises(DateFormatError) as caught:
        parse_iso_dates(["2024-01-01", bad], column="start_date", source="subjects.csv")
    assert caught.value.rows == [2]
    assert caught.value.column == "start_date"
    assert "subjects.csv" in str(caught.value) and bad in str(caught.value)


def test_invalid_mask() -> None:
    mask = invalid_iso_dates(pd.Series(["2024-01-01", "2024-1-1", None, "", "2023-02-29"]))
    assert mask.tolist() == [False, True, False, False, True]
