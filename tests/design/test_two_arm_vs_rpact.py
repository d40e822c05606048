"""two_arm_survival against rpact 3.3.4 getSampleSizeSurvival on 22 settings (superiority and
non-inferiority, allocation 0.5–2, dropout, 1–4 looks, OBF- and Pocock-type spending):
events ±0.5, patients ±1, z and HR boundaries 1e-4 (tests/reference/design/rpact_grid.R)."""

import json
from pathlib import Path

import numpy as np
import pytest

from rtio.design import two_arm_survival

GRID = json.loads(
    (Path(__file__).resolve().parents[1] / "reference" / "design" / "rpact_grid.json").read_text()
)["grid"]


@pytest.mark.parametrize(
    "g",
    GRID,
    ids=[f"K{g['K']}-hr{g['hr']}-m{g['th0']}-r{g['r']}-p{g['p']}-{g['sp']}" for g in GRID],
)
def test_matches_rpact(g) -> None:
    design = two_arm_survival(
        g["m2"],
        hazard_ratio=g["hr"],
        alpha=g["alpha"],
        power=g["power"],
        accrual_months=g["A"],
        follow_up_months=g["F"],
        dropout_rate=g["p"],
        dropout_months=12,
        allocation_ratio=g["r"],
        margin=None if g["th0"] == 1 else g["th0"],
        looks=g["K"],
        spending=g["sp"],
    )
    assert design.events == pytest.approx(g["events"], abs=0.5)
    assert design.patients == pytest.approx(g["patients"], abs=1)
    np.testing.assert_allclose(design.boundaries["z"], np.atleast_1d(g["critical_z"]), atol=1e-4)
    np.testing.assert_allclose(
        design.boundaries["hazard_ratio"], np.atleast_1d(g["critical_hr"]), atol=1e-4
    )
    np.testing.assert_allclose(
        design.events_per_look, np.atleast_1d(g["events_per_stage"]), atol=0.5
    )


def test_freedman_events_published_anchor() -> None:
    # HR 0.7, 1:1, one-sided 0.025, 80 %: Freedman 252.04 events (trial-design reference table)
    design = two_arm_survival(12, hazard_ratio=0.7, method="freedman")
    assert design.events == pytest.approx(252.04, abs=0.01)


def test_margin_must_exceed_expected_hazard_ratio() -> None:
    with pytest.raises(ValueError, match="below the margin"):
        two_arm_survival(12, hazard_ratio=1.6, margin=1.5)
