"""Study-level conclusions: every effect names its groups with a declared reference (renaming the
arms so that their sort order flips changes nothing), randomized results by arm, the primary
endpoint as the protocol states it, failures said in words, Methods from what ran."""

import dataclasses
import json
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from rtio.analyse import analyse_study
from rtio.analyse.arms import study_arms
from rtio.analyse.derived import derive_study
from rtio.analyse.effects import hazard_ratio
from rtio.analyse.methods import methods_text
from rtio.analyse.options import AnalysisOptions
from rtio.analyse.primary import primary_endpoint
from rtio.io import load_study
from rtio.protocol import load_protocol
from rtio.protocol.loader import _shipped_dir
from rtio.report import render_report
from rtio.report.figures import waterfall_figure
from rtio.simulate.protocols import write_protocol_study
from rtio.stats import cox_ph, kaplan_meier, one_sample_logrank

DEMO = Path(__file__).parent / "data" / "demo_study"
NI = AnalysisOptions(endpoint="PFS", alpha=0.025, sided=1, ni_margin=1.3, stratify=("stratum",))


@pytest.fixture(scope="module")
def npc(tmp_path_factory) -> Path:
    return write_protocol_study(tmp_path_factory.mktemp("npc") / "study", "NCT07235319", 160, 4)


@pytest.fixture(scope="module")
def npc_results(npc):
    return analyse_study(npc, NI)


EFFECT_KEYS = ("hazard_ratio", "odds_ratio", "difference", "repeated_ci")
"""Keys (or key endings) of every effect estimate in results.json."""


def _effects(node, path=""):
    """Every (path, object) under the keys that hold effect estimates."""
    if isinstance(node, dict):
        for key, value in node.items():
            if str(key).endswith(EFFECT_KEYS) and isinstance(value, dict):
                yield f"{path}.{key}", value
            yield from _effects(value, f"{path}.{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _effects(value, f"{path}[{i}]")


def test_every_effect_in_results_json_names_its_groups(npc_results) -> None:
    found = list(_effects(json.loads(npc_results.model_dump_json())))
    assert len(found) > 20
    arms = {a.label for a in npc_results.arms}
    for path, effect in found:
        assert {"value", "lower", "upper", "conf_level", "group", "reference", "method"} <= set(
            effect
        ), path
        assert effect["group"] != effect["reference"], path
        if ".biomarker_survival" in path:
            assert (effect["group"], effect["reference"]) == ("high", "low"), path
        elif ".cohort" not in path:
            assert {effect["group"], effect["reference"]} == arms, path
            assert effect["reference"] == "Immediate locoregional radiotherapy", path


def _renamed(source: Path, target: Path, names: dict[str, str]) -> Path:
    """A copy of the study whose arms are renamed (in the data and in a protocol file inside the
    folder); the protocol's declared arm types stay as they are."""
    shutil.copytree(source, target)
    protocol = yaml.safe_load((_shipped_dir() / "NCT07235319.yaml").read_text(encoding="utf-8"))
    for arm in protocol["arms"]:
        arm["label"] = names[arm["label"]]
    (target / "protocol.yaml").write_text(
        yaml.safe_dump(protocol, allow_unicode=True), encoding="utf-8"
    )
    settings = yaml.safe_load((target / "study.yaml").read_text())
    settings["protocol"] = "protocol.yaml"
    (target / "study.yaml").write_text(yaml.safe_dump(settings))
    subjects = pd.read_csv(target / "subjects.csv", dtype=str, keep_default_na=False)
    subjects["arm"] = subjects["arm"].map(names)
    subjects.to_csv(target / "subjects.csv", index=False)
    return target


def test_renaming_arms_so_their_order_flips_changes_no_estimate_or_conclusion(
    npc, npc_results, tmp_path: Path
) -> None:
    immediate, salvage = (a.label for a in load_protocol("NCT07235319").arms)
    names = {immediate: "Zeta: immediate RT", salvage: "Alpha: salvage RT"}
    assert sorted(names.values()) != sorted(names)  # the alphabetical order flips
    flipped = analyse_study(_renamed(npc, tmp_path / "flipped", names), NI)
    before, after = npc_results, flipped
    for a, b in zip(before.comparisons, after.comparisons, strict=True):
        assert b.hazard_ratio.value == pytest.approx(a.hazard_ratio.value, rel=1e-12)
        assert (b.hazard_ratio.group, b.hazard_ratio.reference) == (
            names[a.hazard_ratio.group],
            names[a.hazard_ratio.reference],
        )
        assert b.stratified_hazard_ratio.value == pytest.approx(
            a.stratified_hazard_ratio.value, rel=1e-12
        )
    assert after.primary_endpoint.verdict == before.primary_endpoint.verdict
    for x, y in zip(before.primary_endpoint.analyses, after.primary_endpoint.analyses, strict=True):
        assert y.hazard_ratio.upper == pytest.approx(x.hazard_ratio.upper, rel=1e-12)
    assert [r.hazard_ratio.value for r in after.forest.rows] == pytest.approx(
        [r.hazard_ratio.value for r in before.forest.rows], rel=1e-12, nan_ok=True
    )
    a, b = before.response[0], after.response[0]
    assert b.orr_odds_ratio.value == pytest.approx(a.orr_odds_ratio.value, rel=1e-12)
    assert b.orr_difference.value == pytest.approx(a.orr_difference.value, rel=1e-12)


def test_a_randomized_trial_is_reported_by_arm(npc_results) -> None:
    arms = [a.label for a in npc_results.arms]
    sizes = {a.label: a.n for a in npc_results.arms}
    assert sum(sizes.values()) == npc_results.populations["ITT"]
    for row in npc_results.baseline:
        assert list(row.by_arm) == arms
    sex = [r for r in npc_results.baseline if r.characteristic == "Sex"]
    assert sum(r.by_arm[arms[0]].n for r in sex) == sizes[arms[0]]
    for block in npc_results.response:
        assert list(block.by_arm) == arms
        assert sum(b.orr.n for b in block.by_arm.values()) == block.orr.n
    for entry in npc_results.survival:
        assert list(entry.by_arm) == arms
        assert sum(s.n for s in entry.by_arm.values()) == entry.n
    for table in npc_results.safety:
        for row in table.rows:
            assert sum(c.any_grade for c in row.by_arm.values()) == row.any_grade
    labels = [row.label for row in npc_results.safety_summary]
    assert labels[1:] == [
        "Any treatment-related adverse event",
        "Any grade ≥ 3 adverse event",
        "Treatment-related grade ≥ 3 adverse event",
        "Serious adverse event",
        "Grade 5 adverse event (death)",
        "Treatment discontinued because of an adverse event",
    ]
    for row in npc_results.safety_summary:
        assert sum(c.n for c in row.by_arm.values()) == row.n
    profile = npc_results.disposition
    assert [a.arm for a in profile.arms] == arms
    for arm in profile.arms:
        assert arm.allocated == sizes[arm.arm]
        assert "unknown" not in arm.discontinued and "unknown" not in arm.not_received
    pooled = Counter()
    for arm in profile.arms:
        pooled.update(arm.discontinued_before_rt_by_reason)
    assert dict(pooled) == profile.discontinued_before_rt_by_reason
    lesions = npc_results.rt_lesions
    assert list(lesions.abscopal_by_arm) == list(lesions.progression_field_by_arm) == arms
    for count in ("k", "n", "out_of_field_k"):
        assert sum(getattr(a, count) for a in lesions.abscopal_by_arm.values()) == getattr(
            lesions.abscopal, count
        )
    fields = Counter()
    for by_field in lesions.progression_field_by_arm.values():
        fields.update(by_field)
    assert dict(fields) == lesions.progression_field
    bars = npc_results.figures_data.waterfall
    assert bars and {b.arm for b in bars} == set(arms)
    figure = waterfall_figure(pd.DataFrame([b.model_dump() for b in bars]))
    panels = [ax for ax in figure.axes if ax.get_title(loc="left")]
    assert [ax.get_title(loc="left").rsplit(" (n = ", 1)[0] for ax in panels] == sorted(
        arms, key=[b.arm for b in bars].index
    )
    counts = Counter(
        b.arm
        for b in bars
        if b.best_pct_from_baseline is not None and np.isfinite(b.best_pct_from_baseline)
    )
    for ax in panels:
        label, n = ax.get_title(loc="left")[:-1].rsplit(" (n = ", 1)
        assert int(n) == counts[label]


def test_arms_are_compared_in_the_per_protocol_population_too(npc_results, tmp_path) -> None:
    others = npc_results.comparisons_other_populations
    assert [(c.endpoint, c.population) for c in others] == [
        ("PFS", "per_protocol"),
        ("OS", "per_protocol"),
    ]
    primary = {a.population: a for a in npc_results.primary_endpoint.analyses}
    for comparison in others:
        assert comparison.title == f"{comparison.endpoint} by arm (per-protocol population)"
        assert sum(c.n for c in comparison.curves) == npc_results.populations["per_protocol"]
        hr = comparison.hazard_ratio
        assert (hr.group, hr.reference) == (
            "Salvage locoregional radiotherapy",
            "Immediate locoregional radiotherapy",
        )
        if comparison.endpoint == "PFS":  # the primary analysis: the same stratified Cox fit
            assert comparison.stratified_hazard_ratio.value == pytest.approx(
                primary["per_protocol"].hazard_ratio.value, rel=1e-12
            )
    render_report(npc_results, tmp_path, ["html"])
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "PFS by arm (per-protocol population)" in html


def test_non_inferiority_uses_the_one_sided_level_and_stratified_cox(npc, npc_results) -> None:
    primary = npc_results.primary_endpoint
    assert primary.hypothesis == "non_inferiority"
    assert primary.conf_level == pytest.approx(0.95)  # 1 - 2 x 0.025
    assert primary.populations == ["ITT", "per_protocol"]
    assert any("--ni-margin" in a for a in primary.assumed)
    assert any("--stratify" in a for a in primary.assumed)
    study = load_study(npc)
    adtte = derive_study(study).adtte
    pfs = adtte[adtte["paramcd"] == "PFS"]
    subjects = study.table("subjects").set_index("subject_id")
    frame = pd.DataFrame(
        {
            "t": pfs["aval_months"].to_numpy(float),
            "e": 1 - pfs["cnsr"].to_numpy(int),
            "g": (
                pfs["subject_id"].map(subjects["arm"]) == "Salvage locoregional radiotherapy"
            ).to_numpy(float),
            "s": pfs["subject_id"].map(subjects["stratum"]).to_numpy(),
        }
    )
    fit = cox_ph(frame, "t", "e", ["g"], strata="s", conf_level=0.95).summary.iloc[0]
    itt = primary.analyses[0]
    assert itt.population == "ITT"
    assert (itt.hazard_ratio.value, itt.hazard_ratio.upper) == pytest.approx(
        (fit["hr"], fit["hr_upper"]), rel=1e-12
    )
    expected = "non-inferior" if fit["hr_upper"] < 1.3 else "non-inferiority not shown"
    assert itt.verdict == expected
    assert primary.superiority is not None and primary.superiority.population == "ITT"
    # a wider alpha narrows the interval: CI level follows alpha
    looser = analyse_study(npc, NI.model_copy(update={"alpha": 0.1}))
    assert looser.primary_endpoint.conf_level == pytest.approx(0.8)
    assert looser.primary_endpoint.analyses[0].hazard_ratio.upper < itt.hazard_ratio.upper


def test_the_protocols_own_plan_values_win_over_the_command_line(npc, tmp_path: Path) -> None:
    folder = shutil.copytree(npc, tmp_path / "stated")
    protocol = yaml.safe_load((_shipped_dir() / "NCT07235319.yaml").read_text(encoding="utf-8"))
    protocol["statistical_plan"].update(
        {
            "primary_endpoint": "PFS",
            "alpha": 0.05,
            "sided": 1,
            "non_inferiority_margin": {"value": 1.4, "scale": "hazard_ratio"},
        }
    )
    (folder / "protocol.yaml").write_text(
        yaml.safe_dump(protocol, allow_unicode=True), encoding="utf-8"
    )
    settings = yaml.safe_load((folder / "study.yaml").read_text())
    settings["protocol"] = "protocol.yaml"
    (folder / "study.yaml").write_text(yaml.safe_dump(settings))
    results = analyse_study(folder, AnalysisOptions(ni_margin=1.2))
    primary = results.primary_endpoint
    assert primary.margin == 1.4 and primary.alpha == 0.05
    assert primary.conf_level == pytest.approx(0.9)
    assert not any("margin" in a for a in primary.assumed)
    assert any("--ni-margin 1.2 ignored" in w for w in results.warnings)


def test_single_arm_verdict_follows_the_protocols_success_rule() -> None:
    results = analyse_study(DEMO)
    primary = results.primary_endpoint
    assert primary.hypothesis == "single_arm_vs_historical_control"
    assert primary.success_rule == "median_reaches_target"
    itt = primary.analyses[0]
    assert itt.target_median_months == 12
    assert primary.verdict == ("met" if itt.median.value >= 12 else "not met")
    assert primary.planned_events == 16 and primary.observed_events == itt.events
    logrank = results.historical_control[0]
    assert itt.test.p_value == pytest.approx(logrank.p_value, rel=1e-12)
    assert "6.3 months" in primary.statement and "planned 16" in primary.statement
    assert primary.assumed == []


PAPER_PFS_EVENTS = [1.2, 1.9, 2.6, 3.3, 4.0, 4.6, 5.3, 5.9, 6.4, 6.83, 7.3, 7.9, 8.4, 8.9, 9.3, 9.6]
"""PFS times (months) of 33 patients made to match seed 004's published ITT curve (Fig. 2C):
median 9.8 months, 1-year PFS 41.9 %, 21 events, follow-up of the censored 16.3–28.1 months. The
individual data are not published, so these are one data set with those published figures."""


def _paper_pfs() -> tuple[np.ndarray, np.ndarray]:
    time = np.array(
        [*PAPER_PFS_EVENTS, 9.7, 9.8, 11.0, 11.6, 14.9, 18.2, *np.linspace(16.3, 28.1, 11)]
    )
    event = np.array([1] * 16 + [0] + [1] * 5 + [0] * 11)
    return time, event


def test_seed004_verdict_on_the_papers_pfs_reads_as_the_paper() -> None:
    """Seed 004: "median PFS was 9.8 months (95% CI 6.83–NE; primary endpoint was not met)"; the
    design assumed 6.3 → 12 months, one-sided 0.05, 16 events."""
    time, event = _paper_pfs()
    curve = kaplan_meier(time, event)
    assert curve.median().value == pytest.approx(9.8)
    assert curve.survival_at([12.0])["survival"].iloc[0] == pytest.approx(0.419, abs=0.001)
    study = load_study(DEMO)
    derived = derive_study(study)
    ids = study.tables["subjects"]["subject_id"].astype(str).to_numpy()[: len(time)]
    pfs = pd.DataFrame(
        {"subject_id": ids, "paramcd": "PFS", "aval_months": time, "cnsr": 1 - event}
    )
    derived = dataclasses.replace(derived, adtte=pfs)
    primary = primary_endpoint(
        study, derived, {"ITT": pd.Index(ids)}, study_arms(study), AnalysisOptions()
    )
    assert primary.verdict == "not met" and primary.assumed == []
    itt = primary.analyses[0]
    assert (itt.n, itt.events, itt.target_median_months) == (33, 21, 12)
    logrank = one_sample_logrank(time, event, 6.3, sided=1)
    assert itt.test.p_value == pytest.approx(logrank.p_value, rel=1e-12)
    assert (
        primary.statement.startswith("Median PFS in the ITT population 9.8 months (95% CI ")
        and "vs the 12-month target of the design: not met." in primary.statement
    )
    assert (
        f"One-sample log-rank test against the historical median of 6.3 months: "
        f"Z = {logrank.statistic:.2f}, p = < 0.001 (one-sided)." in primary.statement
    )
    assert primary.statement.endswith("Observed 21 PFS events; the design planned 16.")
    assert (primary.observed_events, primary.planned_events) == (21, 16)


def test_a_plan_value_missing_everywhere_gives_not_assessed_with_the_reason(npc) -> None:
    results = analyse_study(npc, AnalysisOptions(endpoint="PFS", alpha=0.025, sided=1))
    primary = results.primary_endpoint
    assert primary.verdict == "not_assessed"
    assert "non-inferiority margin" in primary.reason and "--ni-margin" in primary.reason


def test_a_hazard_ratio_without_events_in_one_group_is_not_estimable() -> None:
    time = np.array([1.0, 2, 3, 4, 5, 6])
    event = np.array([1, 1, 1, 0, 0, 0])
    group = np.array([True, True, True, False, False, False])
    effect, fit = hazard_ratio(time, event, group, "B", "A")
    assert fit is None and effect.value is None
    assert effect.not_estimable == "no events in A"
    # events in both groups, but every event of A happens when no B patient is at risk:
    # the partial likelihood rises without bound (R: "coefficient may be infinite")
    time = np.array([1.0, 2, 3, 10, 11, 12])
    event = np.array([1, 1, 0, 1, 1, 0])
    group = np.array([True, True, True, False, False, False])
    effect, fit = hazard_ratio(time, event, group, "B", "A")
    assert effect.not_estimable is not None and "monotone likelihood" in effect.not_estimable, (
        effect
    )


def test_methods_state_the_parameters_used_and_only_what_ran(tmp_path: Path) -> None:
    study = load_study(DEMO)
    results = analyse_study(DEMO)
    text = " ".join(methods_text(results, derive_study(study, sd_min_days=56, confirm_min_days=35)))
    assert "≥ 56 days" in text and "≥ 35 days" in text and "42 days" not in text
    assert "baseline within 14 days" in text
    cohort = write_protocol_study(tmp_path / "cohort", "yu2025-escc-local-rt", 80, 3)
    text = " ".join(analyse_study(cohort).methods)
    assert "RECIST" not in text and "ORR" not in text and "Adverse events" not in text
    assert "landmarks (3 months, 6 months, 9 months)" in text


def test_on_treatment_biomarkers_are_analysed_from_their_sampling_day() -> None:
    results = analyse_study(DEMO)
    on = [c for c in results.biomarker_survival if "on_treatment" in c.title]
    assert on and all("from day 42" in c.title for c in on)
    landmarks = {m.timepoint: m for m in results.biomarker_landmarks}
    study = load_study(DEMO)
    adtte = derive_study(study).adtte
    pfs = adtte[adtte["paramcd"] == "PFS"]
    assert landmarks["on_treatment (PFS)"].n_excluded == int((pfs["aval_days"] <= 42).sum())
    assert landmarks["on_treatment (PFS)"].day == 42
    tests = {t.timepoint for t in results.biomarker_tests}
    assert tests == {"baseline", "on_treatment"}
    assert all(t.unit for t in results.biomarker_tests)
