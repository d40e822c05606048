"""The one vocabulary: codes agree with the text values, and nothing else in src defines them."""

import re
from pathlib import Path

import pytest

from rtio import vocabulary as v
from rtio.io import schema

SRC = Path(__file__).resolve().parents[1] / "src" / "rtio"


def test_response_codes_rank_best_last_and_name_the_responses():
    # RECIST 1.1 §4.4: CR > PR > SD > NON-CR/NON-PD > PD > NE
    ranked = sorted((c for c in v.ResponseCode if c is not v.ResponseCode.NONE), reverse=True)
    assert [c.label for c in ranked] == ["CR", "PR", "SD", "NON-CR/NON-PD", "PD", "NE"]
    assert set(v.Response.values()) == {c.label for c in ranked}
    assert v.ResponseCode.labels()[v.ResponseCode.NONE] == "NONE"
    assert [v.IResponseCode(r).label for r in range(5, -1, -1)] == [
        "iCR",
        "iPR",
        "iSD",
        "iUPD",
        "iCPD",
        "NE",
    ]


def test_text_members_compare_equal_to_table_text():
    assert v.Response.NON_CR_NON_PD == "NON-CR/NON-PD"
    status = schema.SCHEMAS["measurements"].column("status").allowed
    responses = schema.SCHEMAS["responses"].column("overall_response").allowed
    assert v.MeasurementStatus.values() == status
    assert v.Response.values() == responses
    assert all(type(s) is str for s in responses)
    assert v.LesionRole.TARGET.code == 0 and v.LesionRole.NEW.code == 2


def test_units_and_windows():
    assert v.DAYS_PER_MONTH == v.DAYS_PER_YEAR / 12 == 30.4375
    assert v.months(365.25) == pytest.approx(12.0, abs=0)
    assert (v.SD_MIN_DAYS, v.CONFIRM_MIN_DAYS, v.BASELINE_WINDOW_DAYS) == (42, 28, 28)
    assert (v.TEAE_WINDOW_DAYS, v.TEAE_IMMUNE_WINDOW_DAYS) == (30, 90)


@pytest.mark.parametrize(
    "pattern",
    [
        r"30\.4375",
        r"sd_min_days: int = \d",
        r"confirm_min_days: int = \d",
        r"window_days: int = \d",
        r"\"NON-CR/NON-PD\", \"PD\"",
        r"\"unequivocal_progression\",\n",
    ],
)
def test_nothing_else_in_src_defines_the_vocabulary(pattern):
    offenders = [
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if path.name != "vocabulary.py" and re.search(pattern, path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
