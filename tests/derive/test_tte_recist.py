"""PFS / OS / DoR / TTR rows: RECIST 1.1 §4.5 definitions and FDA 2018 Table A censoring rules."""

from __future__ import annotations

import pandas as pd
import pytest

from rtio.derive.tte import derive_dor, derive_os, derive_pfs, derive_ttr

T0 = pd.Timestamp("2024-01-01")


def _d(day):
    return T0 + pd.Timedelta(days=day)


def _subj(death=None, alive=None):
    return pd.DataFrame(
        {
            "subject_id": ["S1"],
            "start_date": [T0],
            "death_date": [_d(death) if death is not None else pd.NaT],
            "last_known_alive_date": [_d(alive) if alive is not None else pd.NaT],
        }
    )


def _rs(seq):
    return pd.DataFrame(
        {
            "subject_id": "S1",
            "assessment_date": [_d(d) for d, _ in seq],
            "overall_response": [r for _, r in seq],
        }
    )


def _one(frame):
    assert len(frame) == 1
    return frame.iloc[0]


def test_fda2018_table_a_progression_is_event_at_pd_date():
    r = _one(derive_pfs(_rs([(42, "SD"), (84, "PD"), (126, "PD")]), _subj(death=200, alive=200)))
    assert (r["paramcd"], r["cnsr"], r["aval_days"]) == ("PFS", 0, 84)
    assert r["aval_months"] == pytest.approx(84 / 30.4375)
    assert r["evntdesc"] == "Progressive disease (RECIST 1.1)"


def test_fda2018_table_a_no_progression_censored_at_last_adequate_assessment():
    r = _one(derive_pfs(_rs([(42, "PR"), (84, "SD"), (126, "NE")]), _subj(alive=300)))
    assert (r["cnsr"], r["aval_days"]) == (1, 84)
    assert r["cnsdtdsc"] == "Last adequate tumour assessment"


def test_fda2018_table_a_no_post_baseline_assessment_censored_at_start():
    r = _one(derive_pfs(_rs([(-5, "SD")]), _subj(alive=30)))
    assert (r["cnsr"], r["aval_days"]) == (1, 0)
    assert "censored at the start date" in r["cnsdtdsc"]


def test_fda2018_table_a_death_before_first_assessment_is_event():
    r = _one(derive_pfs(_rs([]), _subj(death=20, alive=20)))
    assert (r["cnsr"], r["aval_days"], r["evntdesc"]) == (0, 20, "Death")


def test_fda2018_table_a_death_between_assessments_is_event():
    r = _one(derive_pfs(_rs([(42, "SD"), (84, "SD")]), _subj(death=100)))
    assert (r["cnsr"], r["aval_days"]) == (0, 100)


def test_fda2018_table_a_event_after_two_missed_assessments_censored():
    rs = _rs([(42, "SD"), (200, "PD")])
    r = _one(derive_pfs(rs, _subj(), missed_assessments=2, assessment_interval_days=42))
    assert (r["cnsr"], r["aval_days"]) == (1, 42)
    assert "missed" in r["cnsdtdsc"]
    r = _one(
        derive_pfs(
            _rs([(42, "SD"), (120, "PD")]),
            _subj(),
            missed_assessments=2,
            assessment_interval_days=42,
        )
    )
    assert (r["cnsr"], r["aval_days"]) == (0, 120)
    assert _one(derive_pfs(rs, _subj()))["cnsr"] == 0  # default: the event counts


def test_fda2018_table_a_new_anticancer_therapy_censored_at_last_assessment_before_it():
    rs = _rs([(42, "SD"), (84, "SD"), (126, "PD")])
    ev = pd.DataFrame({"subject_id": ["S1"], "kind": ["new_anticancer_therapy"], "date": [_d(100)]})
    r = _one(derive_pfs(rs, _subj(), events=ev, censor_new_therapy=True))
    assert (r["cnsr"], r["aval_days"]) == (1, 84)
    assert "New anticancer therapy" in r["cnsdtdsc"]
    assert _one(derive_pfs(rs, _subj(), events=ev))["cnsr"] == 0


def test_data_cutoff_ignores_later_events():
    rs = _rs([(42, "SD"), (84, "SD"), (126, "PD")])
    r = _one(derive_pfs(rs, _subj(death=150), data_cutoff=_d(100)))
    assert (r["cnsr"], r["aval_days"]) == (1, 84)


def test_os_death_event_and_censoring_at_last_known_alive_capped_at_cutoff():
    assert tuple(_one(derive_os(_subj(death=300, alive=300)))[["cnsr", "aval_days"]]) == (0, 300)
    assert tuple(_one(derive_os(_subj(alive=500), data_cutoff=_d(400)))[["cnsr", "aval_days"]]) == (
        1,
        400,
    )
    assert tuple(
        _one(derive_os(_subj(death=500, alive=500), data_cutoff=_d(400)))[["cnsr", "aval_days"]]
    ) == (1, 400)


def test_recist11_s4_5_dor_from_first_response_to_pd_or_death():
    rs = _rs([(42, "SD"), (84, "PR"), (126, "CR"), (168, "PD")])
    bor = pd.DataFrame({"subject_id": ["S1"], "bor": ["CR"]})
    r = _one(derive_dor(rs, _subj(), bor))
    assert (r["paramcd"], r["start_date"], r["cnsr"], r["aval_days"]) == ("DOR", _d(84), 0, 84)
    censored = _one(derive_dor(_rs([(42, "PR"), (84, "PR"), (126, "NE")]), _subj(), bor))
    assert (censored["cnsr"], censored["aval_days"]) == (1, 42)


def test_recist11_s4_5_dor_and_ttr_only_for_responders():
    rs = _rs([(42, "PR"), (84, "SD")])
    bor = pd.DataFrame({"subject_id": ["S1"], "bor": ["SD"]})  # PR not confirmed
    assert derive_dor(rs, _subj(), bor).empty
    assert derive_ttr(rs, _subj(), bor).empty
    r = _one(derive_ttr(rs, _subj(), pd.DataFrame({"subject_id": ["S1"], "bor": ["PR"]})))
    assert (r["aval_days"], r["cnsr"]) == (42, 0)
