"""gray_test against R cmprsk 2.2-11 ``cuminc()$Tests`` (tests/reference/stats/gray_reference.R):
mgus2 progression vs death by sex (ρ = 0 and 1), and a synthetic three-group study with heavy
ties and two strata."""

import json
from pathlib import Path

import numpy as np
import pytest

from rtio.stats import gray_test

REF = json.loads(
    (
        Path(__file__).resolve().parents[1] / "reference" / "stats" / "gray_reference.json"
    ).read_text()
)


def _check(result, ref) -> None:
    assert [str(c) for c in result.index] == ref["causes"]
    np.testing.assert_allclose(result["statistic"], ref["stat"], rtol=1e-9)
    np.testing.assert_allclose(result["p_value"], ref["p"], rtol=1e-8)
    np.testing.assert_array_equal(result["df"], ref["df"])


@pytest.mark.parametrize(("rho", "key"), [(0.0, "rho0"), (1.0, "rho1")])
def test_mgus2_by_sex(rho, key) -> None:
    d = REF["mgus2"]
    _check(gray_test(d["time"], d["cause"], d["group"], rho=rho), d[key])


def test_three_groups_with_ties() -> None:
    d = REF["synthetic"]
    _check(gray_test(d["time"], d["cause"], d["group"]), d["plain"])
    _check(gray_test(d["time"], d["cause"], d["group"], rho=0.5), d["rho_half"])


def test_three_groups_stratified() -> None:
    d = REF["synthetic"]
    _check(gray_test(d["time"], d["cause"], d["group"], strata=d["strata"]), d["strata_test"])


def test_bad_cause_is_an_error() -> None:
    with pytest.raises(ValueError, match="cause"):
        gray_test([1, 2, 3], [0, -1, 1], ["a", "b", "a"])
