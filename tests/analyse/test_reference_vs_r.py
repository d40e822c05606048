"""rtio's study-level Results equal an independent analysis in R (survival 3.5-3, rpact 3.3.4) of
the same committed studies, to 1e-6: NCT07235319 (300 patients: Cox HR of salvage vs the declared
reference immediate RT, stratified and not, non-inferiority at the protocol's level in ITT and
per-protocol, ORR odds ratio and difference, interim boundary), the seed-001 cohort (multivariable
Cox with time-varying exposure, IPTW with robust SE, matching, balance) and seed 004 (median PFS,
one-sample test, biomarker high vs low at the 30th percentile, paired and unpaired rank tests).

Reference: tests/reference/analyse/analyse_reference.R (regeneration in its header)."""

import json
from pathlib import Path

import pytest

from rtio.analyse import analyse_study
from rtio.analyse.options import AnalysisOptions

REFERENCE = Path(__file__).parents[1] / "reference" / "analyse"
R = json.loads((REFERENCE / "analyse_reference.json").read_text())
DEMO = Path(__file__).parent / "data" / "demo_study"
NI = AnalysisOptions(
    endpoint="PFS",
    alpha=0.025,
    sided=1,
    ni_margin=1.3,
    stratify=("stratum",),
    looks=3,
    spending="obf",
    target_events=300,
    look=2,
)


def close(value, expected) -> None:
    assert value == pytest.approx(expected, rel=1e-6, abs=1e-9)


def same_effect(effect, r) -> None:
    assert effect.not_estimable is None
    for field in ("value", "lower", "upper"):
        close(getattr(effect, field), r[field])
    if "p" in r and effect.p_value is not None:
        close(effect.p_value, r["p"])


@pytest.fixture(scope="module")
def npc():
    return analyse_study(REFERENCE / "studies" / "npc300", NI)


@pytest.fixture(scope="module")
def cohort():
    return analyse_study(REFERENCE / "studies" / "cohort300")


@pytest.fixture(scope="module")
def seed004():
    return analyse_study(DEMO)


def test_arm_hazard_ratios_use_the_declared_reference(npc) -> None:
    ref = R["npc300"]
    for comparison in npc.comparisons:
        r = ref[comparison.endpoint]
        assert comparison.hazard_ratio.group == "Salvage locoregional radiotherapy"
        assert comparison.hazard_ratio.reference == "Immediate locoregional radiotherapy"
        same_effect(comparison.hazard_ratio, r["hr"])
        same_effect(comparison.stratified_hazard_ratio, r["stratified_hr"])
        close(comparison.logrank.statistic, r["logrank"]["chisq"])
        close(comparison.logrank.p_value, r["logrank"]["p"])
        close(comparison.stratified_logrank.statistic, r["stratified_logrank"]["chisq"])
        close(comparison.ph_test.p_value, r["ph_p"])
    rows = {(row.subgroup, row.level): row for row in npc.forest.rows}
    for sex in ("F", "M"):
        same_effect(rows[("Sex", sex)].hazard_ratio, ref["PFS"]["sex"][sex])


def test_non_inferiority_at_the_protocols_level_in_itt_and_per_protocol(npc) -> None:
    primary = npc.primary_endpoint
    ref = R["npc300"]["non_inferiority"]["0.025"]
    assert npc.populations["per_protocol"] == R["npc300"]["per_protocol_n"]
    for analysis in primary.analyses:
        r = ref[analysis.population]
        assert (analysis.n, analysis.events) == (r["n"], r["events"])
        for field in ("value", "lower", "upper"):
            close(getattr(analysis.hazard_ratio, field), r[field])
        close(analysis.test.statistic, r["z"])
        close(analysis.test.p_value, r["p"])
        assert analysis.verdict == r["verdict"]
    close(primary.superiority.test.p_value, ref["superiority_p"])
    looser = analyse_study(REFERENCE / "studies" / "npc300", NI.model_copy(update={"alpha": 0.05}))
    ref = R["npc300"]["non_inferiority"]["0.05"]
    assert looser.primary_endpoint.conf_level == pytest.approx(0.9)
    for analysis in looser.primary_endpoint.analyses:
        close(analysis.hazard_ratio.upper, ref[analysis.population]["upper"])
        close(analysis.hazard_ratio.lower, ref[analysis.population]["lower"])


def test_per_protocol_arm_comparison_equals_r(npc) -> None:
    """The per-protocol PFS comparison's stratified Cox HR is R's coxph on the per-protocol
    patients (at 95 %, the level R's reference uses for alpha = 0.025)."""
    r = R["npc300"]["non_inferiority"]["0.025"]["per_protocol"]
    (pfs,) = [
        c
        for c in npc.comparisons_other_populations
        if (c.endpoint, c.population) == ("PFS", "per_protocol")
    ]
    hr = pfs.stratified_hazard_ratio
    assert (hr.group, hr.reference, hr.conf_level) == (
        "Salvage locoregional radiotherapy",
        "Immediate locoregional radiotherapy",
        pytest.approx(0.95),
    )
    for field in ("value", "lower", "upper"):
        close(getattr(hr, field), r[field])
    assert sum(curve.n for curve in pfs.curves) == r["n"]


def test_orr_odds_ratio_and_difference_equal_fisher_and_prop_test(npc) -> None:
    r = R["npc300"]["orr"]
    block = next(b for b in npc.response if b.population == "ITT" and "unconfirmed" in b.reading)
    odds, difference = block.orr_odds_ratio, block.orr_difference
    assert odds.group == "Salvage locoregional radiotherapy"
    close(odds.value, r["odds_ratio"])
    close(odds.lower, r["or_lower"])
    close(odds.upper, r["or_upper"])
    close(odds.p_value, r["fisher_p"])
    close(difference.value, r["difference"])
    close(difference.lower, r["diff_lower"])
    close(difference.upper, r["diff_upper"])
    close(difference.p_value, r["chisq_p"])


def test_interim_boundary_at_the_observed_information_equals_rpact(npc) -> None:
    r = R["npc300"]["interim"]
    look = npc.interim
    assert look.observed_events == r["events"]
    close(look.information_fraction, r["fraction"])
    assert look.boundary_z == pytest.approx(r["boundary"], abs=1e-4)  # rpact's own precision
    close(look.observed_z, r["z"])
    assert look.crossed == r["crossed"]
    assert look.alpha_spent == pytest.approx(r["alpha_spent"], rel=1e-6)
    assert look.repeated_ci.lower == pytest.approx(r["rci_lower"], rel=1e-4)
    assert look.repeated_ci.upper == pytest.approx(r["rci_upper"], rel=1e-4)


def test_cohort_multivariable_cox_and_propensity_scores_equal_r(cohort) -> None:
    r = R["cohort300"]
    model = cohort.cohort.multivariable
    assert model.n_events == r["multivariable"]["n_events"]
    terms = {t.term: t.hazard_ratio for t in model.terms}
    assert (terms["exposed"].group, terms["exposed"].reference) == ("local RT", "no local RT")
    for name, expected in r["multivariable"]["terms"].items():
        same_effect(terms[name], expected)
    ps = cohort.cohort.propensity
    assert (ps.n, ps.n_exposed, ps.pairs) == (
        r["propensity"]["n"],
        r["propensity"]["n_exposed"],
        r["propensity"]["pairs"],
    )
    same_effect(ps.weighted_hazard_ratio, r["propensity"]["weighted"])
    same_effect(ps.matched_hazard_ratio, r["propensity"]["matched"])
    balance = {b.covariate: b for b in ps.balance_weighted}
    for name, expected in r["propensity"]["balance"].items():
        close(balance[name].smd_before, expected["before"])
        close(balance[name].smd_after, expected["after"])
    rows = {(row.characteristic, row.category): row for row in cohort.baseline}
    close(rows[("Age, years", "median (IQR)")].smd, r["table1_smd"]["age"])
    close(rows[("Sex", "Male")].smd, r["table1_smd"]["male"])


def test_seed004_primary_endpoint_and_biomarkers_equal_r(seed004) -> None:
    r = R["seed004"]
    itt = seed004.primary_endpoint.analyses[0]
    for field in ("value", "lower", "upper"):
        close(getattr(itt.median, field), r["median_pfs"][field])
    close(itt.test.statistic, r["one_sample"]["z"])
    close(itt.test.p_value, r["one_sample"]["p"])
    assert seed004.primary_endpoint.verdict == r["verdict"]
    assert seed004.primary_endpoint.observed_events == r["one_sample"]["observed"]
    found = {}
    for c in seed004.biomarker_survival:
        endpoint, rest = c.title.split(" by ", 1)
        name, timepoint = rest.split(" (", 1)
        found[f"{endpoint} {name} {timepoint.split(')')[0]}"] = c
    assert set(found) == set(r["survival_by_marker"])
    for key, expected in r["survival_by_marker"].items():
        c = found[key]
        assert (c.hazard_ratio.group, c.hazard_ratio.reference) == ("high", "low")
        close(c.cutoff, expected["cutoff"])
        same_effect(c.hazard_ratio, expected)
        close(c.logrank.p_value, expected["logrank"])
    paired = {t.biomarker.split(" (")[0]: t for t in seed004.biomarker_paired}
    for name, expected in r["paired"].items():
        assert paired[name].n_pairs == expected["n"]
        close(paired[name].statistic, expected["v"])
        close(paired[name].p_value, expected["p"])
    tests = {f"{t.biomarker} {t.timepoint}": t for t in seed004.biomarker_tests}
    assert set(tests) == set(r["mann_whitney"])
    for key, expected in r["mann_whitney"].items():
        close(tests[key].statistic, expected["w"])
        close(tests[key].p_value, expected["p"])
