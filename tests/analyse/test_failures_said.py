"""Analyses that cannot be computed are said in words ("not estimable (reason)"), never printed as
numbers and never an exception, where R fails or warns on the same data.

Reference: tests/reference/analyse/failures_reference.R (regeneration in its header)."""

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from rtio.analyse import analyse_study
from rtio.analyse.biomarkers import responders_vs_stable
from rtio.analyse.options import AnalysisOptions
from rtio.analyse.rt_lesions import gray_tests
from rtio.analyse.survival import compare_groups, strata_of
from rtio.derive.lesions_rt import PROGRESSION_CAUSES
from rtio.report import render_report
from rtio.report.figures import forest_figure

REFERENCE = Path(__file__).parents[1] / "reference" / "analyse"
R = json.loads((REFERENCE / "failures_reference.json").read_text())


def test_gray_test_of_each_cause_equals_cmprsk_and_one_singular_cause_leaves_the_others() -> None:
    events = pd.read_csv(REFERENCE / "gray_per_cause_events.csv")
    tests = gray_tests(events, events["arm"].to_numpy(dtype=str))
    assert set(tests) == {PROGRESSION_CAUSES[int(k)] for k in R["gray"]}
    for code, expected in R["gray"].items():
        test = tests[PROGRESSION_CAUSES[int(code)]]
        if expected["stat"] == -1:  # cmprsk's mark of a singular variance
            assert test.statistic is None and test.p_value is None
            assert test.not_estimable is not None and "singular" in test.not_estimable
            assert not test.not_estimable.startswith("cause")
        else:
            assert test.not_estimable is None
            assert test.statistic == pytest.approx(expected["stat"], rel=1e-9)
            assert test.p_value == pytest.approx(expected["p"], rel=1e-9)


def test_log_rank_with_zero_variance_is_not_estimable_where_r_stops() -> None:
    case = R["zero_variance"]
    assert "singular" in case["survdiff_error"]
    data = pd.DataFrame(case["data"])
    ids = [f"S{i}" for i in range(len(data))]
    adtte = pd.DataFrame(
        {
            "subject_id": ids,
            "paramcd": "PFS",
            "aval_months": data["time"].astype(float),
            "cnsr": 1 - data["event"],
        }
    )
    arms = pd.Series(data["arm"].to_numpy(), index=ids)
    strata = pd.Series(["x", "x", "y", "y", "y"], index=ids)
    comparison = compare_groups(
        adtte, "PFS", "ITT", arms, "A", ["A", "B"], "PFS by arm", strata=strata, strata_label="s"
    )
    for test in (comparison.logrank, comparison.stratified_logrank):
        assert test.p_value is None and "singular" in test.not_estimable
    hr = comparison.hazard_ratio
    assert (hr.group, hr.reference) == ("B", "A")
    for field in ("value", "lower", "upper"):
        assert getattr(hr, field) == pytest.approx(case["cox"][field], rel=1e-9)


def test_io_cycle_hazard_ratios_with_a_monotone_likelihood_are_not_estimable(
    tmp_path: Path,
) -> None:
    r = R["io_cycles"]
    flagged = re.search(r"variable\s+([\d,]+)\s*;", r["warnings"]).group(1).split(",")
    results = analyse_study(REFERENCE / "studies" / "cohort33_seed12")
    io = results.cohort.io_cycles
    labels = io.labels
    assert [labels[int(k)] for k in flagged] == list(io.time_varying_hr)
    for category in io.time_varying_hr.values():
        hr = category.hazard_ratio
        assert hr.value is None and hr.lower is None and hr.upper is None
        assert "monotone likelihood" in hr.not_estimable
        assert hr.reference == labels[0]
        assert category.n_events == sum(r["events_by_level"].values())
        assert any(
            f"HR {hr.group} vs {hr.reference} not estimable (monotone likelihood" in warning
            for warning in results.warnings
        )
    render_report(results, tmp_path, ["html"])
    html = re.sub(r"base64,[A-Za-z0-9+/=]+", "", (tmp_path / "report.html").read_text())
    assert "not estimable (monotone likelihood" in html
    assert "0.00 (0.00–inf)" not in html and "inf)" not in html


def test_a_missing_stratum_is_named_where_r_drops_the_patient() -> None:
    case = R["missing_stratum"]
    assert (case["stratified_n"], case["dropped"]) == (7, 1)  # R fits without the patient
    data = pd.DataFrame(case["data"])
    ids = [f"P{i + 1}" for i in range(len(data))]
    subjects = pd.DataFrame({"subject_id": ids, "s": data["s"]})
    strata, problem = strata_of(subjects, ["s"])
    assert strata is None
    assert problem == (
        "subjects.s is missing for 1 patient(s): P3 (the stratified analyses need every value)"
    )
    adtte = pd.DataFrame(
        {
            "subject_id": ids,
            "paramcd": "PFS",
            "aval_months": data["time"].astype(float),
            "cnsr": 1 - data["event"],
        }
    )
    arms = pd.Series(data["arm"].to_numpy(), index=ids)
    comparison = compare_groups(
        adtte,
        "PFS",
        "ITT",
        arms,
        "A",
        ["A", "B"],
        "PFS by arm",
        strata_label="s",
        strata_problem=problem,
    )
    for result in (comparison.stratified_hazard_ratio, comparison.stratified_logrank):
        assert result.not_estimable == problem
    hr = comparison.hazard_ratio
    assert case["unstratified"]["n"] == len(ids)
    for field in ("value", "lower", "upper"):
        assert getattr(hr, field) == pytest.approx(case["unstratified"][field], rel=1e-9)


def test_a_rank_test_of_values_all_tied_is_not_estimable_where_r_gives_nan() -> None:
    case = R["all_tied"]
    assert case["p_is_nan"]
    test = responders_vs_stable(
        "IL6", "baseline", "pg/mL", pd.Series(case["responders"]), pd.Series(case["stable"])
    )
    assert test.statistic is None and test.p_value is None
    assert test.not_estimable == "every value is the same: the rank test has no variance"


def test_a_randomized_study_with_missing_strata_is_analysed_and_says_so(tmp_path: Path) -> None:
    """The NCT07235319 study of 33 patients whose Gray's test of death cannot be computed (the
    events of gray_per_cause_events.csv), with two strata blanked: the analysis and the report
    run; the stratified analyses and the primary endpoint say why they did not run; the forest
    plot has a "missing" stratum level."""
    folder = Path(shutil.copytree(REFERENCE / "studies" / "npc33_seed1", tmp_path / "study"))
    subjects = pd.read_csv(folder / "subjects.csv", dtype=str, keep_default_na=False)
    blank = subjects["subject_id"].iloc[[2, 5]].tolist()
    subjects.loc[subjects["subject_id"].isin(blank), "stratum"] = ""
    subjects.to_csv(folder / "subjects.csv", index=False)
    options = AnalysisOptions(
        endpoint="PFS", alpha=0.025, sided=1, ni_margin=1.3, stratify=("stratum",)
    )
    results = analyse_study(folder, options)
    said = f"subjects.stratum is missing for 2 patient(s): {', '.join(blank)}"
    assert any(said in warning for warning in results.warnings)
    assert results.primary_endpoint.verdict == "not_assessed"
    assert said in results.primary_endpoint.reason
    for comparison in results.comparisons:
        assert said in comparison.stratified_hazard_ratio.not_estimable
        assert comparison.hazard_ratio.value is not None
    stratum_rows = [r for r in results.forest.rows if r.subgroup == "Stratum"]
    assert stratum_rows[-1].level == "missing" and stratum_rows[-1].n == 2
    assert sum(r.n for r in stratum_rows) == results.forest.rows[0].n
    gray = results.rt_lesions.competing_risks.gray_test_by_arm
    events = pd.read_csv(REFERENCE / "gray_per_cause_events.csv")
    for code, expected in R["gray"].items():
        test = gray[PROGRESSION_CAUSES[int(code)]]
        if expected["stat"] == -1:
            assert test.not_estimable is not None
        else:
            assert test.p_value == pytest.approx(expected["p"], rel=1e-9)
    assert len(events) == results.rt_lesions.competing_risks.n
    assert any(
        f"stratified log-rank test and Cox model could not be computed: {said}" in m
        for m in results.methods
    )
    assert not any("were also stratified" in m for m in results.methods)
    footnotes = [t.get_text() for t in forest_figure(results.forest).texts]
    assert any(
        f"not estimable: {stratum_rows[-1].hazard_ratio.not_estimable}" in t for t in footnotes
    )
    render_report(results, tmp_path / "report", ["html"])
    html = (tmp_path / "report" / "report.html").read_text()
    assert f"not estimable ({said}" in html
    assert "<td>not assessed</td>" in html
