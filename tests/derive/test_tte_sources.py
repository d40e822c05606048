"""Time-to-event parameters as declared sources (CDISC ADaM ADTTE SRCDOM / SRCVAR / SRCSEQ,
EVNTDESC / CNSDTDSC), built as pharmaverse admiral's ``derive_param_tte`` builds them from
``event_source`` / ``censor_source``: the earliest event wins, else the latest censoring record,
else the origin. Expected rows follow from those definitions and FDA 2018 Table A."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from rtio.derive.tte import (
    DEATH,
    LAST_ADEQUATE_ASSESSMENT,
    NEW_ANTICANCER_THERAPY,
    PROGRESSION,
    Condition,
    EventSource,
    derive_dor,
    derive_os,
    derive_param_tte,
    derive_pfs,
    derive_ttr,
)
from rtio.frames import impute_date_columns

T0 = pd.Timestamp("2024-01-01")


def _d(day: int) -> pd.Timestamp:
    return T0 + pd.Timedelta(days=day)


SUBJECTS = pd.DataFrame(
    {
        "subject_id": ["A", "B", "C", "D"],
        "start_date": [T0] * 4,
        "death_date": [pd.NaT, _d(100), pd.NaT, pd.NaT],
        "last_known_alive_date": [_d(300), _d(100), _d(250), pd.NaT],
    }
)
# rows 1-based: A1 A2 A3 B4 C5 C6 C7 D8
RESPONSES = pd.DataFrame(
    {
        "subject_id": ["A", "A", "A", "B", "C", "C", "C", "D"],
        "assessment_date": [_d(42), _d(84), _d(126), _d(42), _d(42), _d(84), _d(126), _d(-3)],
        "overall_response": ["PR", "PR", "PD", "SD", "CR", "CR", "NE", "SD"],
    }
)


def _by_subject(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("subject_id")


def test_every_pfs_row_names_the_record_its_date_came_from():
    pfs = _by_subject(derive_pfs(RESPONSES, SUBJECTS))
    cols = ["cnsr", "aval_days", "srcdom", "srcvar", "srcseq"]
    assert tuple(pfs.loc["A", cols]) == (0, 126, "ADRS", "assessment_date", 3.0)  # PD, row 3
    assert tuple(pfs.loc["B", cols[:4]]) == (0, 100, "ADSL", "death_date")  # death
    assert pd.isna(pfs.loc["B", "srcseq"])  # subject-level: no SRCSEQ (as admiral)
    assert tuple(pfs.loc["C", cols]) == (1, 84, "ADRS", "assessment_date", 6.0)  # last adequate
    assert tuple(pfs.loc["D", cols[:4]]) == (
        1,
        0,
        "ADSL",
        "start_date",
    )  # no assessment after day 1
    assert pfs.loc["A", "evntdesc"] == "Progressive disease (RECIST 1.1)"
    assert pfs.loc["B", "evntdesc"] == "Death" and pfs.loc["B", "cnsdtdsc"] == ""
    assert pfs.loc["C", "cnsdtdsc"] == "Last adequate tumour assessment"
    assert "censored at the start date" in pfs.loc["D", "cnsdtdsc"]
    assert (pfs["adtf"] == "").all()


def test_srcseq_counts_rows_as_given_even_when_a_cutoff_drops_some():
    pfs = _by_subject(derive_pfs(RESPONSES, SUBJECTS, data_cutoff=_d(100)))
    assert tuple(pfs.loc["A", ["cnsr", "aval_days", "srcseq"]]) == (1, 84, 2.0)


def test_os_dor_and_ttr_sources():
    os_ = _by_subject(derive_os(SUBJECTS))
    assert tuple(os_.loc["A", ["cnsr", "srcdom", "srcvar"]]) == (1, "ADSL", "last_known_alive_date")
    assert tuple(os_.loc["D", ["cnsr", "srcvar"]]) == (1, "start_date")
    bor = pd.DataFrame({"subject_id": ["A", "C"], "bor": ["PR", "CR"]})
    dor = _by_subject(derive_dor(RESPONSES, SUBJECTS, bor))
    assert tuple(dor.loc["A", ["start_date", "cnsr", "aval_days", "srcseq"]]) == (
        _d(42),
        0,
        84,
        3.0,
    )
    assert tuple(dor.loc["C", ["cnsr", "aval_days", "srcseq"]]) == (1, 42, 6.0)
    extra = pd.DataFrame(
        {"subject_id": ["C"], "assessment_date": [_d(42)], "overall_response": ["PR"]}
    )
    only_response = pd.concat([RESPONSES[RESPONSES["subject_id"] != "C"], extra])
    dor_c = _by_subject(derive_dor(only_response, SUBJECTS, bor)).loc["C"]
    # censored at the response date itself: the source is the first response record
    assert tuple(dor_c[["cnsr", "aval_days", "srcdom", "srcseq"]]) == (1, 0, "ADRS", 6.0)
    assert dor_c["cnsdtdsc"].startswith("No adequate assessment after the response")
    ttr = _by_subject(derive_ttr(RESPONSES, SUBJECTS, bor))
    assert tuple(ttr.loc["C", ["aval_days", "evntdesc", "srcseq"]]) == (
        42,
        "First response (CR or PR)",
        5.0,
    )


def test_keyword_options_are_the_declared_sources():
    events = pd.DataFrame(
        {"subject_id": ["A"], "kind": ["new_anticancer_therapy"], "date": [_d(100)]}
    )
    by_keyword = derive_pfs(RESPONSES, SUBJECTS, events=events, censor_new_therapy=True)
    declared = derive_param_tte(
        {"subjects": SUBJECTS, "responses": RESPONSES, "events": events},
        SUBJECTS[["subject_id", "start_date"]],
        paramcd="PFS",
        param="Progression-free survival",
        events=[PROGRESSION, DEATH],
        censors=[LAST_ADEQUATE_ASSESSMENT],
        observation_end=NEW_ANTICANCER_THERAPY,
    )
    pd.testing.assert_frame_equal(by_keyword, declared)
    a = _by_subject(declared).loc["A"]
    # FDA 2018 Table A: censored at the last adequate assessment before the new therapy
    assert tuple(a[["cnsr", "aval_days", "srcseq"]]) == (1, 84, 2.0)
    assert a["cnsdtdsc"].startswith("New anticancer therapy")


def test_a_new_source_is_declared_not_coded():
    # PFS counting clinical progression (events table) as an event, a common protocol variant
    events = pd.DataFrame(
        {
            "subject_id": ["C", "C"],
            "kind": ["surgery", "progression_clinical"],
            "date": [_d(60), _d(90)],
        }
    )
    clinical = EventSource(
        "events", "date", "Clinical progression", Condition("kind", ("progression_clinical",))
    )
    pfs = _by_subject(
        derive_param_tte(
            {"subjects": SUBJECTS, "responses": RESPONSES, "events": events},
            SUBJECTS[["subject_id", "start_date"]],
            paramcd="PFSCLIN",
            param="PFS including clinical progression",
            events=[PROGRESSION, clinical, DEATH],
            censors=[LAST_ADEQUATE_ASSESSMENT],
        )
    )
    c = pfs.loc["C"]
    assert tuple(c[["cnsr", "aval_days", "evntdesc", "srcdom", "srcvar", "srcseq"]]) == (
        0,
        90,
        "Clinical progression",
        "EVENTS",
        "date",
        2.0,
    )


def test_sources_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        PROGRESSION.date = "other"  # type: ignore[misc]


def test_imputed_dates_carry_their_flag_into_adtf():
    subjects = SUBJECTS.astype({"death_date": object})
    subjects.loc[1, "death_date"] = "2024-04"
    imputed = impute_date_columns(subjects, {"death_date": "first"}, name="subjects")
    pfs = _by_subject(derive_pfs(RESPONSES, imputed))
    assert tuple(pfs.loc["B", ["adt", "adtf", "srcvar"]]) == (
        pd.Timestamp("2024-04-01"),
        "D",
        "death_date",
    )
    assert pfs.loc["A", "adtf"] == ""
