"""mann_whitney when every value of both samples is the same, against R wilcox.test
(tests/reference/stats/mann_whitney_tied.R / .json): R's W, and two-sided p NaN reported as not
estimable with its reason; one-sided, R's p of 1."""

import json
import math
from pathlib import Path

import pytest

from rtio.stats import mann_whitney
from rtio.stats.rank_tests import ALL_TIED

REF = json.loads(
    (Path(__file__).parents[1] / "reference" / "stats" / "mann_whitney_tied.json").read_text()
)
ALTERNATIVE = {"two.sided": "two-sided", "less": "less", "greater": "greater"}


@pytest.mark.parametrize("case", sorted(REF["cases"]))
def test_all_tied_samples_follow_wilcox_test(case) -> None:
    c = REF["cases"][case]
    result = mann_whitney(c["a"], c["b"], alternative=ALTERNATIVE[c["alternative"]])
    assert result.statistic == c["statistic"]
    assert result.method.startswith(c["method"])
    if c["p_is_nan"]:
        assert math.isnan(result.p_value)
        assert result.not_estimable == ALL_TIED
    else:
        assert result.p_value == c["p"]
        assert result.not_estimable is None


def test_samples_with_different_values_stay_estimable() -> None:
    assert mann_whitney([3.0, 3.0, 3.0], [3.0, 4.0]).not_estimable is None
