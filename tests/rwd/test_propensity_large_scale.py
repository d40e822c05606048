"""Large-scale propensity scores at the RT landmark: a confounder (ECOG) biases the unadjusted HR;
IPTW and matching on an L1-regularised propensity model remove the bias (true HR 1)."""

from __future__ import annotations

import numpy as np
import pytest

from rtio.cohort.propensity import match_nearest
from rtio.rwd.analysis import CohortTables, PushedDownCohort
from rtio.rwd.definition import load_definition
from rtio.rwd.engine import open_engine
from rtio.rwd.pipeline import build_cohort
from rtio.rwd.propensity import landmark_propensity, match_greedy, preference_score
from rtio.rwd.simulate import OmopSimulation, write_omop


@pytest.fixture(scope="module")
def confounded(tmp_path_factory):
    cdm = write_omop(
        tmp_path_factory.mktemp("confounded") / "cdm",
        12_000,
        seed=11,
        sim=OmopSimulation(confounding=1.5),
    )
    definition = load_definition(cdm / "cohort.yaml")
    with open_engine("duckdb") as engine:
        build_cohort(definition, [cdm], engine)
        PushedDownCohort(CohortTables(engine, data_cutoff=definition.data_cutoff)).compare_rt(
            landmarks=()
        )
        yield landmark_propensity(engine, folds=5)


def test_weighting_and_matching_remove_the_confounding(confounded) -> None:
    hr = {o.analysis: o for o in confounded.outcomes}
    unadjusted = hr["unadjusted"]
    assert unadjusted.upper < 1, unadjusted
    for name in ("IPTW (stabilised, robust variance)", "1:1 matched"):
        assert hr[name].lower < 1 < hr[name].upper, hr[name]
        assert abs(np.log(hr[name].hr)) < abs(np.log(unadjusted.hr))
    assert confounded.balance[0]["covariate"] == "ECOG"
    assert abs(confounded.balance[0]["smd_before"]) > 0.15
    assert confounded.max_abs_smd_weighted < 0.1
    assert confounded.n_selected <= confounded.n_covariates
    assert 0 < confounded.equipoise <= 1 and 0.5 < confounded.auc < 1


def test_greedy_matching_equals_the_in_memory_matcher() -> None:
    rng = np.random.default_rng(4)
    ps = rng.beta(2, 5, 800)
    treated = rng.random(800) < ps
    logit = np.log(ps / (1 - ps))
    caliper = 0.2 * logit.std(ddof=1)
    assert (match_greedy(logit, treated, caliper) == match_nearest(ps, treated, 0.2)).all()


def test_preference_score_is_one_half_at_the_marginal_share() -> None:
    assert preference_score(np.array([0.3]), 0.3)[0] == pytest.approx(0.5)
