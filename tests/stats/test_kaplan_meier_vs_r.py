"""Kaplan–Meier against R survfit / summary.survfit / quantile.survfit, to 1e-8 relative.

Cases: R's lung (three CI types), veteran, ovarian, aml, colon, and ugly data — heavy ties, all
censored, a single subject, events at one time only, S(t) = 0.5 on an interval (R takes the
midpoint: 1..6 uncensored gives a median of 3.5) and a curve that ends at 0 (limits NA).
"""

import numpy as np
import pandas as pd
import polars as pl
import pytest

from rtio.stats import kaplan_meier

CASES = [
    "lung_log",
    "lung_loglog",
    "lung_plain",
    "veteran",
    "ovarian",
    "aml",
    "colon",
    "heavy_ties",
    "all_censored",
    "single_subject",
    "one_event_time",
    "midpoint",
    "midpoint_loglog",
    "ends_at_zero",
]
TABLE_COLUMNS = ["time", "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper"]


@pytest.mark.parametrize("case", CASES)
def test_table_matches_summary_survfit(ref, r_array, case) -> None:
    c = ref["km"][case]
    table = kaplan_meier(c["time"], c["event"], conf_type=c["conf_type"][0]).table
    assert list(table.columns) == TABLE_COLUMNS
    for column in TABLE_COLUMNS:
        np.testing.assert_allclose(
            table[column], r_array(c["table"][column]), rtol=1e-8, err_msg=column
        )


@pytest.mark.parametrize("case", CASES)
def test_quantiles_match_quantile_survfit(ref, r_array, case) -> None:
    c = ref["km"][case]
    fit = kaplan_meier(c["time"], c["event"], conf_type=c["conf_type"][0])
    q = c["quantile"]
    for i, p in enumerate(q["p"]):
        estimate = fit.quantile(p)
        expected = r_array([q["value"][i], q["lower"][i], q["upper"][i]])
        np.testing.assert_allclose(
            [estimate.value, estimate.lower, estimate.upper], expected, rtol=1e-8
        )


@pytest.mark.parametrize(
    "case",
    [
        c
        for c in CASES
        if c
        not in ("all_censored", "single_subject", "one_event_time", "midpoint", "midpoint_loglog")
    ],
)
def test_survival_at_times_matches_summary_times(ref, r_array, case) -> None:
    c = ref["km"][case]
    at = kaplan_meier(c["time"], c["event"], conf_type=c["conf_type"][0]).survival_at(
        c["at"]["times"]
    )
    for column in ["time", "n_risk", "survival", "std_err", "lower", "upper"]:
        np.testing.assert_allclose(at[column], r_array(c["at"][column]), rtol=1e-8, err_msg=column)


def test_median_midpoint_rule_one_to_six() -> None:
    assert kaplan_meier([1, 2, 3, 4, 5, 6], [1] * 6).median().value == 3.5


def test_median_not_reached_is_nan() -> None:
    median = kaplan_meier([1, 2, 3, 4], [1, 0, 0, 0]).median()
    assert np.isnan(median.value) and np.isnan(median.upper)


def test_accepts_pandas_polars_and_numpy(ref) -> None:
    c = ref["km"]["aml"]
    expected = kaplan_meier(c["time"], c["event"]).table
    for time, event in [
        (pd.Series(c["time"]), pd.Series(c["event"])),
        (pl.Series(c["time"]), pl.Series(c["event"])),
        (np.asarray(c["time"]), np.asarray(c["event"], dtype=bool)),
    ]:
        pd.testing.assert_frame_equal(kaplan_meier(time, event).table, expected)


def test_grouped_fit_equals_separate_fits(ref) -> None:
    c = ref["logrank"]["lung_sex"]
    time, event, group = np.array(c["time"]), np.array(c["event"]), np.array(c["group"])
    fits = kaplan_meier(time, event, by=group)
    assert list(fits) == [1, 2]
    for value, fit in fits.items():
        alone = kaplan_meier(time[group == value], event[group == value])
        pd.testing.assert_frame_equal(fit.table, alone.table)


def test_delayed_entry_matches_r_counting_process_survfit(ref, r_array) -> None:
    # R: survfit(Surv(start, stop, event) ~ 1, data = heart)
    c = ref["km_entry"]
    table = kaplan_meier(c["time"], c["event"], entry=c["entry"]).table
    for column in ["time", "n_risk", "n_event", "survival", "std_err", "lower", "upper"]:
        np.testing.assert_allclose(
            table[column], r_array(c["table"][column]), rtol=1e-8, err_msg=column
        )


@pytest.mark.parametrize(
    ("time", "event", "message"),
    [
        ([1, -2, 3], [1, 1, 1], r"time: negative values at positions 1"),
        ([1, np.nan, 3], [1, 1, 1], r"time: missing or infinite values at positions 1"),
        ([1, 2, 3], [1, 2, 1], r"event: must be 0/1; other values at positions 1"),
        ([1, 2, 3], [1, 1], r"event: length 2 differs from time's length 3"),
        ([], [], r"time: no observations"),
    ],
)
def test_bad_input_names_argument_and_positions(time, event, message) -> None:
    with pytest.raises(ValueError, match=message):
        kaplan_meier(time, event)


def test_grouped_fit_is_indexed_by_group_as_a_read_only_mapping(ref) -> None:
    c = ref["logrank"]["veteran_celltype"]
    levels = ["squamous", "smallcell", "adeno", "large"]
    fits = kaplan_meier(c["time"], c["event"], by=pd.Categorical(c["group"], categories=levels))
    assert list(fits) == list(fits.keys()) == fits.groups == levels
    assert len(fits) == 4 and "adeno" in fits and "other" not in fits
    assert [g for g, _ in fits.items()] == levels
    assert fits["adeno"].group == "adeno"
    assert fits["adeno"].n_event.sum() == c["observed"][2]  # R survdiff's observed deaths
    stacked = fits.table
    assert list(stacked["group"].unique()) == levels
    assert len(stacked) == sum(len(fit.table) for fit in fits.values())
    with pytest.raises(KeyError, match="no group 'other'"):
        fits["other"]
    with pytest.raises(TypeError):
        fits["adeno"] = fits["large"]  # type: ignore[index]
