"""Failures are said, never printed as numbers: each case against what R survival 3.5-3 / cmprsk
do (tests/reference/stats/failures_reference.R). Where R warns, rtio records the same condition on
the result; where R errors, returns NA or cmprsk's stat = -1 (or R's χ² = 0 without events),
rtio raises NotEstimableError with a reason a reader can be shown."""

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rtio.stats import (
    NotEstimableError,
    binomial_ci,
    cox_ph,
    cox_zph,
    gray_test,
    kaplan_meier,
    logrank_test,
    mann_whitney,
    percentile_cutoff,
)

REF = json.loads(
    (
        Path(__file__).resolve().parents[1] / "reference" / "stats" / "failures_reference.json"
    ).read_text()
)
COX = {  # case: (covariates, options)
    "monotone_converged": (["age", "early"], {}),
    "monotone_limit": (["x"], {}),
    "ran_out": (["x"], {}),
    "iter_max_2": (["x"], {"max_iter": 2}),
    "collinear": (["age", "sex", "age2"], {}),
    "n2": (["x"], {}),
    "n3": (["x"], {}),
    "n4": (["x"], {}),
    "n5": (["x"], {}),
}


def _cox(case: str):
    r = REF["cox"][case]
    frame = pd.DataFrame(r["data"])
    duration, event = ("time", "dead") if "dead" in frame else ("time", "status")
    covariates, options = COX[case]
    return r, cox_ph(frame, duration, event, covariates, **options)


def _r_variables(warnings: list[str], phrase: str) -> list[int]:
    """The variable numbers R names in a "Loglik converged before variable ..." warning."""
    for text in warnings:
        if phrase in text:
            return [int(v) for v in re.findall(r"\d+", text.split("variable")[1].split(";")[0])]
    return []


@pytest.mark.parametrize("case", list(COX))
def test_cox_convergence_and_infinite_checks_match_coxph_fit(case) -> None:
    r, fit = _cox(case)
    ran_out = "Ran out of iterations and did not converge" in r["warnings"]
    assert fit.converged is not ran_out
    assert fit.iterations == r["iter"][0]
    assert any("Ran out of iterations" in w for w in fit.warnings) is ran_out
    infinite = _r_variables(r["warnings"], "Loglik converged before variable")
    assert list(np.flatnonzero(fit.may_be_infinite) + 1) == infinite
    for j in infinite:
        assert f"variable {j} ({fit.names[j - 1]})" in fit.warnings[0]
        assert fit.not_estimable(fit.names[j - 1]) == (
            "monotone likelihood: the coefficient may be infinite"
        )
    expected = np.array([np.nan if v is None else v for v in r["coef"]])
    assert list(fit.singular) == list(np.isnan(expected))
    # finite estimates agree; a coefficient running off to infinity agrees to the path's precision
    tolerance = 1e-8 if not (ran_out or infinite) else 1e-5
    np.testing.assert_allclose(fit.coef, expected, rtol=tolerance)
    np.testing.assert_allclose(fit.loglik, r["loglik"], rtol=1e-8, atol=1e-9)


def test_collinear_covariate_is_na_with_its_reason() -> None:
    r, fit = _cox("collinear")
    assert fit.converged and not fit.may_be_infinite.any()
    assert fit.summary.loc["age2"].isna().all()
    assert fit.not_estimable("age2") == "collinear with other covariates (R: coefficient NA)"
    assert fit.not_estimable("age") is None
    assert "variable 3 (age2)" in fit.warnings[0]
    assert fit.lr_test.df == 2  # R: df = number of estimated coefficients
    np.testing.assert_allclose(fit.summary["se"].iloc[:2] ** 2, r["var_diag"][:2], rtol=1e-8)
    with pytest.raises(NotEstimableError, match="not estimable"):
        cox_zph(fit)


@pytest.mark.parametrize(
    ("case", "covariate", "reason"),
    [
        ("constant", "one", "no covariate can be estimated"),  # R: coef NA
        ("no_events", "z", "no events"),  # R: coef NA, loglik 0
        ("n1", "x", "no covariate can be estimated"),  # R: an error
    ],
)
def test_cox_that_cannot_be_computed_raises(case, covariate, reason) -> None:
    r = REF["cox"][case]
    assert "error" in r or all(v is None for v in r["coef"])
    with pytest.raises(NotEstimableError, match=reason):
        cox_ph(pd.DataFrame(r["data"]), "time", "status", [covariate])


def test_cox_on_empty_data_raises() -> None:
    frame = pd.DataFrame({"time": [], "status": [], "x": []})
    with pytest.raises(NotEstimableError, match="no observations"):
        cox_ph(frame, "time", "status", ["x"])


@pytest.mark.parametrize("case", ["empty_group_at_events", "n2", "n3", "n4", "n5"])
def test_logrank_small_samples_match_survdiff(case) -> None:
    r = REF["logrank"][case]
    result = logrank_test(r["time"], r["status"], r["group"])
    assert result.chisq == pytest.approx(r["chisq"][0], rel=1e-10)
    assert result.df == r["df"][0]
    np.testing.assert_allclose(result.expected, r["expected"], rtol=1e-10)


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("one_group", "needs at least two groups"),  # R: "There is only 1 group"
        ("no_events", "no events"),  # R: chisq = 0 (a number that is not a test)
        ("zero_variance", "variance of observed − expected is singular"),  # R: dgesv error
    ],
)
def test_logrank_that_cannot_be_computed_raises(case, reason) -> None:
    r = REF["logrank"][case]
    assert "error" in r or r["chisq"] == [0]
    with pytest.raises(NotEstimableError, match=reason):
        logrank_test(r["time"], r["status"], r["group"])


@pytest.mark.parametrize("case", ["singular", "n2"])
def test_gray_singular_variance_raises_where_cmprsk_gives_minus_one(case) -> None:
    r = REF["gray"][case]
    assert r["stat"] == [-1]
    with pytest.raises(
        NotEstimableError, match="cause 1: the variance of Gray's score is singular"
    ):
        gray_test(r["time"], r["cause"], r["group"])


def test_gray_tests_the_causes_asked_for() -> None:
    r = REF["gray"]["one_cause_singular"]
    assert r["stat"] == [2, -1]
    with pytest.raises(NotEstimableError, match="cause 2"):
        gray_test(r["time"], r["cause"], r["group"])
    result = gray_test(r["time"], r["cause"], r["group"], causes=[1])
    assert result.loc[1, "statistic"] == pytest.approx(r["stat"][0], rel=1e-10)
    assert result.loc[1, "p_value"] == pytest.approx(r["p"][0], rel=1e-9)
    n4 = REF["gray"]["n4"]
    assert gray_test(n4["time"], n4["cause"], n4["group"]).loc[1, "statistic"] == pytest.approx(
        n4["stat"][0], rel=1e-10
    )


@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_kaplan_meier_n_1_to_5_matches_survfit(k) -> None:
    r = REF["km"][f"n{k}"]
    fit = kaplan_meier(r["time"], r["status"])
    nan = lambda values: np.array([np.nan if v is None else v for v in values], float)  # noqa: E731
    np.testing.assert_allclose(fit.time, r["surv_time"])
    np.testing.assert_allclose(fit.survival, r["surv"], rtol=1e-12)
    np.testing.assert_allclose(fit.std_err, nan(r["std_err"]), rtol=1e-10)
    median = fit.median()
    np.testing.assert_allclose([median.value, median.lower, median.upper], nan(r["median"]))


@pytest.mark.parametrize(
    ("call", "reason"),
    [
        (lambda: kaplan_meier([], []), "no observations"),
        (lambda: logrank_test([], [], []), "no observations"),
        (lambda: gray_test([], [], []), "no observations"),
        (lambda: binomial_ci(0, 0), "n = 0"),
        (lambda: mann_whitney([], [1.0, 2.0]), "a: empty sample"),
        (lambda: percentile_cutoff([]), "values: empty"),
    ],
)
def test_empty_input_is_not_estimable(call, reason) -> None:
    with pytest.raises(NotEstimableError, match=reason):
        call()
