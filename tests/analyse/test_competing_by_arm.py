"""The cumulative incidence of each competing first event within each arm equals R
``cmprsk::timepoints(cuminc(time, cause, arm), c(6, 12, 24))`` (cuminc_by_arm.R / .json)."""

import json
from pathlib import Path

import pandas as pd
import pytest

from rtio.analyse.rt_lesions import incidence_by_arm
from rtio.derive.lesions_rt import PROGRESSION_CAUSES

REFERENCE = Path(__file__).parents[1] / "reference" / "analyse"
R = json.loads((REFERENCE / "cuminc_by_arm.json").read_text())


def test_incidence_within_each_arm_equals_cmprsk():
    events = pd.read_csv(REFERENCE / "gray_per_cause_events.csv")
    by_arm = incidence_by_arm(events, events["arm"].to_numpy(dtype=str))
    assert set(by_arm) == set(R["incidence"])
    for arm, causes in R["incidence"].items():
        assert by_arm[arm].n == R["n"][arm]
        assert set(by_arm[arm].incidence) == {PROGRESSION_CAUSES[int(c)] for c in causes}
        for code, expected in causes.items():
            cause = PROGRESSION_CAUSES[int(code)]
            assert by_arm[arm].incidence[cause] == pytest.approx(expected, abs=1e-12)
            in_arm = events[(events["arm"] == arm) & (events["cause"] == int(code))]
            assert by_arm[arm].events[cause] == len(in_arm)
