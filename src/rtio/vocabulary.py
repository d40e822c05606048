"""rtio's one vocabulary: response categories, lesion roles, measurement statuses, CTCAE grades,
event and censoring descriptions, and the units and default windows every module reads.

Nothing else in rtio defines these values; study tables, derivations, analyses, the Methods text
and the documentation all take them from here. The text enums are :class:`enum.StrEnum`, so a
member compares equal to the text a study table holds (``Response.CR == "CR"``). Where the RECIST
hot path codes categories as small integers, the codes are the members' ``code`` (position in
declaration order) or the :class:`ResponseCode` values, never numbers written elsewhere.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

__all__ = [
    "BASELINE_WINDOW_DAYS",
    "CONFIRM_MIN_DAYS",
    "DAYS_PER_MONTH",
    "DAYS_PER_WEEK",
    "DAYS_PER_YEAR",
    "DISEASE_CONTROL",
    "IRECIST_CONFIRM_MAX_DAYS",
    "OBJECTIVE_RESPONSE",
    "SD_MIN_DAYS",
    "TEAE_IMMUNE_WINDOW_DAYS",
    "TEAE_WINDOW_DAYS",
    "CensorDescription",
    "CtcaeGrade",
    "EventDescription",
    "IResponse",
    "IResponseCode",
    "LesionRole",
    "MeasurementStatus",
    "NewLesions",
    "Response",
    "ResponseCode",
    "months",
]


class _Vocabulary(StrEnum):
    """A closed list of text values with a position code."""

    @property
    def code(self) -> int:
        """Position of the member in declaration order (the integer code of the hot paths)."""
        return list(type(self)).index(self)

    @classmethod
    def values(cls) -> tuple[str, ...]:
        """The values as plain text, in declaration order."""
        return tuple(str(member.value) for member in cls)


# ---- units -------------------------------------------------------------------------------------

DAYS_PER_MONTH = 30.4375
"""Days in a month for durations reported in months (365.25 / 12)."""
DAYS_PER_YEAR = 365.25
"""Days in a year (Julian year)."""
DAYS_PER_WEEK = 7.0
"""Days in a week."""


def months(days: float) -> float:
    """Days as months (days / :data:`DAYS_PER_MONTH`)."""
    return days / DAYS_PER_MONTH


# ---- default windows ---------------------------------------------------------------------------

SD_MIN_DAYS = 42
"""Minimum duration of SD from day 1 for it to count as best response (RECIST 1.1 §4.4.1; a
protocol sets its own, typically 6-8 weeks)."""
CONFIRM_MIN_DAYS = 28
"""Minimum gap between a CR / PR and the assessment confirming it (RECIST 1.1 §4.4.3: ≥ 4 weeks)."""
BASELINE_WINDOW_DAYS = 28
"""Imaging baseline window: the baseline scan is at most this many days before day 1 (RECIST 1.1
§3.2: "as close as possible ... and never more than 4 weeks before")."""
IRECIST_CONFIRM_MAX_DAYS = 56
"""iRECIST: an iUPD is confirmed at the next assessment 4-8 weeks later (Seymour 2017)."""
TEAE_WINDOW_DAYS = 30
"""Treatment-emergent window: AEs starting up to this many days after the last dose."""
TEAE_IMMUNE_WINDOW_DAYS = 90
"""Treatment-emergent window for immune-related AEs (days after the last dose)."""


# ---- tumour response ---------------------------------------------------------------------------


class Response(_Vocabulary):
    """RECIST 1.1 timepoint and best overall responses (Eisenhauer 2009, Tables 1-3)."""

    CR = "CR"
    PR = "PR"
    SD = "SD"
    NON_CR_NON_PD = "NON-CR/NON-PD"
    PD = "PD"
    NE = "NE"


class ResponseCode(IntEnum):
    """Integer codes of the RECIST 1.1 responses, ordered by rank: a best overall response is the
    highest code (CR > PR > SD > NON-CR/NON-PD > PD > NE). ``NONE`` (no lesion of that kind, for
    the target and non-target responses) is not a response and is never ranked."""

    NE = 0
    PD = 1
    NON_CR_NON_PD = 2
    SD = 3
    PR = 4
    CR = 5
    NONE = 6

    @property
    def label(self) -> str:
        """The response's text (``"NONE"`` for no lesion of that kind)."""
        return "NONE" if self is ResponseCode.NONE else str(Response[self.name].value)

    @classmethod
    def labels(cls) -> tuple[str, ...]:
        """Text of every code, indexed by code (``labels()[code]``)."""
        return tuple(member.label for member in cls)


OBJECTIVE_RESPONSE: tuple[str, ...] = (Response.CR.value, Response.PR.value)
"""Best responses counted as objective response (RECIST 1.1 §4.5)."""
DISEASE_CONTROL: tuple[str, ...] = (
    *OBJECTIVE_RESPONSE,
    Response.SD.value,
    Response.NON_CR_NON_PD.value,
)
"""Best responses counted as disease control."""


class IResponse(_Vocabulary):
    """iRECIST timepoint responses (Seymour 2017, Lancet Oncol 18:e143, Table 2)."""

    ICR = "iCR"
    IPR = "iPR"
    ISD = "iSD"
    IUPD = "iUPD"
    ICPD = "iCPD"
    NE = "NE"


class IResponseCode(IntEnum):
    """Integer rank of the iRECIST responses: iBOR is the highest (iCR > iPR > iSD > iUPD > iCPD
    > NE)."""

    NE = 0
    ICPD = 1
    IUPD = 2
    ISD = 3
    IPR = 4
    ICR = 5

    @property
    def label(self) -> str:
        """The response's text."""
        return str(IResponse[self.name].value)


class NewLesions(_Vocabulary):
    """New-lesion finding at a timepoint (RECIST 1.1 §4.3.4)."""

    NONE = "none"
    EQUIVOCAL = "equivocal"
    UNEQUIVOCAL = "unequivocal"


class LesionRole(_Vocabulary):
    """Role of a lesion (``lesions.role``)."""

    TARGET = "target"
    NON_TARGET = "non_target"
    NEW = "new"


class MeasurementStatus(_Vocabulary):
    """Status of a lesion at an assessment (``measurements.status``)."""

    PRESENT = "present"
    ABSENT = "absent"
    UNEQUIVOCAL_PROGRESSION = "unequivocal_progression"
    EQUIVOCAL = "equivocal"
    NOT_EVALUATED = "not_evaluated"
    TOO_SMALL_TO_MEASURE = "too_small_to_measure"


# ---- toxicity ----------------------------------------------------------------------------------


class CtcaeGrade(IntEnum):
    """CTCAE grades (v5.0); 0 = no abnormality for the term (lab grading)."""

    NORMAL = 0
    MILD = 1
    MODERATE = 2
    SEVERE = 3
    LIFE_THREATENING = 4
    DEATH = 5


# ---- time to event -----------------------------------------------------------------------------


class EventDescription(StrEnum):
    """ADTTE ``EVNTDESC``: what the event of a time-to-event row was."""

    PROGRESSION = "Progressive disease (RECIST 1.1)"
    DEATH = "Death"
    FIRST_RESPONSE = "First response (CR or PR)"


class CensorDescription(StrEnum):
    """ADTTE ``CNSDTDSC``: why and where a time-to-event row was censored (FDA 2018, Table A)."""

    LAST_ADEQUATE_ASSESSMENT = "Last adequate tumour assessment"
    NO_ADEQUATE_ASSESSMENT = (
        "No adequate post-baseline assessment: censored at the start date (FDA 2018 Table A)"
    )
    NO_ASSESSMENT_AFTER_RESPONSE = (
        "No adequate assessment after the response: censored at the response date"
    )
    NEW_ANTICANCER_THERAPY = (
        "New anticancer therapy: censored at the last adequate assessment before it (FDA 2018 "
        "Table A)"
    )
    MISSED_ASSESSMENTS = (
        "Event after {missed} or more missed assessments: censored at the last adequate "
        "assessment (FDA 2018 Table A)"
    )
    LAST_KNOWN_ALIVE = "Last known alive date"
    NO_FOLLOW_UP = "No follow-up after the start date: censored at the start date"
