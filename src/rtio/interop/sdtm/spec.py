"""The SDTM datasets rtio writes: variables, SDTMIG labels, types and keys (SDTMIG v3.4 names).

Only the variables rtio fills are declared; each dataset's order follows the SDTMIG's (identifiers,
topic, qualifiers, timing).
"""

from __future__ import annotations

from rtio.interop.datasets import DatasetSpec, Kind, Variable

STANDARD = "SDTMIG 3.4"

_COMMON = {
    "STUDYID": "Study Identifier",
    "DOMAIN": "Domain Abbreviation",
    "USUBJID": "Unique Subject Identifier",
    "SUBJID": "Subject Identifier for the Study",
    "SITEID": "Study Site Identifier",
    "VISITNUM": "Visit Number",
    "VISIT": "Visit Name",
}


def _spec(
    name: str,
    label: str,
    variables: list[tuple[str, str, Kind] | str],
    keys: tuple[str, ...],
    structure: str,
) -> DatasetSpec:
    declared = []
    for item in variables:
        if isinstance(item, str):
            declared.append(Variable(item, _COMMON[item], "text", origin="Assigned"))
        else:
            var, var_label, kind = item
            declared.append(Variable(var, var_label, kind, origin="Collected"))
    return DatasetSpec(name, label, tuple(declared), keys, structure, STANDARD)


def _seq(domain: str) -> tuple[str, str, Kind]:
    return (f"{domain}SEQ", "Sequence Number", "integer")


DM = _spec(
    "DM",
    "Demographics",
    [
        "STUDYID",
        "DOMAIN",
        "USUBJID",
        "SUBJID",
        ("RFSTDTC", "Subject Reference Start Date/Time", "dtc"),
        ("RFENDTC", "Subject Reference End Date/Time", "dtc"),
        ("RFXSTDTC", "Date/Time of First Study Treatment", "dtc"),
        ("RFXENDTC", "Date/Time of Last Study Treatment", "dtc"),
        ("RFICDTC", "Date/Time of Informed Consent", "dtc"),
        ("RFPENDTC", "Date/Time of End of Participation", "dtc"),
        ("DTHDTC", "Date/Time of Death", "dtc"),
        ("DTHFL", "Subject Death Flag", "text"),
        "SITEID",
        ("AGE", "Age", "integer"),
        ("AGEU", "Age Units", "text"),
        ("SEX", "Sex", "text"),
        ("ARMCD", "Planned Arm Code", "text"),
        ("ARM", "Description of Planned Arm", "text"),
        ("ACTARMCD", "Actual Arm Code", "text"),
        ("ACTARM", "Description of Actual Arm", "text"),
    ],
    ("STUDYID", "USUBJID"),
    "One record per subject",
)

DS = _spec(
    "DS",
    "Disposition",
    [
        "STUDYID",
        "DOMAIN",
        "USUBJID",
        _seq("DS"),
        ("DSTERM", "Reported Term for the Disposition Event", "text"),
        ("DSDECOD", "Standardized Disposition Term", "text"),
        ("DSCAT", "Category for Disposition Event", "text"),
        ("DSSCAT", "Subcategory for Disposition Event", "text"),
        ("DSSTDTC", "Start Date/Time of Disposition Event", "dtc"),
    ],
    ("STUDYID", "USUBJID", "DSSEQ"),
    "One record per disposition status or protocol milestone per subject",
)

EX = _spec(
    "EX",
    "Exposure",
    [
        "STUDYID",
        "DOMAIN",
        "USUBJID",
        _seq("EX"),
        ("EXTRT", "Name of Treatment", "text"),
        ("EXDOSE", "Dose", "float"),
        ("EXDOSU", "Dose Units", "text"),
        "VISIT",
        ("EXSTDTC", "Start Date/Time of Treatment", "dtc"),
        ("EXENDTC", "End Date/Time of Treatment", "dtc"),
    ],
    ("STUDYID", "USUBJID", "EXSEQ"),
    "One record per constant-dosing interval per subject",
)

AE = _spec(
    "AE",
    "Adverse Events",
    [
        "STUDYID",
        "DOMAIN",
        "USUBJID",
        _seq("AE"),
        ("AETERM", "Reported Term for the Adverse Event", "text"),
        ("AEDECOD", "Dictionary-Derived Term", "text"),
        ("AEBODSYS", "Body System or Organ Class", "text"),
        ("AESER", "Serious Event", "text"),
        ("AEREL", "Causality", "text"),
        ("AETOXGR", "Standard Toxicity Grade", "text"),
        ("AESTDTC", "Start Date/Time of Adverse Event", "dtc"),
        ("AEENDTC", "End Date/Time of Adverse Event", "dtc"),
    ],
    ("STUDYID", "USUBJID", "AESEQ"),
    "One record per adverse event per subject",
)

LB = _spec(
    "LB",
    "Laboratory Test Results",
    [
        "STUDYID",
        "DOMAIN",
        "USUBJID",
        _seq("LB"),
        ("LBTESTCD", "Lab Test or Examination Short Name", "text"),
        ("LBTEST", "Lab Test or Examination Name", "text"),
        ("LBCAT", "Category for Lab Test", "text"),
        ("LBORRES", "Result or Finding in Original Units", "text"),
        ("LBORRESU", "Original Units", "text"),
        ("LBSTRESC", "Character Result/Finding in Std Format", "text"),
        ("LBSTRESN", "Numeric Result/Finding in Standard Units", "float"),
        ("LBSTRESU", "Standard Units", "text"),
        ("LBSTNRLO", "Normal Range Lower Limit-Std Units", "float"),
        ("LBSTNRHI", "Normal Range Upper Limit-Std Units", "float"),
        "VISIT",
        ("LBDTC", "Date/Time of Specimen Collection", "dtc"),
    ],
    ("STUDYID", "USUBJID", "LBSEQ"),
    "One record per lab test per time point per visit per subject",
)

TU = _spec(
    "TU",
    "Tumor/Lesion Identification",
    [
        "STUDYID",
        "DOMAIN",
        "USUBJID",
        _seq("TU"),
        ("TULNKID", "Link ID", "text"),
        ("TUTESTCD", "Tumor/Lesion ID Short Name", "text"),
        ("TUTEST", "Tumor/Lesion ID Test Name", "text"),
        ("TUORRES", "Tumor/Lesion ID Result", "text"),
        ("TUSTRESC", "Tumor/Lesion ID Result Std. Format", "text"),
        ("TULOC", "Location of the Tumor/Lesion", "text"),
        ("TUEVAL", "Evaluator", "text"),
        "VISIT",
        ("TUDTC", "Date/Time of Tumor/Lesion Identification", "dtc"),
    ],
    ("STUDYID", "USUBJID", "TUSEQ"),
    "One record per identified tumor per subject per assessor",
)

TR = _spec(
    "TR",
    "Tumor/Lesion Results",
    [
        "STUDYID",
        "DOMAIN",
        "USUBJID",
        _seq("TR"),
        ("TRLNKID", "Link ID", "text"),
        ("TRTESTCD", "Tumor/Lesion Assessment Short Name", "text"),
        ("TRTEST", "Tumor/Lesion Assessment Test Name", "text"),
        ("TRORRES", "Result or Finding in Original Units", "text"),
        ("TRORRESU", "Original Units", "text"),
        ("TRSTRESC", "Character Result/Finding in Std Format", "text"),
        ("TRSTRESN", "Numeric Result/Finding in Std Units", "float"),
        ("TRSTRESU", "Standard Units", "text"),
        ("TREVAL", "Evaluator", "text"),
        "VISIT",
        ("TRDTC", "Date/Time of Tumor/Lesion Measurement", "dtc"),
    ],
    ("STUDYID", "USUBJID", "TRSEQ"),
    "One record per tumor measurement/assessment per visit per subject per assessor",
)

RS = _spec(
    "RS",
    "Disease Response and Clin Classification",
    [
        "STUDYID",
        "DOMAIN",
        "USUBJID",
        _seq("RS"),
        ("RSTESTCD", "Assessment Short Name", "text"),
        ("RSTEST", "Assessment Name", "text"),
        ("RSCAT", "Category for Assessment", "text"),
        ("RSORRES", "Result or Finding in Original Units", "text"),
        ("RSSTRESC", "Character Result/Finding in Std Format", "text"),
        ("RSEVAL", "Evaluator", "text"),
        ("RSBLFL", "Baseline Flag", "text"),
        "VISIT",
        ("RSDTC", "Date/Time of Assessment", "dtc"),
    ],
    ("STUDYID", "USUBJID", "RSSEQ"),
    "One record per response assessment per visit per subject per assessor",
)

PR = _spec(
    "PR",
    "Procedures",
    [
        "STUDYID",
        "DOMAIN",
        "USUBJID",
        _seq("PR"),
        ("PRTRT", "Reported Name of Procedure", "text"),
        ("PRCAT", "Category", "text"),
        ("PRDOSE", "Dose", "float"),
        ("PRDOSU", "Dose Units", "text"),
        ("PRLOC", "Location of Procedure", "text"),
        ("PRSTDTC", "Start Date/Time of Procedure", "dtc"),
        ("PRENDTC", "End Date/Time of Procedure", "dtc"),
    ],
    ("STUDYID", "USUBJID", "PRSEQ"),
    "One record per recorded procedure per occurrence per subject",
)

SV = _spec(
    "SV",
    "Subject Visits",
    [
        "STUDYID",
        "DOMAIN",
        "USUBJID",
        ("VISITNUM", "Visit Number", "integer"),
        "VISIT",
        ("SVSTDTC", "Start Date/Time of Visit", "dtc"),
        ("SVENDTC", "End Date/Time of Visit", "dtc"),
    ],
    ("STUDYID", "USUBJID", "VISITNUM"),
    "One record per subject per actual visit",
)

IE = _spec(
    "IE",
    "Inclusion/Exclusion Criteria Not Met",
    [
        "STUDYID",
        "DOMAIN",
        "USUBJID",
        _seq("IE"),
        ("IETESTCD", "Incl/Excl Criterion Short Name", "text"),
        ("IETEST", "Inclusion/Exclusion Criterion", "text"),
        ("IECAT", "Inclusion/Exclusion Category", "text"),
        ("IEORRES", "I/E Criterion Original Result", "text"),
        ("IESTRESC", "I/E Criterion Result in Std Format", "text"),
        ("IEDTC", "Date/Time of Collection", "dtc"),
    ],
    ("STUDYID", "USUBJID", "IESEQ"),
    "One record per inclusion/exclusion criterion not met per subject",
)


def supp_spec(domain: str) -> DatasetSpec:
    """The supplemental-qualifier dataset SUPP<domain>."""
    return _spec(
        f"SUPP{domain}",
        f"Supplemental Qualifiers for {domain}",
        [
            "STUDYID",
            ("RDOMAIN", "Related Domain Abbreviation", "text"),
            "USUBJID",
            ("IDVAR", "Identifying Variable", "text"),
            ("IDVARVAL", "Identifying Variable Value", "text"),
            ("QNAM", "Qualifier Variable Name", "text"),
            ("QLABEL", "Qualifier Variable Label", "text"),
            ("QVAL", "Data Value", "text"),
            ("QORIG", "Origin", "text"),
        ],
        ("STUDYID", "RDOMAIN", "USUBJID", "IDVAR", "IDVARVAL", "QNAM"),
        "One record per supplemental qualifier per related parent domain record",
    )


TS = _spec(
    "TS",
    "Trial Summary",
    [
        "STUDYID",
        "DOMAIN",
        ("TSSEQ", "Sequence Number", "integer"),
        ("TSPARMCD", "Trial Summary Parameter Short Name", "text"),
        ("TSPARM", "Trial Summary Parameter", "text"),
        ("TSVAL", "Parameter Value", "text"),
    ],
    ("STUDYID", "TSPARMCD", "TSSEQ"),
    "One record per trial summary parameter value",
)

DOMAINS: dict[str, DatasetSpec] = {
    spec.name: spec for spec in (DM, DS, EX, AE, LB, TU, TR, RS, PR, SV, IE, TS)
}
"""The SDTM domains rtio writes (and reads, with EC), in writing order."""
