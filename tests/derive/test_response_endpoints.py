"""ORR / DCR with exact CIs against R's binom.test (tests/reference/derive/response_rates.R) and
the numbers printed in seed 004 (ChiCTR2100046715 Results; the paper's upper limits 63.7 / 76.7
are R's 63.649 / 76.648 rounded twice), and waterfall / spider data."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from rtio.derive.response_endpoints import (
    disease_control_rate,
    objective_response_rate,
    spider_data,
    waterfall_data,
)


def _bor(counts):
    cats = [c for c, k in counts for _ in range(k)]
    return pd.DataFrame({"subject_id": [f"S{i}" for i in range(len(cats))], "bor": cats})


def test_seed004_itt_3_month_orr_15_of_33_ci_28_1_to_63_7():
    bor = _bor([("PR", 15), ("SD", 4), ("PD", 7), ("NE", 7)])
    r = objective_response_rate(bor)
    assert (r.k, r.n) == (15, 33)
    assert round(100 * r.rate, 1) == 45.5
    assert (round(100 * r.lower, 1), round(100 * r.upper, 1)) == (28.1, 63.6)


def test_seed004_itt_dcr_19_of_33_ci_39_2_to_74_5():
    r = disease_control_rate(_bor([("PR", 15), ("SD", 4), ("PD", 7), ("NE", 7)]))
    assert (r.k, r.n) == (19, 33)
    assert (round(100 * r.lower, 1), round(100 * r.upper, 1)) == (39.2, 74.5)


def test_seed004_efficacy_population_orr_15_of_26_and_dcr_19_of_26():
    bor = _bor([("PR", 15), ("SD", 4), ("PD", 7), ("NE", 7)])
    population = bor["subject_id"].iloc[:26]
    orr = objective_response_rate(bor, population)
    dcr = disease_control_rate(bor, population)
    assert (orr.k, orr.n, round(100 * orr.lower, 1), round(100 * orr.upper, 1)) == (
        15,
        26,
        36.9,
        76.6,
    )
    assert (dcr.k, dcr.n, round(100 * dcr.lower, 1), round(100 * dcr.upper, 1)) == (
        19,
        26,
        52.2,
        88.4,
    )


def test_population_subject_without_bor_is_an_error():
    with pytest.raises(ValueError, match="S99"):
        objective_response_rate(_bor([("PR", 1)]), ["S0", "S99"])


def test_waterfall_best_change_and_spider_starts_at_zero():
    tp = pd.DataFrame(
        {
            "subject_id": ["A", "A", "A", "B"],
            "assessment_date": pd.to_datetime(
                ["2024-02-01", "2024-03-01", "2024-04-01", "2024-02-01"]
            ),
            "pct_from_baseline": [-10.0, -40.0, float("nan"), 15.0],
        }
    )
    wf = waterfall_data(tp)
    assert wf["subject_id"].tolist() == ["B", "A"]
    assert wf["best_pct_from_baseline"].tolist() == [15.0, -40.0]
    subj = pd.DataFrame({"subject_id": ["A", "B"], "start_date": ["2024-01-01", "2024-01-01"]})
    sp = spider_data(tp, subj)
    assert sp[sp["subject_id"] == "A"]["pct_from_baseline"].tolist() == [0.0, -10.0, -40.0]
    assert sp[sp["subject_id"] == "A"]["day"].tolist() == [0, 31, 60]


R_RATES = json.loads(
    (Path(__file__).parents[1] / "reference/derive/response_rates.json").read_text()
)


@pytest.mark.parametrize("case", R_RATES, ids=lambda c: f"{c['k']}of{c['n']}")
def test_exact_ci_matches_r_binom_test(case):
    r = objective_response_rate(_bor([("PR", case["k"]), ("PD", case["n"] - case["k"])]))
    assert r.lower == pytest.approx(case["lower"], abs=1e-10)
    assert r.upper == pytest.approx(case["upper"], abs=1e-10)
