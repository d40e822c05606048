"""Log-rank test against R survdiff, unstratified and with strata(), to 1e-8 relative."""

import numpy as np
import pandas as pd
import pytest

from rtio.stats import logrank_test

CASES = ["lung_sex", "veteran_celltype", "lung_sex_strata_ecog", "colon_rx_strata_sex"]
R_LEVELS = {
    "veteran_celltype": ["squamous", "smallcell", "adeno", "large"],
    "colon_rx_strata_sex": ["Obs", "Lev", "Lev+5FU"],
}


@pytest.mark.parametrize("case", CASES)
def test_logrank_matches_survdiff(ref, case) -> None:
    c = ref["logrank"][case]
    group = c["group"]
    if case in R_LEVELS:
        group = pd.Categorical(group, categories=R_LEVELS[case])
    result = logrank_test(c["time"], c["event"], group, strata=c.get("strata"))
    assert result.chisq == pytest.approx(c["chisq"][0], rel=1e-8)
    assert result.df == c["df"][0]
    assert result.p_value == pytest.approx(c["p_value"][0], rel=1e-8)
    np.testing.assert_allclose(result.observed.to_numpy(), c["observed"], rtol=1e-8)
    np.testing.assert_allclose(result.expected.to_numpy(), c["expected"], rtol=1e-8)
    assert [f"{case.split('_')[1]}={g}" for g in result.observed.index] == c["groups"]


def test_groups_are_sorted_when_not_categorical(ref) -> None:
    c = ref["logrank"]["lung_sex"]
    result = logrank_test(c["time"], c["event"], np.array(c["group"]) * 10)
    assert list(result.observed.index) == [10, 20]


def test_single_group_is_an_error() -> None:
    with pytest.raises(ValueError, match="group: needs at least two groups"):
        logrank_test([1, 2, 3], [1, 1, 0], ["a", "a", "a"])


def test_missing_group_is_an_error() -> None:
    with pytest.raises(ValueError, match="group: missing values at positions 1"):
        logrank_test([1, 2, 3], [1, 1, 0], ["a", None, "b"])
