"""Simulated seed-004-protocol studies through analyse and report. Every reported number is
checked against a direct call of the function that computes it (no number computed twice)."""

import pytest

from rtio.analyse import analyse_study
from rtio.analyse.derived import derive_study
from rtio.derive.adverse_events import ae_grade_table
from rtio.io import load_study
from rtio.simulate import write_study
from rtio.stats import binomial_ci, kaplan_meier, median_follow_up, one_sample_logrank


@pytest.fixture(scope="module", params=[33, 1000])
def analysed(request, tmp_path_factory):
    folder = write_study(
        tmp_path_factory.mktemp(f"study{request.param}") / "study", request.param, 7
    )
    return folder, load_study(folder), analyse_study(folder)


def test_populations_follow_the_protocol_rules(analysed) -> None:
    _, study, results = analysed
    assert results.populations["ITT"] == len(study.table("subjects"))
    assert results.populations["efficacy_evaluable"] <= results.populations["ITT"]
    assert results.meta.synthetic and results.meta.protocol_id == "ChiCTR2100046715"


def test_response_rates_equal_direct_exact_cis(analysed) -> None:
    _, study, results = analysed
    derived = derive_study(study)
    block = next(
        b for b in results.response if b.population == "ITT" and b.reading.startswith("best")
    )
    responders = derived.bor["bor"].isin(["CR", "PR"]).sum()
    assert (block.orr.k, block.orr.n) == (responders, len(study.table("subjects")))
    assert (block.orr.lower, block.orr.upper) == pytest.approx(
        binomial_ci(block.orr.k, block.orr.n), rel=1e-10
    )
    assert sum(c.n for c in block.distribution) == block.orr.n


def test_km_summaries_equal_direct_kaplan_meier(analysed) -> None:
    _, study, results = analysed
    adtte = derive_study(study).adtte
    for summary in [s for s in results.survival if s.population == "ITT"]:
        rows = adtte[adtte["paramcd"] == summary.endpoint]
        fit = kaplan_meier(rows["aval_months"], 1 - rows["cnsr"])
        median = fit.median()
        assert summary.median.value == pytest.approx(median.value, nan_ok=True)
        assert summary.events == int((rows["cnsr"] == 0).sum())
        at = fit.survival_at([12], extend=True)
        assert summary.rates[0].survival == pytest.approx(at["survival"].iloc[0])


def test_follow_up_and_historical_control_equal_direct_calls(analysed) -> None:
    _, study, results = analysed
    adtte = derive_study(study).adtte
    os_rows = adtte[adtte["paramcd"] == "OS"]
    direct = median_follow_up(os_rows["aval_months"], 1 - os_rows["cnsr"])
    assert results.follow_up.value == pytest.approx(direct.value, nan_ok=True)
    pfs = adtte[adtte["paramcd"] == "PFS"]
    test = one_sample_logrank(pfs["aval_months"], 1 - pfs["cnsr"], 6.3, sided=1)
    logrank = results.historical_control[0]
    assert (logrank.observed, logrank.expected, logrank.p_value) == pytest.approx(
        (test.observed, test.expected, test.p_value)
    )


def test_safety_tables_use_the_right_denominators(analysed) -> None:
    _, study, results = analysed
    subjects, rt = study.table("subjects"), study.table("radiotherapy")
    by_title = {t.title: t for t in results.safety}
    treatment = by_title["Treatment-related adverse events"]
    assert treatment.denominator == results.populations["safety"]
    direct = ae_grade_table(
        study.table("adverse_events"), subjects["subject_id"], only="related_treatment"
    )
    assert [row.any_grade for row in treatment.rows] == direct["any_grade"].tolist()
    rt_table = by_title["Radiotherapy-related adverse events"]
    assert rt_table.denominator == rt["subject_id"].nunique()


def test_biomarkers_say_no_multiplicity_adjustment(analysed) -> None:
    _, _, results = analysed
    assert any("no adjustment for multiple comparisons" in n for n in results.notes)
    assert all(0 <= t.p_value <= 1 for t in results.biomarker_tests)
