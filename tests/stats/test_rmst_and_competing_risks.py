"""RMST against R summary(survfit, rmean = tau) and Aalen–Johansen cumulative incidence against
R survfit with a multi-state status (mgus2: progression vs death), with case weights and delayed
entry (heart) — tests/reference/stats/extras_reference.R."""

import json
from pathlib import Path

import numpy as np
import pytest

from rtio.stats import cumulative_incidence, kaplan_meier, rmst

REF = json.loads(
    (
        Path(__file__).resolve().parents[1] / "reference" / "stats" / "extras_reference.json"
    ).read_text()
)


def test_rmst_matches_r_on_lung() -> None:
    c = REF["lung"]
    result = rmst(c["time"], c["event"], 365)
    assert result.rmst == pytest.approx(c["rmean"][0], rel=1e-10)
    assert result.se == pytest.approx(c["se"][0], rel=1e-10)


def test_rmst_per_arm_matches_r_on_veteran() -> None:
    c = REF["veteran"]
    time, event, group = (np.asarray(c[k]) for k in ("time", "event", "group"))
    for i, arm in enumerate((1, 2)):
        result = rmst(time[group == arm], event[group == arm], 200)
        assert result.rmst == pytest.approx(c["rmean"][i], rel=1e-10)
        assert result.se == pytest.approx(c["se"][i], rel=1e-10)


def test_aalen_johansen_matches_r_pstate() -> None:
    c = REF["mgus2"]
    ci = cumulative_incidence(c["time"], c["cause"], c["times"])
    np.testing.assert_allclose(
        ci[["event_free", "cause_1", "cause_2"]].to_numpy(), np.asarray(c["pstate"]), rtol=1e-10
    )


def test_rmst_with_case_weights_matches_r() -> None:
    c = REF["lung_weighted"]
    result = rmst(c["time"], c["event"], 365, weights=c["w"])
    assert result.rmst == pytest.approx(c["rmean"][0], rel=1e-10)
    assert result.se == pytest.approx(c["se"][0], rel=1e-10)


@pytest.mark.parametrize("weighted", [False, True])
def test_rmst_with_delayed_entry_matches_r(weighted) -> None:
    c = REF["heart"]
    result = rmst(
        c["time"], c["event"], 500, entry=c["entry"], weights=c["w"] if weighted else None
    )
    suffix = "_weighted" if weighted else ""
    assert result.rmst == pytest.approx(c[f"rmean{suffix}"][0], rel=1e-10)
    assert result.se == pytest.approx(c[f"se{suffix}"][0], rel=1e-10)


def test_weighted_km_with_delayed_entry_matches_r() -> None:
    c = REF["heart"]
    table = kaplan_meier(c["time"], c["event"], entry=c["entry"], weights=c["w"]).table
    expected = c["km_weighted"]
    for column in ["time", "n_risk", "n_event", "survival", "std_err"]:
        np.testing.assert_allclose(table[column], expected[column], rtol=1e-10, err_msg=column)


def test_weighted_aalen_johansen_matches_r() -> None:
    c = REF["mgus2"]
    ci = cumulative_incidence(c["time"], c["cause"], c["times"], weights=REF["mgus2_weighted"]["w"])
    np.testing.assert_allclose(
        ci[["event_free", "cause_1", "cause_2"]].to_numpy(),
        np.asarray(REF["mgus2_weighted"]["pstate"]),
        rtol=1e-10,
    )
