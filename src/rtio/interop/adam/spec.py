"""The ADaM datasets rtio writes: variables, labels (ADaMIG names, at most 8 characters; labels at
most 40), types, codelists and the origin of each variable."""

from __future__ import annotations

from rtio.interop.datasets import DatasetSpec, Kind, Variable
from rtio.vocabulary import DAYS_PER_MONTH

STANDARD = "ADaMIG 1.3"

_IDS = (
    Variable("STUDYID", "Study Identifier", origin="Predecessor: DM.STUDYID"),
    Variable("USUBJID", "Unique Subject Identifier", origin="Predecessor: DM.USUBJID"),
    Variable("SUBJID", "Subject Identifier for the Study", origin="subjects.subject_id"),
)


def _v(
    name: str,
    label: str,
    kind: Kind = "text",
    origin: str = "Derived",
    codelist: str | None = None,
    note: str = "",
) -> Variable:
    return Variable(name, label, kind, codelist, origin, note)


ADSL_VARIABLES = (
    *_IDS,
    _v("SITEID", "Study Site Identifier", origin="subjects.site"),
    _v("AGE", "Age", "integer", "subjects.age"),
    _v("AGEU", "Age Units", origin="Assigned"),
    _v("SEX", "Sex", origin="subjects.sex", codelist="SEX"),
    _v("ARM", "Description of Planned Arm", origin="subjects.arm"),
    _v("ARMCD", "Planned Arm Code", origin="Protocol arm id"),
    _v("TRT01P", "Planned Treatment for Period 01", origin="subjects.arm"),
    _v("TRT01A", "Actual Treatment for Period 01", origin="subjects.arm"),
    _v("RANDDT", "Date of Randomization", "date", "subjects.randomization_date"),
    _v(
        "TRTSDT",
        "Date of First Exposure to Treatment",
        "date",
        "subjects.start_date",
        note="Day 1 of study treatment (a cohort's index date).",
    ),
    _v(
        "TRTEDT",
        "Date of Last Exposure to Treatment",
        "date",
        note="Latest of exposures.date and radiotherapy.end_date.",
    ),
    _v("DTHDT", "Date of Death", "date", "subjects.death_date"),
    _v("DTHFL", "Subject Death Flag", codelist="NY"),
    _v("LSTALVDT", "Date Last Known Alive", "date", "subjects.last_known_alive_date"),
    _v("ECOGBL", "Baseline ECOG Performance Status", "integer", "subjects.ecog"),
    _v("STRATAR", "Stratum Used for Randomization", origin="subjects.stratum"),
)

POPULATION_FLAGS = {
    "itt": ("ITTFL", "Intent-To-Treat Population Flag"),
    "intention": ("ITTFL", "Intent-To-Treat Population Flag"),
    "safety": ("SAFFL", "Safety Population Flag"),
    "efficacy": ("EFFFL", "Efficacy Population Flag"),
    "evaluable": ("EFFFL", "Efficacy Population Flag"),
    "per_protocol": ("PPROTFL", "Per-Protocol Population Flag"),
}
"""Protocol population id (lower case, matched by its start) -> ADSL flag variable and label."""

ADRS = DatasetSpec(
    "ADRS",
    "Response Analysis Dataset",
    (
        *_IDS,
        _v("ASEQ", "Analysis Sequence Number", "integer"),
        _v("PARAMCD", "Parameter Code", codelist="ADRS.PARAMCD"),
        _v("PARAM", "Parameter"),
        _v("PARCAT1", "Parameter Category 1"),
        _v("PARCAT2", "Parameter Category 2"),
        _v("PARCAT3", "Parameter Category 3"),
        _v("AVALC", "Analysis Value (C)", codelist="AVALC"),
        _v("AVAL", "Analysis Value", "integer", codelist="AVAL"),
        _v("ADT", "Analysis Date", "date"),
        _v(
            "ADY",
            "Analysis Relative Day",
            "integer",
            note="ADT - TRTSDT + 1 on or after TRTSDT, else ADT - TRTSDT.",
        ),
        _v("VISIT", "Visit Name"),
        _v("ANL01FL", "Analysis Flag 01", codelist="NY"),
    ),
    ("STUDYID", "USUBJID", "PARAMCD", "ADT", "ASEQ"),
    "BDS: one record per subject per parameter per analysis date",
    STANDARD,
)

ADTTE = DatasetSpec(
    "ADTTE",
    "Time-to-Event Analysis Dataset",
    (
        *_IDS,
        _v("PARAMCD", "Parameter Code", codelist="ADTTE.PARAMCD"),
        _v("PARAM", "Parameter"),
        _v("STARTDT", "Time-to-Event Origin Date for Subject", "date"),
        _v("ADT", "Analysis Date", "date"),
        _v(
            "AVAL",
            "Analysis Value (days, ADT-STARTDT+1)",
            "float",
            note="ADT - STARTDT + 1 (the admiral convention: the start day is day 1).",
        ),
        _v(
            "AVALRTIO",
            "ADT-STARTDT in days (rtio aval_days)",
            "float",
            note=f"rtio's aval_days = ADT - STARTDT, one less than AVAL; what rtio's Kaplan-Meier uses. Months = AVALRTIO / {DAYS_PER_MONTH}.",
        ),
        _v("CNSR", "Censor", "integer", codelist="CNSR"),
        _v("EVNTDESC", "Event or Censoring Description"),
        _v("CNSDTDSC", "Censor Date Description"),
        _v("SRCDOM", "Source Data"),
        _v("SRCVAR", "Source Variable"),
        _v(
            "SRCSEQ",
            "Source Sequence Number",
            "integer",
            note="For ADRS: the ASEQ of the record whose ADT is this ADT.",
        ),
        _v(
            "ADTF",
            "Analysis Date Imputation Flag",
            note="ADaM --DTF of an imputed source date (D or M); empty when the date was complete.",
        ),
    ),
    ("STUDYID", "USUBJID", "PARAMCD"),
    "BDS-TTE: one record per subject per time-to-event parameter",
    STANDARD,
)

ADAE = DatasetSpec(
    "ADAE",
    "Adverse Events Analysis Dataset",
    (
        *_IDS,
        _v("AESEQ", "Sequence Number", "integer", "Predecessor: AE.AESEQ"),
        _v("AETERM", "Reported Term for the Adverse Event", origin="adverse_events.verbatim_term"),
        _v("AEDECOD", "Dictionary-Derived Term", origin="adverse_events.term (CTCAE term)"),
        _v("AEBODSYS", "Body System or Organ Class", origin="CTCAE system organ class"),
        _v("ASTDT", "Analysis Start Date", "date", "adverse_events.start_date"),
        _v("AENDT", "Analysis End Date", "date", "adverse_events.end_date"),
        _v("ASTDY", "Analysis Start Relative Day", "integer"),
        _v(
            "TRTEMFL",
            "Treatment Emergent Analysis Flag",
            codelist="NY",
            note="ASTDT from the first dose to the last dose + 30 days (immune-related: + 90 days); doses are drug administrations and radiotherapy fractions.",
        ),
        _v("ATOXGR", "Analysis Toxicity Grade", origin="adverse_events.grade", codelist="TOXGR"),
        _v("ATOXGRN", "Analysis Toxicity Grade (N)", "integer", "adverse_events.grade"),
        _v("AESER", "Serious Event", origin="adverse_events.serious", codelist="NY"),
        _v(
            "AREL", "Analysis Causality", origin="adverse_events.related_treatment", codelist="AREL"
        ),
        _v(
            "RTRELFL",
            "Radiotherapy-Related AE Flag",
            origin="adverse_events.related_radiotherapy",
            codelist="NY",
        ),
        _v(
            "IMMRELFL",
            "Immune-Related AE Flag",
            origin="adverse_events.immune_related",
            codelist="NY",
        ),
    ),
    ("STUDYID", "USUBJID", "AESEQ"),
    "OCCDS: one record per adverse event per subject",
    STANDARD,
)

ADLB = DatasetSpec(
    "ADLB",
    "Laboratory Analysis Dataset",
    (
        *_IDS,
        _v("ASEQ", "Analysis Sequence Number", "integer"),
        _v("PARAMCD", "Parameter Code"),
        _v("PARAM", "Parameter"),
        _v("AVAL", "Analysis Value", "float", "labs.value"),
        _v("LBSTRESU", "Standard Units", origin="labs.unit"),
        _v("ADT", "Analysis Date", "date", "labs.date"),
        _v("ADY", "Analysis Relative Day", "integer"),
        _v("ANRLO", "Analysis Normal Range Lower Limit", "float", "labs.lln"),
        _v("ANRHI", "Analysis Normal Range Upper Limit", "float", "labs.uln"),
        _v(
            "ABLFL",
            "Baseline Record Flag",
            codelist="NY",
            note="The last result of the test on or before TRTSDT.",
        ),
        _v("BASE", "Baseline Value", "float"),
        _v("ATOXDSCL", "Analysis Toxicity Description Low"),
        _v(
            "ATOXGRL",
            "Analysis Toxicity Grade Low",
            codelist="TOXGR0",
            note="CTCAE grade of the low-direction term (rtio.derive.ctcae.grade_labs); empty when not gradable.",
        ),
        _v("ATOXDSCH", "Analysis Toxicity Description High"),
        _v(
            "ATOXGRH",
            "Analysis Toxicity Grade High",
            codelist="TOXGR0",
            note="CTCAE grade of the high-direction term; empty when not gradable.",
        ),
        _v("BTOXGRL", "Baseline Toxicity Grade Low", codelist="TOXGR0"),
        _v("BTOXGRH", "Baseline Toxicity Grade High", codelist="TOXGR0"),
    ),
    ("STUDYID", "USUBJID", "PARAMCD", "ADT", "ASEQ"),
    "BDS: one record per subject per lab test per analysis date",
    STANDARD,
)

RESPONSE_CODES = {"CR": 1, "PR": 2, "SD": 3, "NON-CR/NON-PD": 4, "PD": 5, "NE": 6, "MISSING": 7}
"""ADRS AVAL of a response AVALC (as admiralonco's aval_resp); Y = 1, N = 0 for responder flags."""

CODELISTS = {
    "NY": {"Y": "Yes", "N": "No"},
    "SEX": {"M": "Male", "F": "Female"},
    "CNSR": {"0": "Event", "1": "Censored"},
    "AREL": {
        "RELATED": "Related to study treatment",
        "NOT RELATED": "Not related to study treatment",
    },
    "TOXGR": {str(g): f"CTCAE grade {g}" for g in range(1, 6)},
    "TOXGR0": {str(g): "No abnormality" if g == 0 else f"CTCAE grade {g}" for g in range(0, 5)},
    "AVALC": {**{k: k for k in RESPONSE_CODES}, "Y": "Yes", "N": "No"},
    "AVAL": {**{str(v): k for k, v in RESPONSE_CODES.items()}, "0": "N (responder flags)"},
    "ADRS.PARAMCD": {
        "OVR": "Overall response by visit (RECIST 1.1)",
        "BOR": "Best overall response, confirmation not required",
        "CBOR": "Best overall response, confirmed",
        "RSP": "Responder (BOR CR or PR)",
        "CRSP": "Confirmed responder (CBOR CR or PR)",
        "CB": "Clinical benefit (CBOR CR, PR, SD or NON-CR/NON-PD)",
    },
    "ADTTE.PARAMCD": {
        "OS": "Overall survival",
        "PFS": "Progression-free survival",
        "DOR": "Duration of response",
        "TTR": "Time to response",
    },
}
