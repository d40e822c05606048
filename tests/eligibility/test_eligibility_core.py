"""Rules, units, screening and disease extent checked against the seed texts (000, 004)."""

import pandas as pd
import pytest

from rtio.eligibility import (
    count_metastatic_lesions,
    evaluate,
    facts_to_wide,
    is_oligometastatic,
    node_is_regional,
    screen,
    screening_summary,
    unit_factor,
    validate_rule,
)

# seed 000: "serum creatinine < 1.5 x ULN or creatinine clearance >= 50 mL/min"
RENAL = {
    "any": [
        {"fact": "creatinine", "op": "<", "value": 1.5, "unit": "x ULN", "within_days": 7},
        {"fact": "crcl", "op": ">=", "value": 50, "unit": "mL/min", "within_days": 7},
    ]
}
# seed 000: "ALT/AST <= 2.5 x ULN" (seed 004 style conditional: <= 5 x ULN with liver metastases)
ALT = {
    "if": {"fact": "liver_metastases", "is": True},
    "then": {"fact": "alt", "op": "<=", "value": 5, "unit": "x ULN"},
    "else": {"fact": "alt", "op": "<=", "value": 2.5, "unit": "x ULN"},
}


def frame(**cols):
    base = {"candidate_id": ["c"], "screening_date": [pd.Timestamp("2026-01-10")]}
    base.update({k: [v] for k, v in cols.items()})
    return pd.DataFrame(base)


def test_renal_or_rule_pass_fail_missing():
    d = pd.Timestamp("2026-01-05")
    ok = frame(creatinine=1.0, creatinine_uln=1.1, creatinine_date=d)
    assert evaluate(RENAL, ok)[0] == 1
    bad = frame(
        creatinine=2.0,
        creatinine_uln=1.1,
        creatinine_date=d,
        crcl=40,
        crcl_unit="mL/min",
        crcl_date=d,
    )
    assert evaluate(RENAL, bad)[0] == 0
    rescued = frame(
        creatinine=2.0,
        creatinine_uln=1.1,
        creatinine_date=d,
        crcl=55,
        crcl_unit="mL/min",
        crcl_date=d,
    )
    assert evaluate(RENAL, rescued)[0] == 1
    high_only = frame(creatinine=2.0, creatinine_uln=1.1, creatinine_date=d)
    assert evaluate(RENAL, high_only)[0] == -1
    too_old = frame(creatinine=1.0, creatinine_uln=1.1, creatinine_date=pd.Timestamp("2025-12-01"))
    assert evaluate(RENAL, too_old)[0] == -1


def test_conditional_limit_with_liver_metastases():
    assert evaluate(ALT, frame(liver_metastases=True, alt=4.0, alt_uln=1.0))[0] == 1
    assert evaluate(ALT, frame(liver_metastases=False, alt=4.0, alt_uln=1.0))[0] == 0
    assert evaluate(ALT, frame(alt=2.0, alt_uln=1.0))[0] == -1


def test_units_converted_explicitly_and_unknown_unit_is_error():
    # seed 000: Hb >= 80 g/L; 8.5 g/dL = 85 g/L
    hb = {"fact": "hemoglobin", "op": ">=", "value": 80, "unit": "g/L"}
    assert evaluate(hb, frame(hemoglobin=8.5, hemoglobin_unit="g/dL"))[0] == 1
    assert evaluate(hb, frame(hemoglobin=7.5, hemoglobin_unit="g/dL"))[0] == 0
    with pytest.raises(ValueError, match="hemoglobin"):
        evaluate(hb, frame(hemoglobin=8.5, hemoglobin_unit="mmol/L"))
    with pytest.raises(ValueError, match="hemoglobin_unit"):
        evaluate(hb, frame(hemoglobin=85))
    assert unit_factor("mg/dL", "mg/L") == 10.0  # BUN <= 200 mg/L = 20 mg/dL


def test_validate_rule_rejects_bad_nodes():
    with pytest.raises(ValueError, match="unknown operator"):
        validate_rule({"fact": "anc", "op": "=>", "value": 1, "unit": "10^9/L"})
    with pytest.raises(ValueError, match="unknown rule node"):
        validate_rule({"python": "__import__('os')"})


def test_event_window_myocardial_infarction_6_months():
    rule = {"event": "myocardial_infarction", "within_days": 183}
    recent = frame(
        myocardial_infarction=True, myocardial_infarction_date=pd.Timestamp("2025-10-01")
    )
    old = frame(myocardial_infarction=True, myocardial_infarction_date=pd.Timestamp("2024-10-01"))
    never = frame(myocardial_infarction=False)
    assert evaluate(rule, recent)[0] == 1
    assert evaluate(rule, old)[0] == 0
    assert evaluate(rule, never)[0] == 0
    assert evaluate(rule, frame())[0] == -1


def test_screen_verdicts_and_summary_with_manual_and_exclusion():
    criteria = [
        {
            "id": "I1",
            "kind": "inclusion",
            "text": "ECOG 0-1",
            "rule": {"fact": "ecog", "in": [0, 1]},
            "manual": False,
        },
        {"id": "I2", "kind": "inclusion", "text": "informed consent", "rule": None, "manual": True},
        {
            "id": "E1",
            "kind": "exclusion",
            "text": "active autoimmune disease",
            "rule": {"fact": "autoimmune_active", "is": True},
            "manual": False,
        },
    ]
    cands = pd.DataFrame(
        {
            "candidate_id": ["a", "b", "c", "d"],
            "screening_date": pd.to_datetime(["2026-01-10"] * 4),
            "ecog": [1, 2, None, 2],
            "autoimmune_active": [False, False, False, True],
        }
    )
    s = screen(criteria, cands)
    v = s.verdicts.set_index("candidate_id")
    assert v.loc["a", "verdict"] == "pending" and v.loc["a", "manual"] == "I2"
    assert v.loc["b", "verdict"] == "ineligible" and v.loc["b", "first_failed"] == "I1"
    assert v.loc["c", "unknown"] == "I1"
    assert v.loc["d", "failed"] == "I1;E1"
    summ = screening_summary(s)
    assert summ["excluded_by_first_criterion"] == {"I1": 2}
    assert summ["failed_per_criterion"] == {"I1": 2, "E1": 1}
    assert len(s.details) == 12
    assert set(s.details["status"]) == {"met", "not_met", "unknown", "manual"}
    row = s.details.set_index(["candidate_id", "criterion"]).loc[("b", "I1")]
    assert (
        row["status"] == "not_met" and row["reason"] == "ECOG performance status 2: not one of 0, 1"
    )
    assert row["decided_by"] == "ecog in [0, 1]"
    assert (
        s.details.set_index(["candidate_id", "criterion"])
        .loc[("a", "I2"), "reason"]
        .startswith("needs review")
    )


def test_long_facts_latest_value():
    facts = pd.DataFrame(
        {
            "candidate_id": ["a", "a"],
            "fact": ["anc", "anc"],
            "value": [1.2, 1.8],
            "unit": ["10^9/L", "10^3/uL"],
            "date": ["2026-01-03", "2026-01-06"],
        }
    )
    w = facts_to_wide(facts)
    assert w.loc[0, "anc"] == 1.8 and w.loc[0, "anc_unit"] == "10^3/uL"


def test_regional_stations_ajcc8():
    s = pd.Series(["7", "2R", "supraclavicular", "axillary", "20", None])
    assert node_is_regional(s).tolist() == [True, True, False, False, True, pd.NA]


def test_oligometastasis_station_counts_as_one_lesion():
    # seed 004 Methods: <= 5 metastatic lesions in <= 3 organs; nodes of one non-regional station = 1 lesion
    les = pd.DataFrame(
        {
            "subject_id": ["s1"] * 6 + ["s2"] * 7,
            "lesion_id": [f"L{i}" for i in range(13)],
            "organ": [
                "esophagus",
                "lymph_node",
                "lymph_node",
                "lymph_node",
                "lung",
                "lung",
                "esophagus",
                "lung",
                "liver",
                "bone",
                "adrenal",
                "lung",
                "lymph_node",
            ],
            "is_lymph_node": [False, True, True, True, False, False] + [False] * 6 + [True],
            "site": [
                "primary",
                "distant_node",
                "distant_node",
                "regional_node",
                "distant_organ",
                "distant_organ",
            ]
            + ["primary"]
            + ["distant_organ"] * 5
            + ["distant_node"],
            "station": [None, "supraclavicular", "supraclavicular", "7", None, None]
            + [None] * 6
            + ["axillary"],
        }
    )
    c = count_metastatic_lesions(les).set_index("subject_id")
    assert (c.loc["s1", "n_lesions"], c.loc["s1", "n_organs"]) == (3, 2)
    assert (c.loc["s2", "n_lesions"], c.loc["s2", "n_organs"]) == (6, 5)
    o = is_oligometastatic(les).set_index("subject_id")["oligometastatic"]
    assert bool(o["s1"]) and not bool(o["s2"])


def test_progression_during_or_within_6_months_after_adjuvant_pd1():
    # seed 000: neoadjuvant/adjuvant PD-1 counts as first-line failure if progression occurs during or
    # within 6 months after completion
    rule = {
        "event": "progression",
        "relative_to": "adjuvant_pd1_end",
        "direction": "until",
        "within_days": 183,
    }

    def pt(prog):
        return frame(
            progression=True,
            progression_date=pd.Timestamp(prog),
            adjuvant_pd1_end_date=pd.Timestamp("2025-03-01"),
        )

    assert evaluate(rule, pt("2025-02-01"))[0] == 1  # during
    assert evaluate(rule, pt("2025-08-15"))[0] == 1  # 167 days after
    assert evaluate(rule, pt("2025-10-01"))[0] == 0  # 214 days after
    assert (
        evaluate(rule, frame(progression=True, progression_date=pd.Timestamp("2025-08-15")))[0]
        == -1
    )


def test_non_numeric_value_is_an_error_naming_column_and_row():
    rule = {"fact": "age", "op": ">=", "value": 18, "unit": "years"}
    with pytest.raises(ValueError, match=r"column 'age', row 2: value 'old' is not a number"):
        evaluate(
            rule, pd.DataFrame({"age": [40, "old"], "screening_date": pd.Timestamp("2026-01-10")})
        )


def test_stage_selects_randomization_criteria():
    # seed 003: "CR or PR after 4-6 cycles" is checked at randomization, not at registration
    crit = [
        {
            "id": "I1",
            "kind": "inclusion",
            "text": "",
            "manual": False,
            "rule": {"fact": "ecog", "in": [0, 1]},
        },
        {
            "id": "I8",
            "kind": "inclusion",
            "text": "",
            "manual": False,
            "stage": "randomization",
            "rule": {"fact": "induction_response", "in": ["CR", "PR"]},
        },
    ]
    cands = pd.DataFrame({"candidate_id": ["a"], "ecog": [0]})
    assert screen(crit, cands, stage="registration").verdicts.loc[0, "verdict"] == "eligible"
    assert screen(crit, cands, stage="randomization").verdicts.loc[0, "unknown"] == "I8"
