"""Binomial CIs (R binom.test / prop.test / qbeta), Mann–Whitney (R wilcox.test), reverse-KM
median follow-up, percentile cut-offs (R quantile type 7) and one-sample tests (R survdiff with an
offset; survreg exponential), plus seed 004's printed exact CIs."""

import numpy as np
import pytest

from rtio.stats import (
    binomial_ci,
    exponential_test,
    mann_whitney,
    median_follow_up,
    one_sample_logrank,
    percentile_cutoff,
)


@pytest.mark.parametrize("method", ["exact", "wilson", "jeffreys"])
def test_binomial_ci_matches_r(ref, method) -> None:
    for case in ref["binom"]:
        got = binomial_ci(case["k"][0], case["n"][0], method=method)
        np.testing.assert_allclose(got, case[method], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(
    ("k", "n", "printed"),
    [
        (15, 26, (36.9, 76.6)),
        (19, 26, (52.2, 88.4)),
        (15, 33, (28.1, 63.6)),
        (19, 33, (39.2, 74.5)),
    ],
)
def test_seed004_exact_cis_rounded_once(k, n, printed) -> None:
    # the paper prints 76.7 and 63.7: 76.648 and 63.649 rounded twice
    lower, upper = binomial_ci(k, n)
    assert (round(100 * lower, 1), round(100 * upper, 1)) == printed


def test_binomial_ci_rejects_k_above_n() -> None:
    with pytest.raises(ValueError, match="k: must be a whole number between 0 and n = 5"):
        binomial_ci(6, 5)


@pytest.mark.parametrize(
    "case", ["exact_small", "exact_no_ties", "ties_normal", "large_normal", "one_large"]
)
def test_mann_whitney_matches_wilcox_test(ref, case) -> None:
    c = ref["mann_whitney"][case]
    result = mann_whitney(c["a"], c["b"])
    assert result.statistic == c["statistic"][0]
    assert result.p_value == pytest.approx(c["p_value"][0], rel=1e-8)
    assert ("exact" in result.method) == ("exact" in c["method"][0])


def test_median_follow_up_is_reverse_km(ref) -> None:
    c = ref["median_follow_up"]
    estimate = median_follow_up(c["time"], c["event"])
    assert (estimate.value, estimate.lower, estimate.upper) == (
        c["median"][0],
        c["lower"][0],
        c["upper"][0],
    )


def test_percentile_cutoff_is_r_type_7(ref) -> None:
    c = ref["percentile"]
    cut = percentile_cutoff(c["values"], 0.30)
    assert cut.cutoff == pytest.approx(c["q30"][0], rel=1e-12)
    values = np.asarray(c["values"])
    assert (cut.labels == "high").sum() == (values >= c["q30"][0]).sum()
    assert percentile_cutoff(c["values"], 0.5).cutoff == pytest.approx(c["q50"][0], rel=1e-12)


@pytest.mark.parametrize("case", ["lung", "lung_weibull", "seed004_like"])
def test_one_sample_logrank_equals_survdiff_with_offset(ref, case) -> None:
    c = ref["one_sample"][case]
    result = one_sample_logrank(c["time"], c["event"], c["m0"][0], shape=c["shape"][0])
    assert result.observed == c["observed"][0]
    assert result.expected == pytest.approx(c["expected"][0], rel=1e-10)
    assert result.statistic**2 == pytest.approx(c["chisq"][0], rel=1e-10)


@pytest.mark.parametrize("case", ["lung", "seed004_like"])
def test_exponential_test_matches_survreg(ref, case) -> None:
    c = ref["one_sample"][case]
    result = exponential_test(c["time"], c["event"], c["m0"][0])
    log_rate = np.log(np.log(2) / result.median.value)
    assert log_rate == pytest.approx(c["log_rate"][0], rel=1e-9)
    z = (np.log(np.log(2) / c["m0"][0]) - c["log_rate"][0]) / c["log_rate_se"][0]
    assert result.statistic == pytest.approx(z, rel=1e-8)
