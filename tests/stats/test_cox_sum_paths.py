"""The Cox risk-set sums have two paths: one sum per (time, deaths | censored) segment when stop
times are few (tied data), a reverse cumulative sum over the rows otherwise. Both give the same
fit, robust variance and proportional-hazards test (the segment path is also checked against R
by the big-ties cases of test_cox_vs_r.py)."""

import numpy as np
import pandas as pd
import pytest

from rtio.stats import cox_ph, cox_sums, cox_zph


def _tied_data(n: int = 3000) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    x1, x2 = rng.normal(size=n), rng.integers(0, 2, n).astype(float)
    time = rng.exponential(1 / (0.1 * np.exp(0.4 * x1 - 0.3 * x2)))
    censor = rng.uniform(0, 20, n)
    return pd.DataFrame(
        {
            # whole weeks: a few tied deaths per time, and 40-odd at the earliest weeks
            "time": np.ceil(np.minimum(time, censor) * 4) / 4,
            "status": (time <= censor).astype(int),
            "x1": x1,
            "x2": x2,
            "w": rng.uniform(0.5, 2.0, n),
            "site": rng.integers(0, 3, n),
            "id": rng.integers(0, 600, n),
        }
    )


@pytest.mark.parametrize(
    "options",
    [
        dict(),
        dict(ties="breslow"),
        dict(weights="w", robust=True),
        dict(strata="site", cluster="id"),
    ],
    ids=["efron", "breslow", "weighted-robust", "strata-cluster"],
)
def test_segment_and_row_paths_agree(options, monkeypatch) -> None:
    data = _tied_data()
    blocked = cox_ph(data, "time", "status", ["x1", "x2"], **options)
    assert all(part.segments is not None for part in blocked.model.parts)
    monkeypatch.setattr(cox_sums, "BLOCKED_RATIO", 10**9)
    rows = cox_ph(data, "time", "status", ["x1", "x2"], **options)
    assert all(part.segments is None for part in rows.model.parts)
    np.testing.assert_allclose(blocked.coef, rows.coef, rtol=1e-12)
    np.testing.assert_allclose(blocked.variance, rows.variance, rtol=1e-10)
    np.testing.assert_allclose(blocked.loglik, rows.loglik, rtol=1e-13)
    assert blocked.iterations == rows.iterations
    zph_blocked, zph_rows = cox_zph(blocked), cox_zph(rows)
    np.testing.assert_allclose(
        zph_blocked.table.to_numpy(dtype=float), zph_rows.table.to_numpy(dtype=float), rtol=1e-9
    )
