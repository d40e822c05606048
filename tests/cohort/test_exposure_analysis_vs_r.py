"""Naive, landmark, time-varying and Simon–Makuch analyses of heart transplant (R survival::heart),
and IPT-weighted Cox (robust SE) and KM on R's lung data (tests/reference/cohort/cohort_reference.R)."""

import numpy as np
import pandas as pd
import pytest

from rtio.cohort import counting_process, first_rt_start_day, overall_survival
from rtio.cohort.exposure_analysis import compare_exposure, simon_makuch
from rtio.stats import cox_ph, kaplan_meier


@pytest.fixture(scope="module")
def heart(jasa_tables):
    subjects = jasa_tables["subjects"]
    followup = overall_survival(subjects)
    tx_day = first_rt_start_day(subjects, jasa_tables["transplants"])
    return followup, tx_day


def test_naive_and_time_varying_transplant_hr_match_r(reference, heart) -> None:
    followup, tx_day = heart
    result = compare_exposure(followup, tx_day, "transplant", landmarks_days=(30, 60, 90))
    assert result.naive_hr.hr == pytest.approx(reference["naive"]["hr"], rel=1e-8)
    assert result.naive_hr.upper == pytest.approx(reference["naive"]["hr_upper"], rel=1e-8)
    tv = result.time_varying_hr
    assert tv.hr == pytest.approx(reference["time_varying"]["hr"], rel=1e-8)
    assert (tv.lower, tv.upper) == pytest.approx(
        (reference["time_varying"]["hr_lower"], reference["time_varying"]["hr_upper"]), rel=1e-8
    )
    assert tv.n_events == 75
    for expected in reference["landmarks"]:
        got = result.landmarks[expected["landmark"]]
        assert got.hr == pytest.approx(expected["hr"], rel=1e-8)
        assert (got.n_subjects, got.n_events) == (expected["n"], expected["n_events"])


def test_simon_makuch_curves_match_r(reference, heart) -> None:
    followup, tx_day = heart
    changes = tx_day.dropna().rename("time").rename_axis("subject_id").reset_index().assign(level=1)
    curves = simon_makuch(counting_process(followup, changes))
    sm = reference["simon_makuch"]
    for level in (0, 1):
        pick = [i for i, s in enumerate(sm["strata"]) if s == f"transplant={level}"]
        at = curves[level].survival_at([sm["time"][i] for i in pick], extend=True)
        np.testing.assert_allclose(at["survival"], [sm["surv"][i] for i in pick], rtol=1e-8)
        np.testing.assert_array_equal(at["n_risk"], [sm["n_risk"][i] for i in pick])


def test_iptw_weighted_cox_with_robust_se_matches_r(reference) -> None:
    iptw = reference["iptw"]
    lung = pd.DataFrame(iptw["data"]).assign(w=iptw["weights"])
    fit = cox_ph(lung, "time", "event", ["treated"], weights="w", robust=True)
    assert fit.coef[0] == pytest.approx(iptw["cox_coef"], rel=1e-8)
    assert fit.summary["se"].iloc[0] == pytest.approx(iptw["cox_robust_se"], rel=1e-8)
    assert fit.summary["naive_se"].iloc[0] == pytest.approx(iptw["cox_naive_se"], rel=1e-8)
    curves = kaplan_meier(lung["time"], lung["event"], by=lung["treated"], weights=lung["w"])
    for level in (0, 1):
        at = curves[level].survival_at([180, 365])
        expected = [
            s
            for s, g in zip(iptw["km_surv"], iptw["km_strata"], strict=True)
            if g == f"treated={level}"
        ]
        np.testing.assert_allclose(at["survival"], expected, rtol=1e-8)
