"""Continuous times with nearly equal values against R survival 3.5-3, with R's default timefix
(aeqSurv: times equal within floating-point tolerance are one time) and with timefix = FALSE, to
1e-12 (tests/reference/stats/continuous_reference.R): Kaplan–Meier table and quantiles, log-rank
(plain and stratified), Cox with one and three covariates (Efron, Breslow, stratified)."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rtio.stats import cox_ph, kaplan_meier, logrank_test

REF = json.loads(
    (
        Path(__file__).resolve().parents[1] / "reference" / "stats" / "continuous_reference.json"
    ).read_text()
)
DATA = pd.DataFrame(REF["data"])
TIMEFIX = {"timefix": True, "no_timefix": False}
RTOL = 1e-12


def _nan(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def test_data_has_nearly_equal_times_that_r_merges() -> None:
    assert REF["distinct"]["raw"][0] - REF["distinct"]["fixed"][0] == 250
    assert kaplan_meier(DATA["time"], DATA["status"]).time.size < DATA["time"].nunique()


@pytest.mark.parametrize("case", list(TIMEFIX))
def test_kaplan_meier_matches_survfit(case) -> None:
    r = REF["km"][case]
    fit = kaplan_meier(DATA["time"], DATA["status"], timefix=TIMEFIX[case])
    table = fit.table
    np.testing.assert_array_equal(table["time"], r["time"])
    for column in ["n_risk", "n_event", "survival", "std_err", "lower", "upper"]:
        np.testing.assert_allclose(table[column], _nan(r[column]), rtol=RTOL, err_msg=column)
    for i, p in enumerate([0.25, 0.5, 0.75]):
        q = fit.quantile(p)
        expected = [r["quantile"][k][i] for k in ("value", "lower", "upper")]
        np.testing.assert_allclose([q.value, q.lower, q.upper], _nan(expected), rtol=RTOL)


@pytest.mark.parametrize("case", list(TIMEFIX))
@pytest.mark.parametrize("stratified", [False, True])
def test_logrank_matches_survdiff(case, stratified) -> None:
    r = REF["logrank"][("strata_" if stratified else "") + case]
    result = logrank_test(
        DATA["time"],
        DATA["status"],
        DATA["group"],
        strata=DATA["stratum"] if stratified else None,
        timefix=TIMEFIX[case],
    )
    assert result.chisq == pytest.approx(r["chisq"][0], rel=RTOL)
    np.testing.assert_allclose(result.expected, r["expected"], rtol=RTOL)
    np.testing.assert_allclose(result.observed, r["observed"], rtol=RTOL)


COX = {
    "one": (["group"], {}),
    "three": (["x1", "x2", "x3"], {}),
    "three_breslow": (["x1", "x2", "x3"], {"ties": "breslow"}),
    "strata": (["x1", "x2", "x3"], {"strata": "stratum"}),
}


@pytest.mark.parametrize(
    "case",
    [
        "one_timefix",
        "one_no_timefix",
        "three_timefix",
        "three_no_timefix",
        "three_breslow",
        "strata_timefix",
        "strata_no_timefix",
    ],
)
def test_cox_matches_coxph(case) -> None:
    r = REF["cox"][case]
    covariates, options = COX[case.replace("_timefix", "").replace("_no", "")]
    fit = cox_ph(DATA, "time", "status", covariates, timefix="no_timefix" not in case, **options)
    np.testing.assert_allclose(fit.coef, r["coef"], rtol=RTOL)
    np.testing.assert_allclose(fit.summary["se"], r["se"], rtol=1e-10)
    np.testing.assert_allclose(fit.loglik, r["loglik"], rtol=RTOL)
    assert fit.score_test.statistic == pytest.approx(r["score"][0], rel=1e-10)
    assert fit.iterations == r["iter"][0]
