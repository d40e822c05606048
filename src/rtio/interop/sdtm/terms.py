"""The correspondence between the study format's values and SDTM variables and terms.

Codes follow CDISC controlled terminology where one exists (LBTESTCD, TRTESTCD, RSTESTCD, DS
decodes, NY, AEREL); where the SDTMIG leaves a value to the sponsor (supplemental qualifier names,
the radiotherapy and surgery conventions in PR), rtio's convention is declared here and documented
in docs/interop.md. Each mapping is written once and read both ways.
"""

from __future__ import annotations

from rtio.vocabulary import LesionRole, MeasurementStatus

LAB_CODES: dict[str, tuple[str, str]] = {
    "lymphocytes": ("LYM", "Lymphocytes"),
    "neutrophils": ("NEUT", "Neutrophils"),
    "wbc": ("WBC", "Leukocytes"),
    "platelets": ("PLAT", "Platelets"),
    "hemoglobin": ("HGB", "Hemoglobin"),
    "alt": ("ALT", "Alanine Aminotransferase"),
    "ast": ("AST", "Aspartate Aminotransferase"),
    "alp": ("ALP", "Alkaline Phosphatase"),
    "ggt": ("GGT", "Gamma Glutamyl Transferase"),
    "bilirubin_total": ("BILI", "Bilirubin"),
    "bilirubin_direct": ("BILDIR", "Direct Bilirubin"),
    "albumin": ("ALB", "Albumin"),
    "creatinine": ("CREAT", "Creatinine"),
    "crcl": ("CREATCLR", "Creatinine Clearance"),
    "bun": ("BUN", "Blood Urea Nitrogen"),
    "inr": ("INR", "Prothrombin Intl. Normalized Ratio"),
    "aptt": ("APTT", "Activated Partial Thromboplastin Time"),
    "triglycerides": ("TRIG", "Triglycerides"),
    "glucose": ("GLUC", "Glucose"),
    "sodium": ("SODIUM", "Sodium"),
    "potassium": ("K", "Potassium"),
    "calcium": ("CA", "Calcium"),
    "tsh": ("TSH", "Thyrotropin"),
    "hbv_dna": ("HBVVLD", "Hepatitis B Virus Viral Load"),
}
"""Study lab test name -> (LBTESTCD, LBTEST)."""
LAB_TESTS = {code: name for name, (code, _) in LAB_CODES.items()}
"""LBTESTCD -> study lab test name."""
BIOMARKER_CATEGORY = "BIOMARKER"
"""LBCAT of the biomarkers table's rows (tissue and serum biomarkers) in LB."""

MEASUREMENT_STATUS: dict[str, str] = {
    MeasurementStatus.PRESENT: "PRESENT",
    MeasurementStatus.ABSENT: "ABSENT",
    MeasurementStatus.UNEQUIVOCAL_PROGRESSION: "UNEQUIVOCAL PROGRESSION",
    MeasurementStatus.EQUIVOCAL: "EQUIVOCAL",
    MeasurementStatus.NOT_EVALUATED: "NOT EVALUABLE",
    MeasurementStatus.TOO_SMALL_TO_MEASURE: "TOO SMALL TO MEASURE",
}
"""measurements.status -> TR TUMSTATE result."""
TUMSTATE = {term: str(status) for status, term in MEASUREMENT_STATUS.items()} | {
    "NOT EVALUATED": MeasurementStatus.NOT_EVALUATED.value
}
LESION_ROLES = {
    LesionRole.TARGET: "TARGET",
    LesionRole.NON_TARGET: "NON-TARGET",
    LesionRole.NEW: "NEW",
}
TU_ROLES = {term: str(role) for role, term in LESION_ROLES.items()}

RESPONSE_TESTS = {
    "OVRLRESP": ("Overall Response", "overall_response"),
    "TRGRESP": ("Target Response", "target_response"),
    "NTRGRESP": ("Non-target Response", "non_target_response"),
    "NEWLIND": ("New Lesion Indicator", "new_lesions"),
}
"""RSTESTCD -> (RSTEST, responses column)."""
RECIST = "RECIST 1.1"
IRECIST = "iRECIST"
ECOG_CATEGORY = "ECOG"
ECOG_TEST = ("ECOG101", "ECOG1-Performance Status")
ASSESSORS = {"investigator": "INVESTIGATOR", "central review": "INDEPENDENT ASSESSOR"}
"""responses.assessor -> RSEVAL (other assessors are written in upper case)."""
EVALUATORS = {term: assessor for assessor, term in ASSESSORS.items()}

DIAMETER_TESTS = {"LDIAM": "Longest Diameter", "LPERP": "Longest Perpendicular"}
TUMSTATE_TEST = ("TUMSTATE", "Tumor State")
TUMIDENT_TEST = ("TUMIDENT", "Tumor Identification")
CUTOFF_PARAMETER = ("DCUTDTC", "Data Cutoff Date")
HEMATOLOGY = {"lymphocytes", "neutrophils", "wbc", "platelets", "hemoglobin", "inr", "aptt"}

RELATED = "RELATED"
NOT_RELATED = "NOT RELATED"
AEREL_FALSE = {"NOT RELATED", "UNLIKELY RELATED", "N", "NO", "NONE", "UNRELATED"}
AEREL_TRUE = {"RELATED", "POSSIBLY RELATED", "PROBABLY RELATED", "DEFINITELY RELATED", "Y", "YES"}
YES_NO = {"Y": True, "N": False}

RADIOTHERAPY_CATEGORY = "RADIOTHERAPY"
RADIOTHERAPY_CATEGORIES = {"RADIOTHERAPY", "RADIATION THERAPY", "RADIATION", "RT"}
SURGERY_CATEGORY = "SURGERY"
SURGERY_CATEGORIES = {"SURGERY", "SURGICAL PROCEDURE", "RESECTION"}
DOSE_UNITS_GY = {"GY": 1.0, "CGY": 0.01}
"""Radiation dose units -> factor to Gy."""

SUBJECT_QUALIFIERS: dict[str, tuple[str, str]] = {
    "last_known_alive_date": ("LSTALVDT", "Last Known Alive Date"),
    "smoking": ("SMOKING", "Smoking History"),
    "alcohol": ("ALCOHOL", "Alcohol History"),
    "weight_loss_ge_10pct": ("WTLOSS10", "Weight Loss of 10 Percent or More"),
    "tumor_location": ("TUMLOC", "Primary Tumor Location"),
    "primary_length_cm": ("PRIMLEN", "Primary Tumor Length (cm)"),
    "histology": ("HISTOL", "Histology"),
    "clinical_t": ("CLINT", "Clinical T Category"),
    "clinical_n": ("CLINN", "Clinical N Category"),
    "clinical_m": ("CLINM", "Clinical M Category"),
    "stage": ("STAGE", "Clinical Stage Group"),
    "stratum": ("STRATUM", "Randomization Stratum"),
    "death_cause": ("DTHCAUS", "Cause of Death"),
    "ecog": ("ECOG", "Baseline ECOG Performance Status"),
    "candidate_id": ("SCRNID", "Screening Candidate Identifier"),
}
"""subjects columns carried in SUPPDM: column -> (QNAM, QLABEL)."""
LESION_QUALIFIERS = {
    "is_lymph_node": ("LYMPHND", "Lymph Node Lesion"),
    "site": ("LESSITE", "Lesion Site Class"),
    "station": ("NODESTN", "Lymph Node Station"),
}
AE_QUALIFIERS = {
    "related_radiotherapy": ("AERELRT", "Related to Radiotherapy"),
    "immune_related": ("AEIMMUNE", "Immune-Related Adverse Event"),
}
RT_QUALIFIERS = {
    "fractions": ("NFRAC", "Number of Fractions Delivered"),
    "planned_fractions": ("NFRACPL", "Number of Fractions Planned"),
}
RT_TOTAL_DOSE = "TOTDOSE"
"""A SUPPPR qualifier rtio reads (not writes): the course's total dose, in PRDOSU."""
SURGERY_QUALIFIERS = {
    "margin": ("RESMARG", "Resection Margin"),
    "viable_tumor_pct": ("VIABTUM", "Residual Viable Tumor (%)"),
    "ypt": ("YPT", "Pathological T Category (yp)"),
    "ypn": ("YPN", "Pathological N Category (yp)"),
    "yp_stage": ("YPSTAGE", "Pathological Stage Group (yp)"),
    "post_clinical_stage": ("PCSTAGE", "Clinical Stage Group Before Surgery"),
    "complication_grade": ("CDGRADE", "Worst Complication Clavien-Dindo Grade"),
}

SCREEN_FAILURE = ("SCRNFAIL", "Screen Failure")
NOT_ASSIGNED = ("NOTASSGN", "Not Assigned")

DISPOSITION = "DISPOSITION EVENT"
OTHER_EVENT = "OTHER EVENT"
MILESTONE = "PROTOCOL MILESTONE"
DEATH = "DEATH"
RANDOMIZED = "RANDOMIZED"
EVENT_TERMS: dict[str, tuple[str, str, str]] = {
    "withdrawal": (DISPOSITION, "STUDY PARTICIPATION", "WITHDRAWAL BY SUBJECT"),
    "lost_to_follow_up": (DISPOSITION, "STUDY PARTICIPATION", "LOST TO FOLLOW-UP"),
    "treatment_discontinuation": (DISPOSITION, "STUDY TREATMENT", "OTHER"),
    "rt_discontinuation": (DISPOSITION, "RADIOTHERAPY", "OTHER"),
    "progression_clinical": (OTHER_EVENT, "", "CLINICAL PROGRESSION"),
    "surgery": (OTHER_EVENT, "", "SURGERY"),
    "new_anticancer_therapy": (OTHER_EVENT, "", "NEW ANTICANCER THERAPY"),
    "other": (OTHER_EVENT, "", "OTHER"),
}
"""events.kind -> (DSCAT, DSSCAT, DSDECOD when the detail names no reason)."""
DETAIL_DECODES = {
    "adverse_event": "ADVERSE EVENT",
    "progression": "PROGRESSIVE DISEASE",
    "withdrawal": "WITHDRAWAL BY SUBJECT",
    "death": "DEATH",
    "physician_decision": "PHYSICIAN DECISION",
    "lost_to_follow_up": "LOST TO FOLLOW-UP",
    "completed": "COMPLETED",
}
"""events.detail -> DSDECOD of a discontinuation."""
OTHER_EVENT_KINDS = {
    decode: kind for kind, (cat, _, decode) in EVENT_TERMS.items() if cat == OTHER_EVENT
}


def default_event_term(kind: str) -> str:
    """DSTERM written for an event without a detail (e.g. "TREATMENT DISCONTINUATION")."""
    return kind.replace("_", " ").upper()
