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
