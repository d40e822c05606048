"""Cox PH against R coxph: Efron and Breslow, factors, strata, counting process (heart),
weights with robust variance, and cluster(); coefficients, SEs, CIs and the three global tests."""

import dataclasses

import numpy as np
import pytest

from rtio.stats import cox_ph

CASES = {
    # about 200 tied deaths per time: Efron's closed-form sums (digamma / trigamma)
    "big_ties_efron": ("big_ties", dict(duration="time", event="status", covariates=["x1", "x2"])),
    "big_ties_robust": (
        "big_ties",
        dict(duration="time", event="status", covariates=["x1", "x2"], robust=True),
    ),
    "lung_efron": (
        "lung",
        dict(duration="time", event="dead", covariates=["age", "sex", "ph.ecog"]),
    ),
    "lung_breslow": (
        "lung",
        dict(duration="time", event="dead", covariates=["age", "sex", "ph.ecog"], ties="breslow"),
    ),
    "veteran_efron": (
        "veteran",
        dict(duration="time", event="status", covariates=["trt", "karno", "celltype"]),
    ),
    "veteran_breslow": (
        "veteran",
        dict(
            duration="time", event="status", covariates=["trt", "karno", "celltype"], ties="breslow"
        ),
    ),
    "lung_strata_inst": (
        "lung",
        dict(duration="time", event="dead", covariates=["age", "sex"], strata="inst"),
    ),
    "veteran_strata": (
        "veteran",
        dict(duration="time", event="status", covariates=["karno"], strata="celltype"),
    ),
    "heart_tv": (
        "heart",
        dict(
            duration="stop",
            event="event",
            covariates=["transplant", "age", "surgery"],
            entry="start",
        ),
    ),
    "heart_tv_breslow": (
        "heart",
        dict(
            duration="stop",
            event="event",
            covariates=["age", "surgery"],
            entry="start",
            ties="breslow",
        ),
    ),
    "lung_weighted_robust": (
        "lung",
        dict(duration="time", event="dead", covariates=["age", "sex"], weights="w", robust=True),
    ),
    "lung_weighted_robust_breslow": (
        "lung",
        dict(
            duration="time",
            event="dead",
            covariates=["age", "sex"],
            weights="w",
            robust=True,
            ties="breslow",
        ),
    ),
    "colon_cluster": (
        "colon",
        dict(duration="time", event="status", covariates=["age", "sex", "nodes"], cluster="id"),
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_cox_matches_coxph(ref, r_data, case) -> None:
    data, options = CASES[case]
    r = ref["cox"][case]
    fit = cox_ph(r_data[data], **options)
    s = fit.summary
    assert list(s.index) == r["names"]
    for column, key in [
        ("coef", "coef"),
        ("se", "se"),
        ("hr_lower", "hr_lower"),
        ("hr_upper", "hr_upper"),
        ("z", "z"),
        ("p_value", "p_value"),
    ]:
        np.testing.assert_allclose(s[column], r[key], rtol=1e-8, err_msg=column)
    np.testing.assert_allclose(fit.loglik, r["loglik"], rtol=1e-10)
    assert fit.lr_test.statistic == pytest.approx(r["lr"][0], rel=1e-8)
    assert fit.wald_test.statistic == pytest.approx(r["wald"][0], rel=1e-8)
    assert fit.score_test.statistic == pytest.approx(r["score"][0], rel=1e-8)
    assert fit.lr_test.df == r["df"][0]
    assert (fit.n, fit.n_events) == (r["n"][0], r["nevent"][0])
    if r.get("naive_se"):
        np.testing.assert_allclose(s["naive_se"], r["naive_se"], rtol=1e-8)


def test_missing_covariate_is_an_error(r_data) -> None:
    frame = r_data["lung"].copy()
    frame.loc[5, "age"] = np.nan
    with pytest.raises(ValueError, match=r"covariate 'age': missing values at rows \[5\]"):
        cox_ph(frame, "time", "dead", ["age"])


def test_unknown_column_is_an_error(r_data) -> None:
    with pytest.raises(ValueError, match="covariates: column 'weight' not in the data"):
        cox_ph(r_data["lung"], "time", "dead", ["weight"])


def test_fit_is_frozen_and_keyword_built(r_data) -> None:
    fit = cox_ph(r_data["lung"], "time", "dead", ["age"])
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.coef = fit.coef * 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        type(fit)(fit.coef)  # type: ignore[call-arg]
