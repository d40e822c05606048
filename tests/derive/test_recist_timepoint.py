"""RECIST 1.1 timepoint response (Eisenhauer 2009 §4.3, Tables 1-2) on hand-built lesion data.

Expected categories come from the rules and tables of the RECIST 1.1 paper and the EORTC RECIST
clarifications, not from rtio output.
"""

from __future__ import annotations

import pandas as pd
import pytest

from rtio.derive.recist import check_baseline, timepoint_responses

START = "2024-01-10"
BASE = "2024-01-05"
FU1 = "2024-02-20"
FU2 = "2024-04-02"


def _study(targets, non_targets=(), new=(), scans=(), start=START):
    """targets/non_targets/new: lesion ids (nodes end with 'N'); scans: (date, lesion, mm, status)."""
    les = [
        {
            "subject_id": "S1",
            "lesion_id": lid,
            "role": role,
            "organ": organ,
            "is_lymph_node": lid.endswith("N"),
        }
        for role, ids in (("target", targets), ("non_target", non_targets), ("new", new))
        for lid, organ in ((x, "liver" if i % 2 else "lung") for i, x in enumerate(ids))
    ]
    meas = [
        {
            "subject_id": "S1",
            "lesion_id": lid,
            "assessment_date": d,
            "diameter_mm": mm,
            "status": st,
        }
        for d, lid, mm, st in scans
    ]
    subj = pd.DataFrame({"subject_id": ["S1"], "start_date": [start]})
    return pd.DataFrame(les), pd.DataFrame(meas), subj


def _tp(targets, non_targets, new, scans):
    les, meas, subj = _study(targets, non_targets, new, scans)
    return timepoint_responses(les, meas, subj)


def _target_scans(base, fu):
    out = [(BASE, f"T{i}", v, "present") for i, v in enumerate(base)]
    out += [
        (FU1, f"T{i}", v, "absent" if v == 0 else "present")
        for i, v in enumerate(fu)
        if v is not None
    ]
    return out


# ---- target lesion boundaries (§4.3.1-4.3.2), decided exactly -----------------------------------


@pytest.mark.parametrize(
    ("base", "fu", "expected"),
    [
        ([10.1], [7.07], "PR"),  # exactly -30 %: float gives -29.999999999999993 %
        ([10.1], [7.08], "SD"),
        ([50.5, 20.0], [29.35, 20.0], "PR"),  # 49.35 / 70.5 = 0.70 exactly
        ([25.0], [30.0], "PD"),  # exactly +20 % and exactly +5 mm
        ([24.9], [29.88], "SD"),  # exactly +20 % but only +4.98 mm
        ([10.0], [14.9], "SD"),  # +49 % but +4.9 mm: both conditions are required
        ([30.0], [35.99], "SD"),  # +5.99 mm but +19.97 %
        ([0.3 * 100], [0.7 * 30], "PR"),  # 30 -> 21: float 0.7*30 = 20.999999999999996
    ],
)
def test_recist11_s4_3_1_target_boundaries_inclusive_and_exact(base, fu, expected):
    scans = _target_scans(base, fu)
    tp = _tp([f"T{i}" for i in range(len(base))], (), (), scans)
    assert tp["target_response"].tolist() == [expected]


def test_recist11_s4_3_1_pd_from_nadir_takes_precedence_over_pr():
    scans = [
        (BASE, "T0", 100.0, "present"),
        (FU1, "T0", 20.0, "present"),
        (FU2, "T0", 30.0, "present"),
    ]
    tp = _tp(["T0"], (), (), scans)
    assert tp["target_response"].tolist() == ["PR", "PD"]
    assert tp["nadir_mm"].tolist() == [100.0, 20.0]
    assert tp["pct_from_baseline"].iloc[1] == pytest.approx(-70.0)
    assert tp["pct_from_nadir"].iloc[1] == pytest.approx(50.0)
    assert "+50.00 % and +10.00 mm vs nadir 20.00 mm" in tp["reason"].iloc[1]


def test_recist11_s4_3_1_sd_is_judged_against_baseline_not_nadir():
    # 100 -> 60 (PR) -> 75: +25 % and +15 mm vs nadir 60 -> PD; 100 -> 60 -> 71: +18 % -> SD (-29 %)
    scans = [
        (BASE, "T0", 100.0, "present"),
        (FU1, "T0", 60.0, "present"),
        (FU2, "T0", 71.0, "present"),
    ]
    assert _tp(["T0"], (), (), scans)["target_response"].tolist() == ["PR", "SD"]


def test_recist11_s4_3_1_target_cr_nodes_below_10mm_with_positive_sum():
    scans = [
        (BASE, "T0", 22.0, "present"),
        (BASE, "T1N", 18.0, "present"),
        (FU1, "T0", None, "absent"),
        (FU1, "T1N", 9.0, "present"),
    ]
    tp = _tp(["T0", "T1N"], (), (), scans)
    assert tp["target_response"].tolist() == ["CR"]
    assert tp["sum_diameters_mm"].tolist() == [9.0]


def test_recist11_s4_3_1_node_at_10mm_is_not_cr():
    scans = [(BASE, "T0N", 20.0, "present"), (FU1, "T0N", 10.0, "present")]
    assert _tp(["T0N"], (), (), scans)["target_response"].tolist() == ["PR"]


def test_recist11_appendix_i_too_small_to_measure_counts_5mm():
    scans = [(BASE, "T0", 20.0, "present"), (FU1, "T0", None, "too_small_to_measure")]
    tp = _tp(["T0"], (), (), scans)
    assert tp["sum_diameters_mm"].tolist() == [5.0]
    assert tp["target_response"].tolist() == ["PR"]


# ---- missing target lesions (§4.3.2 / EORTC: NE unless the measured ones prove PD) -------------


def test_recist11_missing_target_gives_ne():
    scans = [
        (BASE, "T0", 20.0, "present"),
        (BASE, "T1", 20.0, "present"),
        (FU1, "T0", 10.0, "present"),
        (FU1, "T1", None, "not_evaluated"),
    ]
    tp = _tp(["T0", "T1"], (), (), scans)
    assert tp["target_response"].tolist() == ["NE"]
    assert tp["overall_response"].tolist() == ["NE"]


def test_recist11_missing_target_but_measured_lesions_prove_pd():
    # EORTC example: baseline sum 50 mm over 3 lesions; 2 measured lesions already sum 80 mm -> PD
    scans = [
        (BASE, "T0", 20.0, "present"),
        (BASE, "T1", 20.0, "present"),
        (BASE, "T2", 10.0, "present"),
    ]
    scans += [(FU1, "T0", 40.0, "present"), (FU1, "T1", 40.0, "present")]
    tp = _tp(["T0", "T1", "T2"], (), (), scans)
    assert tp["target_response"].tolist() == ["PD"]
    assert tp["overall_response"].tolist() == ["PD"]


def test_recist11_incomplete_timepoint_not_used_as_nadir():
    scans = [(BASE, "T0", 50.0, "present"), (BASE, "T1", 50.0, "present")]
    scans += [(FU1, "T0", 10.0, "present")]  # T1 not scanned: NE, its partial sum is no nadir
    scans += [(FU2, "T0", 40.0, "present"), (FU2, "T1", 30.0, "present")]
    tp = _tp(["T0", "T1"], (), (), scans)
    assert tp["target_response"].tolist() == ["NE", "PR"]
    assert tp["nadir_mm"].tolist() == [100.0, 100.0]


# ---- Table 1: target (± non-target) disease ----------------------------------------------------


def _table1(target_fu, nt_status, new_status):
    scans = [(BASE, "T0", 40.0, "present"), (BASE, "T1", 40.0, "present")]
    fu = {
        "CR": (0, 0),
        "PR": (20.0, 20.0),
        "SD": (40.0, 40.0),
        "PD": (60.0, 40.0),
        "NE": (40.0, None),
    }
    for lid, v in zip(("T0", "T1"), fu[target_fu], strict=True):
        if v is None:
            scans.append((FU1, lid, None, "not_evaluated"))
        else:
            scans.append((FU1, lid, None if v == 0 else v, "absent" if v == 0 else "present"))
    nts = ()
    if nt_status is not None:
        nts = ("NT0",)
        scans.append((BASE, "NT0", None, "present"))
        scans.append((FU1, "NT0", None, nt_status))
    news = ()
    if new_status is not None:
        news = ("X0",)
        scans.append((FU1, "X0", None, new_status))
    return _tp(["T0", "T1"], nts, news, scans)


@pytest.mark.parametrize(
    ("target", "nt", "new", "expected"),
    [
        ("CR", "absent", None, "CR"),
        ("CR", None, None, "CR"),  # no non-target disease at baseline
        ("CR", "present", None, "PR"),  # CR + non-CR/non-PD
        ("CR", "not_evaluated", None, "PR"),  # CR + non-target not evaluated
        ("PR", "present", None, "PR"),
        ("PR", "not_evaluated", None, "PR"),
        ("SD", "present", None, "SD"),
        ("SD", "not_evaluated", None, "SD"),
        ("NE", "present", None, "NE"),
        ("PD", "present", None, "PD"),
        ("SD", "unequivocal_progression", None, "PD"),
        ("CR", "absent", "present", "PD"),
        ("PR", "present", "equivocal", "PR"),  # equivocal new lesion is not PD (§4.3.4)
    ],
)
def test_recist11_table1_overall_response(target, nt, new, expected):
    tp = _table1(target, nt, new)
    assert tp["target_response"].tolist() == [target]
    assert tp["overall_response"].tolist() == [expected]


# ---- Table 2: non-target disease only ------------------------------------------------------------


@pytest.mark.parametrize(
    ("nt", "new", "expected"),
    [
        ("absent", None, "CR"),
        ("present", None, "NON-CR/NON-PD"),
        ("not_evaluated", None, "NE"),
        ("unequivocal_progression", None, "PD"),
        ("present", "present", "PD"),
    ],
)
def test_recist11_table2_non_target_only(nt, new, expected):
    scans = [(BASE, "NT0", None, "present"), (FU1, "NT0", None, nt)]
    news = ()
    if new:
        news = ("X0",)
        scans.append((FU1, "X0", None, new))
    tp = _tp([], ("NT0",), news, scans)
    assert tp["overall_response"].tolist() == [expected]
    assert tp["target_response"].tolist() == ["NONE"]


# ---- new lesions (§4.3.4) and dates ---------------------------------------------------------------


def test_recist11_s4_3_4_equivocal_new_lesion_confirmed_dates_pd_back():
    scans = [
        (BASE, "T0", 30.0, "present"),
        (FU1, "T0", 30.0, "present"),
        (FU1, "X0", None, "equivocal"),
    ]
    scans += [(FU2, "T0", 30.0, "present"), (FU2, "X0", None, "present")]
    tp = _tp(["T0"], (), ("X0",), scans)
    assert tp["overall_response"].tolist() == ["PD", "PD"]
    assert tp["assessment_date"].iloc[0] == pd.Timestamp(FU1)
    assert "confirmed at a later scan" in tp["reason"].iloc[0]


def test_recist11_equivocal_new_lesion_never_confirmed_is_not_pd():
    scans = [
        (BASE, "T0", 30.0, "present"),
        (FU1, "T0", 30.0, "present"),
        (FU1, "X0", None, "equivocal"),
    ]
    scans += [(FU2, "T0", 30.0, "present"), (FU2, "X0", None, "absent")]
    tp = _tp(["T0"], (), ("X0",), scans)
    assert tp["overall_response"].tolist() == ["SD", "SD"]


def test_timepoint_groups_scans_by_visit_pd_date_is_first_scan_showing_progression():
    les, meas, subj = _study(
        ["T0", "T1"],
        (),
        ("X0",),
        [
            (BASE, "T0", 30.0, "present"),
            (BASE, "T1", 30.0, "present"),
            ("2024-02-20", "T0", 30.0, "present"),
            ("2024-02-23", "T1", 30.0, "present"),
            ("2024-04-01", "X0", None, "present"),
            ("2024-04-03", "T0", 30.0, "present"),
            ("2024-04-05", "T1", 30.0, "present"),
        ],
    )
    meas["visit"] = ["BL", "BL", "W6", "W6", "W12", "W12", "W12"]
    tp = timepoint_responses(les, meas, subj)
    assert tp["visit"].tolist() == ["W6", "W12"]
    assert tp["assessment_date"].tolist() == [
        pd.Timestamp("2024-02-23"),
        pd.Timestamp("2024-04-01"),
    ]
    assert tp["overall_response"].tolist() == ["SD", "PD"]


# ---- baseline (§3.2-3.3) ---------------------------------------------------------------------------


def test_recist11_s3_2_no_baseline_within_window_gives_ne():
    les, meas, subj = _study(
        ["T0"], (), (), [("2023-11-01", "T0", 30.0, "present"), (FU1, "T0", 10.0, "present")]
    )
    tp = timepoint_responses(les, meas, subj, baseline_window_days=14)
    assert tp["overall_response"].tolist() == ["NE"]
    assert "no baseline" in tp["reason"].iloc[0]


def test_recist11_s3_3_baseline_checks_counts_sizes_and_irradiation():
    ids = ["T0", "T1", "T2", "T3", "T4", "T5N"]
    les, meas, subj = _study(ids, (), (), [(BASE, x, 12.0, "present") for x in ids])
    les["organ"] = ["liver", "liver", "liver", "lung", "bone", "node"]
    rt = pd.DataFrame({"subject_id": ["S1"], "target": ["T3;T4"], "start_date": ["2023-12-20"]})
    out = check_baseline(les, meas, subj, rt)
    issues = out["issues"].iloc[0]
    assert "6 target lesions" in issues
    assert "3 targets in liver" in issues
    assert "target T5N 12.0 mm below 15 mm short axis" in issues
    assert "target T3 irradiated before baseline" in issues
    assert "T0 12.0 mm" not in issues


def test_bad_status_names_file_row_and_column():
    les, meas, subj = _study(["T0"], (), (), [(BASE, "T0", 30.0, "gone")])
    with pytest.raises(ValueError, match=r"measurements: row 0, column status"):
        timepoint_responses(les, meas, subj)


def test_unknown_lesion_names_row():
    les, meas, subj = _study(["T0"], (), (), [(BASE, "T9", 30.0, "present")])
    with pytest.raises(ValueError, match=r"measurements: row 0, column lesion_id: 'T9'"):
        timepoint_responses(les, meas, subj)


def test_text_diameter_names_row_instead_of_becoming_missing():
    scans = [(BASE, "T0", 30.0, "present"), (FU1, "T0", "3O", "present")]
    les, meas, subj = _study(["T0"], (), (), scans)
    with pytest.raises(ValueError, match=r"measurements: row 1, column diameter_mm: not a number"):
        timepoint_responses(les, meas, subj)


def test_missing_lesion_id_names_row():
    les, meas, subj = _study(["T0"], (), (), [(BASE, "T0", 30.0, "present")])
    meas.loc[0, "lesion_id"] = None
    with pytest.raises(ValueError, match=r"measurements: row 0, column lesion_id: missing"):
        timepoint_responses(les, meas, subj)


def test_same_lesion_twice_at_one_visit_names_row():
    scans = [(BASE, "T0", 30.0, "present"), (FU1, "T0", 20.0, "present")]
    les, meas, subj = _study(["T0"], (), (), scans)
    meas["visit"] = ["BL", "BL"]
    with pytest.raises(ValueError, match=r"measurements: row 1: lesion 'T0' measured twice"):
        timepoint_responses(les, meas, subj)


def test_baseline_only_gives_no_timepoints_and_ne_bor():
    les, meas, subj = _study(["T0"], (), (), [(BASE, "T0", 30.0, "present")])
    tp = timepoint_responses(les, meas, subj)
    assert tp.empty and "reason" in tp.columns
    from rtio.derive.recist import best_overall_response

    bor = best_overall_response(tp, subj)
    assert bor["bor"].tolist() == ["NE"]
    assert bor["reason"].iloc[0] == "NE: no post-baseline assessment"


def test_eortc_clarification_pr_persistence_100_70_70_80_80():
    days = ["2024-02-20", "2024-04-02", "2024-05-14", "2024-06-25"]
    scans = [(BASE, "T0", 100.0, "present")] + [
        (d, "T0", v, "present") for d, v in zip(days, (70.0, 70.0, 80.0, 80.0), strict=True)
    ]
    les, meas, subj = _study(["T0"], (), (), scans)
    strict = timepoint_responses(les, meas, subj)
    assert strict["overall_response"].tolist() == ["PR", "PR", "SD", "SD"]
    eortc = timepoint_responses(les, meas, subj, pr_persistence=True)
    assert eortc["overall_response"].tolist() == ["PR", "PR", "PR", "PR"]
    # a single unconfirmed PR does not persist
    les, meas, subj = _study(["T0"], (), (), [*scans[:2], (days[1], "T0", 80.0, "present")])
    assert timepoint_responses(les, meas, subj, pr_persistence=True)[
        "overall_response"
    ].tolist() == [
        "PR",
        "SD",
    ]


def test_qc_listing_lists_every_disagreement_between_derived_and_reported():
    from rtio.derive.recist import response_disagreements

    derived = pd.DataFrame(
        {
            "subject_id": ["S1", "S1", "S1"],
            "assessment_date": ["2024-02-20", "2024-04-02", "2024-05-14"],
            "overall_response": ["PR", "SD", "PD"],
        }
    )
    reported = pd.DataFrame(
        {
            "subject_id": ["S1", "S1", "S1"],
            "assessment_date": ["2024-02-20", "2024-04-02", "2024-06-01"],
            "overall_response": ["PR", "PR", "PD"],
            "assessor": "investigator",
        }
    )
    qc = response_disagreements(derived, reported)
    assert qc["issue"].tolist() == [
        "responses differ",
        "derived only (no reported response at this date)",
        "reported only (no scans derive it)",
    ]
    assert qc["overall_response_reported"].iloc[0] == "PR"
