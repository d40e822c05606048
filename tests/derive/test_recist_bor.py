"""Best overall response (RECIST 1.1 §4.4, Table 3) on hand-built timepoint responses."""

from __future__ import annotations

import pandas as pd
import pytest

from rtio.derive.recist import best_overall_response

START = pd.Timestamp("2024-01-01")


def _bor(seq, **kw):
    """seq: list of (study day, response)."""
    rs = pd.DataFrame(
        {
            "subject_id": "S1",
            "assessment_date": [START + pd.Timedelta(days=d) for d, _ in seq],
            "overall_response": [r for _, r in seq],
        }
    )
    subj = pd.DataFrame({"subject_id": ["S1"], "start_date": [START]})
    return best_overall_response(rs, subj, **kw).iloc[0]


# Table 3: first timepoint at day 42 (minimum SD duration met) or day 35 (not met), second 6 weeks later
@pytest.mark.parametrize(
    ("first", "second", "day1", "expected"),
    [
        ("CR", "CR", 42, "CR"),
        ("CR", "SD", 42, "SD"),
        ("CR", "PD", 42, "SD"),
        ("CR", "PD", 35, "PD"),
        ("CR", "NE", 42, "SD"),
        ("CR", "NE", 35, "NE"),
        ("PR", "CR", 42, "PR"),
        ("PR", "PR", 42, "PR"),
        ("PR", "SD", 42, "SD"),
        ("PR", "PD", 42, "SD"),
        ("PR", "PD", 35, "PD"),
        ("PR", "NE", 42, "SD"),
        ("PR", "NE", 35, "NE"),
        ("NE", "NE", 42, "NE"),
    ],
)
def test_recist11_table3_confirmed_bor(first, second, day1, expected):
    seq = [(day1, first), (day1 + 42, second)]
    assert _bor(seq, sd_min_days=42)["bor"] == expected


def test_recist11_table3_cr_then_pr_footnote_a_strict_is_pd():
    seq = [(42, "CR"), (84, "PR")]
    assert _bor(seq)["bor"] == "SD"  # CR not confirmed, PR not confirmable -> SD (min SD met)
    assert _bor(seq, cr_then_pr_is_pd=True)["bor"] == "SD"  # PD after SD minimum met -> SD
    early = [(35, "CR"), (77, "PR")]
    assert _bor(early, cr_then_pr_is_pd=True)["bor"] == "PD"
    assert _bor(early)["bor"] == "SD"


def test_recist11_s4_4_3_confirmation_needs_28_days():
    assert _bor([(42, "PR"), (69, "PR")])["bor"] == "SD"
    assert _bor([(42, "PR"), (70, "PR")])["bor"] == "PR"
    assert _bor([(42, "PR"), (69, "PR")], confirm_min_days=27)["bor"] == "PR"


def test_confirmation_max_ne_between():
    seq = [(42, "PR"), (63, "NE"), (84, "PR")]
    assert _bor(seq)["bor"] == "PR"
    assert _bor(seq, max_ne_between=0)["bor"] == "SD"
    two = [(42, "PR"), (56, "NE"), (70, "NE"), (84, "PR")]
    assert _bor(two)["bor"] == "SD"
    assert _bor(two, max_ne_between=2)["bor"] == "PR"


def test_confirmation_sd_between_prs_variant():
    seq = [(42, "PR"), (84, "SD"), (126, "PR")]
    assert _bor(seq)["bor"] == "SD"
    assert _bor(seq, accept_sd_between_pr=True)["bor"] == "PR"


def test_recist11_s4_4_1_response_date_is_first_met_not_confirmation():
    r = _bor([(42, "PR"), (84, "CR"), (126, "CR")])
    assert r["bor"] == "CR"
    assert r["bor_date"] == START + pd.Timedelta(days=84)
    r = _bor([(42, "PR"), (84, "PR")])
    assert r["bor_date"] == START + pd.Timedelta(days=42)


def test_recist11_s4_4_1_data_after_first_pd_ignored():
    assert _bor([(42, "PD"), (84, "PR"), (126, "PR")])["bor"] == "PD"


def test_recist11_s4_4_1_minimum_sd_duration_unconfirmed():
    assert _bor([(30, "SD"), (60, "PD")], confirm=False)["bor"] == "PD"
    assert _bor([(42, "SD"), (60, "PD")], confirm=False)["bor"] == "SD"
    assert _bor([(30, "PR"), (60, "PD")], confirm=False)["bor"] == "PR"
    assert _bor([(30, "SD"), (60, "NE")], confirm=False)["bor"] == "NE"


def test_recist11_table2_non_target_only_bor_is_non_cr_non_pd():
    assert _bor([(42, "NON-CR/NON-PD"), (84, "NON-CR/NON-PD")])["bor"] == "NON-CR/NON-PD"


def test_no_post_baseline_assessment_is_ne_with_reason():
    r = _bor([(-3, "SD")])
    assert r["bor"] == "NE"
    assert r["reason"] == "NE: no post-baseline assessment"


def test_bad_response_value_names_row():
    with pytest.raises(ValueError, match=r"responses: row 1, column overall_response"):
        _bor([(42, "PR"), (84, "iUPD")])


def test_numeric_subject_ids_are_read_as_text_and_every_subject_gets_a_row():
    # RECIST 1.1 §4.4.3: PR confirmed by PR 45 days later; SD at day 51 meets 42 days; subject 3
    # has no post-baseline assessment (NE)
    rs = pd.DataFrame(
        {
            "subject_id": [1, 1, 2],
            "assessment_date": ["2024-03-01", "2024-04-15", "2024-03-01"],
            "overall_response": ["PR", "PR", "SD"],
        }
    )
    subj = pd.DataFrame({"subject_id": [1, 2, 3], "start_date": ["2024-01-10"] * 3})
    out = best_overall_response(rs, subj)
    assert out["subject_id"].tolist() == ["1", "2", "3"]
    assert out["bor"].tolist() == ["PR", "SD", "NE"]
    assert out["reason"].iloc[2] == "NE: no post-baseline assessment"
