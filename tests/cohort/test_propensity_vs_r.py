"""Propensity scores, stabilised IPT weights and standardised differences match R (lung data)."""

import numpy as np
import pandas as pd
import pytest

from rtio.cohort import balance_table, inverse_probability_weights, propensity_scores


@pytest.fixture(scope="module")
def lung(reference) -> pd.DataFrame:
    return pd.DataFrame(reference["iptw"]["data"])


def test_propensity_scores_match_r_glm(reference, lung) -> None:
    ps = propensity_scores(lung, "treated", ["age", "ph.ecog"])
    np.testing.assert_allclose(ps, reference["iptw"]["ps"], rtol=1e-8)


def test_stabilised_weights_match_r(reference, lung) -> None:
    ps = np.asarray(reference["iptw"]["ps"])
    weights = inverse_probability_weights(ps, lung["treated"].to_numpy(), stabilized=True)
    np.testing.assert_allclose(weights, reference["iptw"]["weights"], rtol=1e-12)


def test_balance_table_smd_before_and_after(reference, lung) -> None:
    weights = np.asarray(reference["iptw"]["weights"])
    table = balance_table(lung, "treated", ["age", "ph.ecog"], weights).set_index("covariate")
    np.testing.assert_allclose(table["smd_before"], reference["iptw"]["smd_before"], rtol=1e-10)
    np.testing.assert_allclose(table["smd_after"], reference["iptw"]["smd_after"], rtol=1e-10)
    assert (table["smd_after"].abs() < 0.1).all()


def test_trimmed_weights_are_truncated_at_quantiles() -> None:
    ps = np.linspace(0.02, 0.98, 49)
    treated = np.arange(49) % 2
    raw = inverse_probability_weights(ps, treated, stabilized=False)
    trimmed = inverse_probability_weights(ps, treated, stabilized=False, trim=(0.05, 0.95))
    assert trimmed.max() == pytest.approx(np.quantile(raw, 0.95))
    assert trimmed.min() == pytest.approx(np.quantile(raw, 0.05))


def test_missing_covariates_are_an_error_not_dropped(lung) -> None:
    broken = lung.copy()
    broken.loc[3, "age"] = np.nan
    with pytest.raises(ValueError, match=r"rows \[3\] have missing covariates"):
        propensity_scores(broken, "treated", ["age", "ph.ecog"])


def test_nearest_neighbour_matching_improves_balance(reference, lung) -> None:
    from rtio.cohort.propensity import match_nearest

    ps = np.asarray(reference["iptw"]["ps"])
    treated = lung["treated"].to_numpy()
    match = match_nearest(ps, treated, caliper_sd=0.2)
    pairs = np.flatnonzero(match >= 0)
    assert len(set(match[pairs])) == len(pairs)  # without replacement
    assert (treated[match[pairs]] == 0).all()
    logit = np.log(ps / (1 - ps))
    assert (np.abs(logit[pairs] - logit[match[pairs]]) <= 0.2 * logit.std(ddof=1)).all()
    matched = np.concatenate([pairs, match[pairs]])
    before = balance_table(lung, "treated", ["age"]).set_index("covariate").loc["age", "smd_before"]
    after = (
        balance_table(lung.iloc[matched], "treated", ["age"])
        .set_index("covariate")
        .loc["age", "smd_before"]
    )
    assert abs(after) < abs(before)
