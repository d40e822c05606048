"""iRECIST (Seymour et al. 2017) sequences: confirmation of progression, reset after iUPD,
unconfirmed iUPD, confirmation by new lesions, and iBOR."""

import pandas as pd

from rtio.derive.irecist import irecist_best_overall_response, irecist_responses

D = pd.Timestamp


def _tp(subject, rows):
    return pd.DataFrame(
        [
            {
                "subject_id": subject,
                "assessment_date": D(date),
                "sum_diameters_mm": total,
                "non_target_response": nt,
                "new_lesions": new,
                "overall_response": resp,
            }
            for date, total, nt, new, resp in rows
        ]
    )


def test_iupd_confirmed_by_further_target_growth_is_icpd() -> None:
    tp = _tp(
        "A",
        [
            ("2024-02-01", 70, "NON-CR/NON-PD", "none", "PR"),
            ("2024-03-15", 90, "NON-CR/NON-PD", "none", "PD"),
            ("2024-04-26", 96, "NON-CR/NON-PD", "none", "PD"),
        ],
    )
    out = irecist_responses(tp)
    assert out["irecist_response"].tolist() == ["iPR", "iUPD", "iCPD"]


def test_growth_under_5_mm_leaves_iupd_unconfirmed() -> None:
    tp = _tp(
        "B",
        [
            ("2024-02-01", 80, "NON-CR/NON-PD", "none", "SD"),
            ("2024-03-15", 98, "NON-CR/NON-PD", "none", "PD"),
            ("2024-04-26", 101, "NON-CR/NON-PD", "none", "PD"),
        ],
    )
    assert irecist_responses(tp)["irecist_response"].tolist() == ["iSD", "iUPD", "iUPD"]


def test_response_after_iupd_resets_the_bar() -> None:
    tp = _tp(
        "C",
        [
            ("2024-02-01", 80, "NON-CR/NON-PD", "none", "SD"),
            ("2024-03-15", 98, "NON-CR/NON-PD", "none", "PD"),
            ("2024-04-26", 60, "NON-CR/NON-PD", "none", "PR"),
            ("2024-06-10", 80, "NON-CR/NON-PD", "none", "PD"),
            ("2024-07-20", 90, "NON-CR/NON-PD", "none", "PD"),
        ],
    )
    out = irecist_responses(tp)
    assert out["irecist_response"].tolist() == ["iSD", "iUPD", "iPR", "iUPD", "iCPD"]
    assert irecist_best_overall_response(out).loc[0, "ibor"] == "iPR"


def test_new_lesions_at_the_next_assessment_confirm() -> None:
    tp = _tp(
        "D",
        [
            ("2024-03-15", 98, "NON-CR/NON-PD", "none", "PD"),
            ("2024-04-26", 98, "NON-CR/NON-PD", "unequivocal", "PD"),
        ],
    )
    assert irecist_responses(tp)["irecist_response"].tolist() == ["iUPD", "iCPD"]


def test_confirmation_only_within_the_window() -> None:
    tp = _tp(
        "E",
        [
            ("2024-03-15", 98, "NON-CR/NON-PD", "none", "PD"),
            ("2024-06-26", 120, "NON-CR/NON-PD", "none", "PD"),
        ],
    )
    assert irecist_responses(tp, confirm_max_days=56)["irecist_response"].tolist() == [
        "iUPD",
        "iUPD",
    ]


def test_ibor_of_unconfirmed_progression_only() -> None:
    tp = _tp("F", [("2024-03-15", 98, "NON-CR/NON-PD", "none", "PD")])
    assert irecist_best_overall_response(irecist_responses(tp)).loc[0, "ibor"] == "iUPD"
