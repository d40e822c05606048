"""The shipped seed protocols against the seed texts (excerpts in tests/protocol/data)."""

import re
from pathlib import Path

import pytest

from rtio.protocol import Protocol, list_protocols, load_protocol

DATA = Path(__file__).parent / "data"
IDS = [
    "NCT07164690",
    "yu2025-escc-local-rt",
    "lv2026-escc-induction-rt",
    "NCT07235319",
    "ChiCTR2100046715",
]


def norm(text: str) -> str:
    """Whitespace collapsed, markdown escapes (``\\>``) and LaTeX ``$\\geq x$`` undone."""
    text = re.sub(r"\$\\geq\s*([^$]*?)\s*\$", r"≥ \1", text)
    return re.sub(r"\s+", " ", text.replace("\\>", ">").replace("\\<", "<")).strip()


def seed(name: str) -> str:
    return norm((DATA / name).read_text(encoding="utf-8"))


def test_all_five_shipped_and_load():
    assert sorted(IDS) == list_protocols()
    for pid in IDS:
        p = load_protocol(pid)
        assert isinstance(p, Protocol)
        assert p.id == pid


def test_designs_and_identifiers():
    assert load_protocol("NCT07164690").design.type == "single_arm"
    assert load_protocol("ChiCTR2100046715").design.type == "single_arm"
    nct3 = load_protocol("NCT07235319")
    assert nct3.design.type == "randomized"
    assert nct3.phase == "3"
    for cohort in ("yu2025-escc-local-rt", "lv2026-escc-induction-rt"):
        p = load_protocol(cohort)
        assert p.design.type == "retrospective_cohort"
        assert p.phase is None
        assert p.cohort is not None
    ids = {(i.registry, i.value) for i in load_protocol("ChiCTR2100046715").identifiers}
    assert ("ChiCTR", "ChiCTR2100046715") in ids
    ids = {(i.registry, i.value) for i in load_protocol("NCT07164690").identifiers}
    assert ("ClinicalTrials.gov", "NCT07164690") in ids


def bullets(text: str) -> tuple[int, int]:
    """(inclusion, exclusion) bullet counts of a ClinicalTrials.gov criteria block."""
    inc, exc = text.split("Exclusion Criteria")
    return inc.count("* "), exc.count("* ")


def test_seed000_every_criterion_present_verbatim():
    p = load_protocol("NCT07164690")
    text = seed("seed000_eligibility.txt")
    n_inc, n_exc = bullets(text)
    assert (n_inc, n_exc) == (11, 14)  # 8 items + 3 organ-function sub-items; 14 exclusions
    assert sum(c.kind == "inclusion" for c in p.eligibility) == n_inc
    assert sum(c.kind == "exclusion" for c in p.eligibility) == n_exc
    for c in p.eligibility:
        assert norm(c.text) in text, c.id
        assert c.stage == "registration"
    assert [c.id for c in p.eligibility if c.parent == "I7"] == ["I7.1", "I7.2", "I7.3"]


def test_seed003_every_criterion_present_verbatim_with_stages():
    p = load_protocol("NCT07235319")
    raw = (DATA / "seed003_eligibility.txt").read_text(encoding="utf-8")
    inc, exc = raw.split("Exclusion Criteria:")
    n_inc = len(re.findall(r"^\s+\d+\.", inc, re.M))
    n_exc = len(re.findall(r"^\s+\d+\.", exc, re.M))
    assert (n_inc, n_exc) == (10, 15)
    assert sum(c.kind == "inclusion" for c in p.eligibility) == n_inc
    assert sum(c.kind == "exclusion" for c in p.eligibility) == n_exc
    text = norm(raw)
    for c in p.eligibility:
        assert norm(c.text) in text, c.id
    assert p.criterion("I8").stage == "randomization"
    assert "CR" in p.criterion("I8").text and "4-6 cycles" in p.criterion("I8").text
    assert p.criterion("I5").stage == "registration"
    assert "No prior anti-tumor treatment" in p.criterion("I5").text
    assert {c.id for c in p.eligibility if c.stage == "randomization"} == {"I8"}


def test_seed004_every_criterion_from_methods():
    p = load_protocol("ChiCTR2100046715")
    text = seed("seed004_eligibility.txt")
    # Methods: inclusion = age, histology, unresectable/naive, stage IV N3/M1, measurable
    # lesion, ECOG, life expectancy, marrow/organ function; exclusion = 5 listed conditions.
    assert [c.id for c in p.eligibility if c.kind == "inclusion"] == [f"I{i}" for i in range(1, 9)]
    assert [c.id for c in p.eligibility if c.kind == "exclusion"] == [f"E{i}" for i in range(1, 6)]
    for c in p.eligibility:
        for part in norm(c.text).split(" [...] "):
            assert part in text, c.id


def test_seed001_002_criteria_from_text():
    for pid, name in (
        ("yu2025-escc-local-rt", "seed001_text.txt"),
        ("lv2026-escc-induction-rt", "seed002_text.txt"),
    ):
        p = load_protocol(pid)
        text = seed(name)
        assert len(p.eligibility) == 3
        for c in p.eligibility:
            assert norm(c.text) in text, (pid, c.id)


def test_lab_thresholds_differ_between_seed000_and_seed003():
    hb000 = load_protocol("NCT07164690").criterion("I7.1").text
    hb003 = load_protocol("NCT07235319").criterion("I9").text
    assert "Hb ≥ 80 g/L" in hb000
    assert "Hemoglobin ≥ 90 g/L" in norm(hb003)


def test_seed000_ldrt_2gy_single_fraction_within_7_days():
    p = load_protocol("NCT07164690")
    ldrt = next(c for c in p.radiotherapy if c.id == "ldrt_all_lesions")
    assert ldrt.targets == ["all_visible_lesions"]
    assert (ldrt.dose_per_fraction_gy.min, ldrt.dose_per_fraction_gy.max) == (2, 2)
    assert (ldrt.fractions.min, ldrt.fractions.max) == (1, 1)
    assert ldrt.timing.complete_within_days == 7
    assert "2 Gy/1Fx" in ldrt.description
    addon = next(c for c in p.radiotherapy if c.add_on)
    assert addon.targets == ["primary"]
    assert (addon.total_dose_gy.min, addon.total_dose_gy.max) == (40, 50)
    assert "fistula or bleeding" in addon.condition
    pd1 = p.regimen("pd1_pdl1_inhibitor")
    assert pd1.start.after == "rt_completion"
    img = p.assessment("imaging").phases[0]
    assert (img.interval.value, img.interval.unit) == (6, "weeks")
    assert (img.end.value, img.end.unit) == (1, "years")
    assert img.window_days is None  # the record gives no window
    assert p.planned_enrollment == 32
    text = seed("seed000_interventions.txt")
    for c in p.radiotherapy:
        assert norm(c.description) in text


def test_seed004_regimens():
    p = load_protocol("ChiCTR2100046715")
    tori = p.regimen("toripalimab")
    assert (tori.dose.value, tori.dose.unit) == (240, "mg")
    assert tori.cycle_length_days == 21
    assert (tori.max_duration.value, tori.max_duration.unit) == (1, "years")
    assert tori.route == "intravenous"
    pac = p.regimen("paclitaxel")
    assert (pac.dose.min, pac.dose.max, pac.dose.unit) == (135, 175, "mg/m2")
    assert (pac.cycles.min, pac.cycles.max) == (4, 4)
    carbo = p.regimen("carboplatin")
    assert (carbo.dose.min, carbo.dose.max, carbo.dose.unit) == (4, 6, "AUC")
    text = seed("seed004_methods.txt")
    assert "240 mg toripalimab and 135–175 mg/m<sup>2</sup> paclitaxel" in text
    assert "(area under the curve, 4–6) on day 1" in text


def test_seed004_radiotherapy():
    p = load_protocol("ChiCTR2100046715")
    rt = {c.id: c for c in p.radiotherapy}
    primary = rt["primary_imrt"]
    assert primary.targets == ["primary"]
    assert (primary.total_dose_gy.min, primary.total_dose_gy.max) == (50, 50.4)
    assert (primary.fractions.min, primary.fractions.max) == (25, 28)
    assert primary.fractions_per_week == 5
    assert primary.technique == ["IMRT"]
    sbrt = rt["metastases_sbrt"]
    assert (sbrt.total_dose_gy.min, sbrt.total_dose_gy.max) == (30, 40)
    assert (sbrt.fractions.min, sbrt.fractions.max) == (3, 5)
    assert sbrt.technique == ["SBRT"]
    for c in p.radiotherapy:
        assert c.timing.starts_with_cycle == 3
    text = seed("seed004_methods.txt")
    assert "50–50.4 Gy in 25–28 fractions 5 days/week" in text
    assert "30–40 Gy in 3–5 fractions" in text
    assert "initiated on the third chemo-immunotherapy cycle" in text


def test_seed004_imaging_and_lab_calendar():
    p = load_protocol("ChiCTR2100046715")
    ph = {x.name: x for x in p.assessment("imaging").phases}
    assert ph["baseline"].within_days_before_start == 14
    chemo = ph["chemotherapy"]
    assert (chemo.interval.value, chemo.interval.unit, chemo.window_days) == (6, "weeks", 7)
    y2 = ph["to end of year 2"]
    assert (y2.interval.value, y2.interval.unit, y2.window_days) == (12, "weeks", 7)
    assert (y2.end.value, y2.end.unit) == (2, "years")
    y34 = ph["years 3-4"]
    assert (y34.interval.value, y34.interval.unit) == (6, "months")
    assert (y34.start.days(), y34.end.days()) == (2 * 365.25, 4 * 365.25)
    assert (ph["after year 4"].interval.value, ph["after year 4"].interval.unit) == (1, "years")
    labs = p.assessment("labs").phases[0]
    assert (labs.interval.value, labs.interval.unit) == (3, "weeks")
    text = seed("seed004_methods.txt")
    assert "6-weekly intervals ( $\\pm 7$ days) during chemotherapy" in text


def test_seed004_endpoints_populations_and_plan():
    p = load_protocol("ChiCTR2100046715")
    assert p.endpoint("PFS").role == "primary"
    assert p.endpoint("PFS").events == ["progression", "death"]
    readings = p.endpoint("ORR").readings
    assert {r.reading for r in readings} == {"best_overall_response", "timepoint"}
    tp = next(r for r in readings if r.reading == "timepoint")
    assert (tp.timepoint.value, tp.timepoint.unit, tp.anchor) == (3, "months", "rt_completion")
    assert p.endpoint("DCR").responses == ["CR", "PR", "SD"]
    assert [d.value for d in p.endpoint("OS").time_points] == [1, 2]
    assert p.population("efficacy_evaluable").requires == [
        "enrolled",
        "completed_rt_all_lesions",
        "post_baseline_assessment",
    ]
    assert p.population("safety").requires == ["received_study_drug"]
    assert p.response_criteria.name == "RECIST 1.1"
    sp = p.statistical_plan
    assert sp.historical_control.median_months == 6.3
    assert sp.expected.median_months == 12
    assert (sp.alpha, sp.sided, sp.power, sp.dropout) == (0.05, 1, 0.8, 0.2)
    assert (sp.target_events, sp.target_patients) == (16, 32)
    assert (sp.accrual.value, sp.follow_up.value, sp.accrual_pattern) == (12, 12, "uniform")
    text = seed("seed004_methods.txt")
    assert "increase in median PFS from 6.3 to 12 months" in text
    assert "To observe 16 PFS events, we calculated that 32 patients were needed" in text
    assert "data_cutoff" not in Protocol.model_fields
    # the paper's verdict: observed median PFS (ITT) against the 12-month target
    assert sp.primary_populations == ["ITT"]
    assert sp.success_rule.rule == "median_reaches_target"
    assert "primary endpoint was not met" in seed("seed004_results.txt")


def test_seed003_silent_fields_left_empty():
    p = load_protocol("NCT07235319")
    sp = p.statistical_plan
    assert sp.comparison == "non_inferiority"
    assert sp.non_inferiority_margin is None
    assert sp.power is None and sp.alpha is None and sp.historical_control is None
    assert p.design.allocation_ratio is None
    assert p.design.stratification_factors == []
    assert sp.primary_populations == [] and sp.success_rule is None and sp.interim is None
    assert p.endpoints == []
    # "salvage ... non-inferior to immediate radiotherapy": immediate RT is the reference arm
    types = {a.id: a.type for a in p.arms}
    assert types == {"immediate_rt": "active_comparator", "salvage_rt": "experimental"}
    assert "non-inferior to immediate radiotherapy" in seed("seed003_summary.txt")
    for r in p.regimens:
        assert r.dose is None
        assert (r.cycles.min, r.cycles.max) == (4, 6)
    for c in p.radiotherapy:
        assert c.targets == ["locoregional"]
        assert c.total_dose_gy is None


def test_cohort_protocols():
    p = load_protocol("yu2025-escc-local-rt")
    exp = {e.id: e for e in p.cohort.exposures}
    assert exp["local_rt"].table == "radiotherapy"
    assert exp["local_rt"].date_field == "start_date"
    assert exp["local_rt"].timing == "time_varying"
    cats = [(c.min, c.max) for c in exp["io_cycles"].categories]
    assert cats == [(1, 6), (7, 12), (13, None)]
    assert exp["io_cycles"].measure == "cumulative_cycles"
    assert p.cohort.outcomes == ["OS"]
    assert "7–12 cycles achieved 21.1 months" in seed("seed001_text.txt")
    q = load_protocol("lv2026-escc-induction-rt")
    assert q.endpoint("R0").role == "primary"
    assert {"pCR", "MPR", "downstaging_clinical", "downstaging_pathological"} <= {
        e.id for e in q.endpoints
    }
    assert q.radiotherapy[0].technique == ["IMRT", "tomotherapy"]
    assert q.radiotherapy[0].total_dose_gy is None  # 41.4 Gy is the observed median
    for outcome in q.cohort.outcomes:
        q.endpoint(outcome)


@pytest.mark.parametrize("pid", IDS)
def test_arm_references_resolve(pid):
    p = load_protocol(pid)
    for arm in p.arms:
        for r in arm.regimens:
            p.regimen(r)
    for e in p.endpoints:
        for pop in e.populations:
            p.population(pop)
