"""Immortal-time bias at scale: a simulated null OMOP cohort of 10^6 persons (RT and IO cycles
have no effect on survival). The naive RT hazard ratio shows the spurious benefit immortal time
creates; the time-varying and landmark hazard ratios contain 1 (slow: about 10^6 persons and
1.5 x 10^7 drug_exposure rows through DuckDB)."""

from __future__ import annotations

import pytest

from rtio.rwd.api import run
from rtio.rwd.simulate import write_omop

pytestmark = [pytest.mark.slow, pytest.mark.exhaustive]


def test_null_cohort_of_a_million_persons(tmp_path) -> None:
    cdm = write_omop(tmp_path / "cdm", 1_000_000, seed=2026)
    results = run(cdm / "cohort.yaml", [cdm], tmp_path / "out")
    cohort = results.cohort.model_dump()
    rt = cohort["local_rt"]
    assert rt["naive_hr"]["n_subjects"] > 900_000
    naive = rt["naive_hr"]["hazard_ratio"]
    assert naive["upper"] < 0.8, naive
    exposed, unexposed = (
        next(m for m in rt["naive_medians"] if m["group"] == g) for g in ("local RT", "no local RT")
    )
    assert exposed["median_months"] > unexposed["median_months"] + 3
    tv = rt["time_varying_hr"]["hazard_ratio"]
    assert tv["lower"] < 1 < tv["upper"], tv
    assert rt["landmarks"]
    for landmark, comparison in rt["landmarks"].items():
        hr = comparison["hazard_ratio"]
        assert hr["lower"] < 1 < hr["upper"], (landmark, hr)
    cycles = cohort["io_cycles"]
    medians = {m["group"]: m["median_months"] for m in cycles["naive_medians"]}
    assert medians[">12 cycles"] > medians["1–6 cycles"] + 10
    assert cycles["time_varying_hr"]
    for label, comparison in cycles["time_varying_hr"].items():
        hr = comparison["hazard_ratio"]
        assert hr["lower"] < 1 < hr["upper"], (label, hr)
