"""The shared at-risk routine: its packed-key sort equals numpy's stable argsort, and its two paths
(direct counting of whole-number times, sorting of other times) give the same table."""

import numpy as np
import pytest

from rtio.stats import risk_set
from rtio.stats.risk_set import risk_table, sort_order


@pytest.mark.parametrize(
    "values",
    [
        np.random.default_rng(1).exponential(10, 5000),
        np.round(np.random.default_rng(2).exponential(10, 5000), 1),  # heavy ties
        1 + np.random.default_rng(3).integers(0, 4, 5000) * 1e-15,  # differ in the lowest bits
        np.zeros(3000),
    ],
)
def test_sort_order_equals_stable_argsort(values) -> None:
    np.testing.assert_array_equal(sort_order(values), np.argsort(values, kind="stable"))


def test_counting_and_sorting_paths_agree(monkeypatch) -> None:
    rng = np.random.default_rng(4)
    n = 4000
    time = rng.integers(1, 300, n).astype(float)
    entry = np.floor(time * rng.uniform(0, 0.9, n))
    status = rng.integers(0, 3, n)
    group = rng.integers(0, 3, n)
    weights = rng.uniform(0.5, 2, n)
    options = dict(weights=weights, entry=entry, group=group, n_groups=3, n_causes=2)
    counted = risk_table(time, status, **options)
    monkeypatch.setattr(risk_set, "_whole_numbers", lambda values: False)
    sorted_ = risk_table(time, status, **options)
    for name in ("time", "n_risk", "n_event", "n_censor"):
        np.testing.assert_allclose(getattr(counted, name), getattr(sorted_, name), rtol=1e-12)


def _tables_alike(a, b) -> None:
    for name in ("time", "n_risk", "n_event", "n_censor"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@pytest.mark.parametrize("timefix", [True, False])
@pytest.mark.parametrize(
    "time",
    [
        np.random.default_rng(5).exponential(10, 6000),  # continuous, no ties
        np.round(np.random.default_rng(6).exponential(10, 6000), 2),  # ties, rows alike
        np.concatenate([np.zeros(50), np.random.default_rng(7).exponential(1, 5950)]),  # zeros
        # nearly equal times (merged by timefix) and times that differ in the lowest bits
        5
        + np.random.default_rng(8).integers(0, 40, 6000)
        * np.r_[1e-15, 1e-9, 1e-3][np.random.default_rng(9).integers(0, 3, 6000)],
        np.full(6000, 0.0),  # every time zero
    ],
    ids=["continuous", "ties", "zeros", "nearly-equal", "all-zero"],
)
def test_packed_sort_equals_permutation_path(time, timefix, monkeypatch) -> None:
    """Unweighted tables come from one sort of packed (time, group, status) keys; the result is
    the table of the general path (a sort permutation applied to each column)."""
    rng = np.random.default_rng(10)
    status = rng.integers(0, 3, time.size)
    group = rng.integers(0, 3, time.size)
    for options in (
        dict(n_causes=2, group=group, n_groups=3),
        dict(n_causes=2),
        dict(n_causes=2, entry=time * 0.5, group=group, n_groups=3),
    ):
        if "entry" in options and not (options["entry"] < time).all():
            continue
        status_ = np.minimum(status, options["n_causes"])
        packed = risk_table(time, status_, timefix=timefix, **options)
        monkeypatch.setattr(risk_set, "_packed_keys", lambda *args: None)
        general = risk_table(time, status_, timefix=timefix, **options)
        monkeypatch.undo()
        _tables_alike(packed, general)


def test_times_over_too_many_binades_take_the_permutation_path() -> None:
    """Keys cannot be packed when the times span more binades than the code leaves room for
    (one status bit always fits: the sign bit of a non-negative time is free)."""
    time = np.array([1e-300, 1.0, 1e300, 2.0])
    assert risk_set._packed_keys(time, np.zeros(4, dtype=np.int64), 2) is not None
    assert risk_set._packed_keys(time, np.zeros(4, dtype=np.int64), 8) is None
    status, group = np.array([1, 0, 1, 1]), np.array([0, 1, 2, 3])
    table = risk_table(time, status, group=group, n_groups=4, timefix=False)
    np.testing.assert_array_equal(table.time, np.sort(time))
    np.testing.assert_array_equal(table.n_risk.sum(axis=1), [4, 3, 2, 1])
    np.testing.assert_array_equal(table.n_event[:, :, 0].sum(axis=1), [1, 0, 1, 1])
