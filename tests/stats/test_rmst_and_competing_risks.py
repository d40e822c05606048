"""RMST against R summary(survfit, rmean = tau) and Aalen–Johansen cumulative incidence against
R survfit with a multi-state status (mgus2: progression vs death) — tests/reference/stats/extras_reference.R."""

import json
from pathlib import Path

import numpy as np
import pytest

from rtio.stats import cumulative_incidence, rmst

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
