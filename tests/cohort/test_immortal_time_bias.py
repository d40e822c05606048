"""A seed-001-like cohort where radiotherapy has no effect: the naive comparison shows a large
spurious benefit; the landmark and time-varying analyses remove it."""

import numpy as np
import pandas as pd
import pytest

from rtio.cohort.exposure_analysis import compare_exposure


@pytest.fixture(scope="module")
def null_cohort() -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(2025)
    n = 3000
    # OS from the start of first-line IO: exponential, median 15 months, independent of RT
    death = rng.exponential(15 * 30.4375 / np.log(2), n)
    censor = rng.uniform(12, 48, n) * 30.4375
    time = np.ceil(np.minimum(death, censor))
    event = (death <= censor).astype(int)
    # local RT planned at a random time in the first 9 months; given only to those still alive
    planned = rng.uniform(0, 9 * 30.4375, n)
    receives = (rng.uniform(size=n) < 0.5) & (planned < time)
    rt_day = pd.Series(
        np.where(receives, np.floor(planned) + 1, np.nan), index=[f"S{i:04d}" for i in range(n)]
    )
    followup = pd.DataFrame({"subject_id": rt_day.index, "time": time, "event": event})
    return followup, rt_day


def test_naive_comparison_shows_spurious_benefit(null_cohort) -> None:
    followup, rt_day = null_cohort
    result = compare_exposure(followup, rt_day, "local RT", landmarks_days=(91, 182))
    assert result.starts_after_index
    assert result.warning is not None and "immortal-time" in result.warning
    assert result.naive_hr.upper < 0.8, result.naive_hr
    exposed, unexposed = (
        m for m in sorted(result.naive_medians, key=lambda m: m.group != "local RT")
    )
    assert exposed.median_months > unexposed.median_months + 3


def test_time_varying_and_landmark_remove_the_bias(null_cohort) -> None:
    followup, rt_day = null_cohort
    result = compare_exposure(followup, rt_day, "local RT", landmarks_days=(91, 182))
    tv = result.time_varying_hr
    assert tv.lower < 1 < tv.upper, tv
    assert 0.85 < tv.hr < 1.15
    for landmark, hr in result.landmarks.items():
        assert hr.lower < 1 < hr.upper, (landmark, hr)
        assert hr.n_subjects < len(followup)
