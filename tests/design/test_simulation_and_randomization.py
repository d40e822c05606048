"""Simulated power agrees with the analytic power, the type I error with alpha (within 3
Monte-Carlo SEs); split runs are reproducible; randomization lists balance within blocks."""

import numpy as np
import pytest

from rtio.design import randomization_list, simulate_two_arm
from rtio.design.simulation import _logrank_sorted, _sorted_keys, logrank_z
from rtio.stats import logrank_test


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


def test_expected_events_follow_the_stopping_looks() -> None:
    # a trial stops at its first rejecting look: E[events] = sum_k P(stop at k) * events_k
    result = simulate_two_arm(12, hazard_ratio=0.7, looks=3, n_patients=400, events=250, seed=2)
    targets = np.ceil(np.array([1, 2, 3]) / 3 * 250)
    stop = np.append(result.reject_by_look[:-1], 1 - result.reject_by_look[:-1].sum())
    assert result.expected_events == pytest.approx(float(stop @ targets), rel=1e-12)
    assert result.reject_by_look.sum() == pytest.approx(result.power)


def test_rejections_per_look_spend_alpha_as_planned() -> None:
    # under H0 the first crossings at looks 1..3 occur with the Lan-DeMets OBF alpha increments
    # (0.000104, 0.005944, 0.018952); a trial counts at its first rejecting look only
    result = simulate_two_arm(
        12, hazard_ratio=0.7, true_hazard_ratio=1.0, looks=3, n_trials=40_000, seed=6
    )
    spent = np.diff([0.0, 0.000104, 0.006048, 0.025])
    mc_se = np.sqrt(spent * (1 - spent) / 40_000)
    assert np.all(np.abs(result.reject_by_look - spent) < 3 * mc_se + 1e-4), result.reject_by_look


def test_replicate_logrank_equals_the_reference_logrank() -> None:
    # every row of the vectorised statistic equals rtio.stats.logrank_test (checked against R
    # survdiff); patients with a negative time are not yet enrolled and never at risk
    rng = np.random.default_rng(5)
    time = rng.exponential(10, (20, 60))
    event = (rng.uniform(size=(20, 60)) < 0.7).astype(np.int8)
    arm = np.resize(np.array([0, 1], dtype=np.int8), 60)[None, :].repeat(20, axis=0)
    time[:, :6] = -1.0
    event[:, :6] = 0
    z = logrank_z(time, event, arm)
    for row in range(20):
        keep = time[row] >= 0
        ref = logrank_test(time[row, keep], event[row, keep], arm[row, keep])
        expected_z = (ref.expected.iloc[1] - ref.observed.iloc[1]) / np.sqrt(ref.variance[1, 1])
        assert z[row] == pytest.approx(expected_z, rel=1e-9)


def test_single_precision_logrank_agrees_with_double() -> None:
    # the simulation holds the risk-set shares in float32; Z agrees with float64 to about 1e-7
    rng = np.random.default_rng(8)
    time = rng.exponential(10, (200, 400)).astype(np.float32)
    code = ((rng.uniform(size=(200, 400)) < 0.4).view(np.int8) << 1) | np.resize(
        np.array([0, 1], dtype=np.int8), 400
    )
    bits = _sorted_keys(time, code)
    single = _logrank_sorted(bits, np.float32)
    double = _logrank_sorted(bits, np.float64)
    np.testing.assert_allclose(single, double, rtol=1e-5, atol=1e-6)


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


def test_every_local_scheduler_gives_the_same_numbers() -> None:
    threads = simulate_two_arm(12, hazard_ratio=0.7, looks=3, n_trials=2500, seed=9)
    synchronous = simulate_two_arm(
        12, hazard_ratio=0.7, looks=3, n_trials=2500, seed=9, scheduler="synchronous"
    )
    assert threads.power == synchronous.power
    np.testing.assert_array_equal(threads.reject_by_look, synchronous.reject_by_look)
    assert threads.expected_duration == synchronous.expected_duration
