"""Simulated studies of the shipped protocols through analyse: the randomized trial's arm
comparisons and competing first events equal direct calls; the seed-001 cohort (no true RT effect)
shows the naive bias that the honest analyses remove; the neoadjuvant cohort's surgical endpoints."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from rtio.analyse import analyse_study
from rtio.analyse.derived import derive_study
from rtio.analyse.options import AnalysisOptions
from rtio.derive.lesions_rt import (
    PROGRESSION_CAUSES,
    lesion_trajectories,
    progression_causes,
    progression_field,
)
from rtio.io import load_study
from rtio.protocol import load_protocol
from rtio.report import render_report
from rtio.simulate.protocols import write_protocol_study
from rtio.stats import cox_ph, cox_zph, cumulative_incidence, gray_test, logrank_test


def test_randomized_protocol_compares_against_the_declared_reference(tmp_path: Path) -> None:
    folder = write_protocol_study(tmp_path / "npc", "NCT07235319", 120, 2)
    results = analyse_study(folder, AnalysisOptions(stratify=("stratum",)))
    immediate, salvage = (a.label for a in load_protocol("NCT07235319").arms)
    assert results.forest is not None and results.forest.rows[0].subgroup == "All patients"
    assert (results.forest.group, results.forest.reference) == (salvage, immediate)
    # the protocol states no margin, alpha or endpoint: the verdict is not assessed, with why
    primary = results.primary_endpoint
    assert primary.verdict == "not_assessed"
    assert "margin" in primary.reason and "alpha" in primary.reason
    assert {c.endpoint for c in results.comparisons} == {"PFS", "OS"}
    # the PH test of each arm comparison equals cox_zph on the same ADTTE rows
    study = load_study(folder)
    adtte = derive_study(study).adtte
    arm = study.tables["subjects"].set_index("subject_id")["arm"]
    for comparison in results.comparisons:
        assert comparison.reference == immediate
        assert (comparison.hazard_ratio.group, comparison.hazard_ratio.reference) == (
            salvage,
            immediate,
        )
        rows = adtte[adtte["paramcd"] == comparison.endpoint]
        frame = pd.DataFrame(
            {
                "t": rows["aval_months"].to_numpy(float),
                "e": 1 - rows["cnsr"].to_numpy(int),
                "g": (rows["subject_id"].map(arm) == salvage).to_numpy(float),
            }
        )
        fit = cox_ph(frame, "t", "e", ["g"])
        assert comparison.hazard_ratio.value == pytest.approx(fit.summary["hr"].iloc[0], rel=1e-12)
        direct = cox_zph(fit).table.loc["GLOBAL"]
        assert comparison.ph_test.p_value == pytest.approx(direct["p"], rel=1e-12)
        # stratified by the factor given on the command line (recorded as assumed)
        stratum = rows["subject_id"].map(
            study.tables["subjects"].set_index("subject_id")["stratum"]
        )
        frame["s"] = stratum.to_numpy()
        stratified = cox_ph(frame, "t", "e", ["g"], strata="s").summary.iloc[0]
        assert comparison.stratified_hazard_ratio.value == pytest.approx(
            stratified["hr"], rel=1e-12
        )
        test = logrank_test(frame["t"], frame["e"], frame["g"], strata=frame["s"])
        assert comparison.stratified_logrank.p_value == pytest.approx(test.p_value, rel=1e-12)
    # competing first events: incidence and Gray's test by arm equal direct calls
    derived = derive_study(study)
    trajectories = lesion_trajectories(
        study.table("lesions"),
        study.table("measurements"),
        study.table("subjects"),
        study.table("radiotherapy"),
        derived.baseline_window_days,
    )
    events = progression_causes(adtte, progression_field(trajectories, derived.timepoints))
    direct = cumulative_incidence(events["time"], events["cause"], [6.0, 12.0, 24.0])
    gray = gray_test(events["time"], events["cause"], events["subject_id"].map(arm).to_numpy())
    risks = results.rt_lesions.competing_risks
    for code, label in PROGRESSION_CAUSES.items():
        if f"cause_{code}" in direct:
            np.testing.assert_allclose(risks.incidence[label], direct[f"cause_{code}"], rtol=1e-12)
            assert risks.gray_test_by_arm[label].p_value == pytest.approx(
                gray.loc[code, "p_value"], rel=1e-12
            )


def test_cohort_naive_benefit_is_immortal_time(tmp_path: Path) -> None:
    folder = write_protocol_study(tmp_path / "cohort", "yu2025-escc-local-rt", 1500, 11)
    results = analyse_study(folder)
    local = results.cohort.local_rt
    naive = local.naive_hr.hazard_ratio
    assert (naive.group, naive.reference) == ("local RT", "no local RT")
    assert naive.upper < 0.8
    tv = local.time_varying_hr.hazard_ratio
    assert tv.lower < 1 < tv.upper, tv
    assert any("immortal-time bias" in note for note in results.notes)
    paths = render_report(results, tmp_path / "report", ["html"])
    html = next(p for p in paths if p.suffix == ".html").read_text()
    assert (
        "immortal-time bias" in html
        and "Exposure: local RT" in html
        and "Exposure: IO cycles" in html
    )


def test_neoadjuvant_cohort_reports_surgical_endpoints(tmp_path: Path) -> None:
    results = analyse_study(
        write_protocol_study(tmp_path / "neo", "lv2026-escc-induction-rt", 23, 1)
    )
    endpoints = {e.endpoint: e for e in results.cohort.neoadjuvant_endpoints}
    assert endpoints["R0 resection"].n == 23
    assert {
        "pCR (ypT0N0)",
        "MPR (<= 10 % viable tumour)",
        "clinical downstaging",
        "pathological downstaging",
    } <= set(endpoints)
    assert 28 <= results.cohort.rt_to_surgery_days.median <= 80
