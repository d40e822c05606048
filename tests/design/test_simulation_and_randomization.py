"""Simulated power agrees with the analytic power, the type I error with alpha (within 3
Monte-Carlo SEs); split runs are reproducible; randomization lists balance within blocks."""

import numpy as np
import pytest

from rtio.design import randomization_list, simulate_two_arm


@pytest.mark.parametrize(
    "setting",
    [
        dict(hazard_ratio=0.7),
        dict(hazard_ratio=0.7, looks=3),
        dict(hazard_ratio=0.7, dropout_rate=0.1, looks=2, spending="pocock"),
    ],
)
def test_simulated_power_matches_analytic(setting) -> None:
    result = simulate_two_arm(12, n_trials=10_000, seed=3, **setting)
    assert abs(result.power - 0.8) < 3 * result.mc_se + 0.005, result


def test_unequal_allocation_shows_schoenfeld_is_conservative() -> None:
    # With 2:1 allocation Schoenfeld's events overshoot: the log-rank test has more than the planned power
    result = simulate_two_arm(
        12, hazard_ratio=0.65, allocation_ratio=2, dropout_rate=0.1, n_trials=10_000, seed=3
    )
    assert result.power > 0.8 + 3 * result.mc_se


def test_type_one_error_at_the_null() -> None:
    result = simulate_two_arm(12, hazard_ratio=0.7, true_hazard_ratio=1.0, n_trials=20_000, seed=4)
    assert abs(result.power - 0.025) < 3 * result.mc_se, result


def test_same_seed_same_numbers() -> None:
    a = simulate_two_arm(12, hazard_ratio=0.7, n_trials=5000, seed=9)
    b = simulate_two_arm(12, hazard_ratio=0.7, n_trials=5000, seed=9)
    assert a == b or (a.power == b.power and a.expected_duration == b.expected_duration)


def test_stratified_permuted_blocks_balance() -> None:
    lst = randomization_list(
        40,
        arms=("immediate RT", "salvage RT"),
        strata={"ECOG": ["0", "1"], "burden": ["oligo", "poly"]},
        seed=2,
    )
    table = lst.table
    assert table["stratum"].nunique() == 4
    per_block = table.groupby("block_id")["arm"].value_counts().unstack(fill_value=0)
    assert (per_block["immediate RT"] == per_block["salvage RT"]).all()
    assert set(table["block_size"]) <= {2, 4, 6}
    assert (lst.balance[["immediate RT", "salvage RT"]].sum(axis=1) >= 40).all()
    again = randomization_list(
        40,
        arms=("immediate RT", "salvage RT"),
        strata={"ECOG": ["0", "1"], "burden": ["oligo", "poly"]},
        seed=2,
    )
    assert again.table.equals(table)


def test_unequal_allocation_blocks() -> None:
    lst = randomization_list(30, arms=("A", "B"), ratio=(2, 1), seed=5)
    per_block = lst.table.groupby("block_id")["arm"].value_counts().unstack(fill_value=0)
    assert np.all(per_block["A"] == 2 * per_block["B"])


def test_minimization_balances_every_factor_level() -> None:
    import pandas as pd

    from rtio.design import minimization_list

    rng = np.random.default_rng(0)
    patients = pd.DataFrame(
        {
            "ECOG": rng.choice(["0", "1"], 120),
            "burden": rng.choice(["oligo", "poly"], 120, p=[0.3, 0.7]),
        }
    )
    allocated = minimization_list(
        patients, ["ECOG", "burden"], arms=("immediate", "salvage"), p_best=0.9, seed=4
    )
    for factor in ("ECOG", "burden"):
        counts = allocated.groupby([factor, "arm"]).size().unstack()
        assert (abs(counts["immediate"] - counts["salvage"]) <= 4).all(), counts
    again = minimization_list(
        patients, ["ECOG", "burden"], arms=("immediate", "salvage"), p_best=0.9, seed=4
    )
    assert again["arm"].tolist() == allocated["arm"].tolist()
