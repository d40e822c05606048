"""The patient facts eligibility rules read: name, kind, unit and clinical label.

This registry is the one source of the fact table in ``docs/eligibility.md`` (regenerate it with
``python -m rtio.eligibility.facts docs/eligibility.md``; a test keeps it complete for every fact
the shipped protocols use) and of the words in screening reasons. A fact missing here still works
in a rule; its reason then reads its name with spaces.

Kinds: ``number`` (compared with a limit in ``unit``; ``x ULN`` facts need ``<fact>_uln``),
``category`` (one code of a set), ``boolean`` (true / false; false states that the patient does not
have it), ``event`` (true with ``<fact>_date`` when it happened; false states that it never
happened) and ``date`` (only ``<fact>_date``, the reference of a window; false in ``<fact>`` states
that it never happened, e.g. no adjuvant PD-1 therapy at all).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["number", "category", "boolean", "event", "date"]


@dataclass(frozen=True)
class Fact:
    """One patient fact: its ``name`` in data and rules, ``kind``, canonical ``unit`` (numbers),
    ``label`` in clinical words, and ``notes`` for the documentation."""

    name: str
    kind: Kind
    label: str
    unit: str = ""
    notes: str = ""


def _facts(*facts: Fact) -> dict[str, Fact]:
    return {f.name: f for f in facts}


_LAB_ULN = "with `<fact>_uln` (upper limit of normal of that result)"

FACTS: dict[str, Fact] = _facts(
    # demographics and performance status
    Fact("age", "number", "age", "years"),
    Fact("sex", "category", "sex", notes="M / F"),
    Fact("ecog", "category", "ECOG performance status", notes="0–5"),
    # disease
    Fact("histology", "category", "histology", notes="e.g. `escc`, `npc_nonkeratinizing`"),
    Fact("mixed_small_cell", "boolean", "mixed small-cell component"),
    Fact(
        "stage", "category", "stage", notes="e.g. `IVA`, `IVB` (AJCC 8th ESCC / UICC-AJCC 9th NPC)"
    ),
    Fact("clinical_n", "category", "clinical N category", notes="e.g. `N3`"),
    Fact("clinical_m", "category", "clinical M category", notes="e.g. `M1`"),
    Fact(
        "disease_extent",
        "category",
        "disease extent",
        notes="`locally_advanced_unresectable` / `metastatic`",
    ),
    Fact("unresectable", "boolean", "unresectable disease"),
    Fact(
        "measurable_lesions",
        "number",
        "measurable lesions",
        "1",
        "count, with the scan date; RECIST 1.1 target-eligible lesions (irradiated lesions only "
        "if progressed after RT)",
    ),
    Fact(
        "metastatic_lesions_radiological",
        "number",
        "radiologically confirmed metastatic lesions",
        "1",
        "count",
    ),
    Fact("oligometastatic", "boolean", "oligometastatic disease", notes="`is_oligometastatic`"),
    Fact("liver_metastases", "boolean", "liver metastases"),
    Fact("cns_metastases", "boolean", "CNS metastases"),
    Fact("cns_metastases_uncontrolled", "boolean", "uncontrolled CNS metastases"),
    Fact("tumor_invasion_high_risk", "boolean", "tumour invasion of adjacent organs at high risk"),
    # laboratory values
    Fact("hemoglobin", "number", "hemoglobin", "g/L"),
    Fact("albumin", "number", "albumin", "g/L"),
    Fact("anc", "number", "absolute neutrophil count", "10^9/L"),
    Fact("wbc", "number", "white blood cell count", "10^9/L"),
    Fact("platelets", "number", "platelets", "10^9/L"),
    Fact("bilirubin_total", "number", "total bilirubin", "x ULN", _LAB_ULN),
    Fact("bilirubin_direct", "number", "direct bilirubin", "x ULN", _LAB_ULN),
    Fact("alt", "number", "ALT", "x ULN", _LAB_ULN),
    Fact("ast", "number", "AST", "x ULN", _LAB_ULN),
    Fact("creatinine", "number", "serum creatinine", "x ULN", _LAB_ULN),
    Fact("inr", "number", "INR", "x ULN", _LAB_ULN),
    Fact("pt", "number", "prothrombin time", "x ULN", _LAB_ULN),
    Fact("aptt", "number", "APTT", "x ULN", _LAB_ULN),
    Fact("crcl", "number", "creatinine clearance", "mL/min"),
    Fact("bun", "number", "blood urea nitrogen", "mg/L"),
    Fact("hbv_dna", "number", "HBV DNA", "copies/mL"),
    Fact("hbsag_positive", "boolean", "HBsAg positive"),
    Fact("hcv_antibody_positive", "boolean", "HCV antibody positive"),
    Fact("hcv_rna_negative", "boolean", "HCV RNA negative"),
    # treatment history
    Fact("prior_anticancer_therapy", "boolean", "prior anticancer therapy"),
    Fact("prior_immunotherapy", "boolean", "prior immunotherapy"),
    Fact("prior_pd1_pdl1", "boolean", "prior PD-1 / PD-L1 inhibitor"),
    Fact("prior_ctla4", "boolean", "prior CTLA-4 inhibitor"),
    Fact("prior_esophageal_stent", "boolean", "prior esophageal stent"),
    Fact(
        "first_line_platinum_pd1_progression",
        "boolean",
        "progression on first-line platinum chemotherapy with a PD-1 inhibitor",
    ),
    Fact("progression", "event", "progression"),
    Fact(
        "adjuvant_pd1_end",
        "date",
        "end of adjuvant PD-1 therapy",
        notes="`adjuvant_pd1_end_date`; `adjuvant_pd1_end: false` states no adjuvant PD-1 at all",
    ),
    Fact(
        "first_dose",
        "date",
        "first dose",
        notes="`first_dose_date`; windows `relative_to: first_dose` fall back to the screening date",
    ),
    Fact(
        "induction_response", "category", "response to induction therapy", notes="CR / PR / SD / PD"
    ),
    Fact("induction_cycles", "number", "induction cycles", "1", "count"),
    Fact("chemotherapy_current", "boolean", "current chemotherapy"),
    Fact("investigational_drug_current", "boolean", "current investigational drug"),
    Fact("immunosuppressants_current", "boolean", "current immunosuppressants"),
    Fact("chronic_corticosteroids", "boolean", "chronic systemic corticosteroids"),
    Fact("anticoagulation_in_therapeutic_range", "boolean", "anticoagulation in therapeutic range"),
    # comorbidities
    Fact("autoimmune_active", "boolean", "active autoimmune disease"),
    Fact("autoimmune_history", "boolean", "history of autoimmune disease"),
    Fact("autoimmune_systemic_treatment", "event", "systemic treatment of autoimmune disease"),
    Fact("interstitial_lung_disease", "boolean", "interstitial lung disease"),
    Fact(
        "interstitial_lung_disease_symptomatic", "boolean", "symptomatic interstitial lung disease"
    ),
    Fact("pneumonitis_active", "boolean", "active pneumonitis"),
    Fact("pneumonitis_noninfectious", "boolean", "non-infectious pneumonitis"),
    Fact("pneumonitis_grade_ge2_history", "boolean", "history of grade ≥ 2 pneumonitis"),
    Fact("infection_active", "boolean", "active infection"),
    Fact("heart_failure", "boolean", "heart failure"),
    Fact("heart_failure_nyha_ge2", "boolean", "heart failure NYHA class ≥ II"),
    Fact("unstable_angina", "boolean", "unstable angina"),
    Fact("arrhythmia_uncontrolled", "boolean", "uncontrolled arrhythmia"),
    Fact("arrhythmia_serious", "boolean", "serious arrhythmia"),
    Fact("hypertension_uncontrolled", "boolean", "uncontrolled hypertension"),
    Fact("diabetes_uncontrolled", "boolean", "uncontrolled diabetes"),
    Fact("myocardial_infarction", "event", "myocardial infarction"),
    Fact("immunodeficiency", "boolean", "immunodeficiency"),
    Fact("hiv", "boolean", "HIV infection"),
    Fact("transplant", "boolean", "organ or stem-cell transplant"),
    Fact("hbv_active", "boolean", "active hepatitis B"),
    Fact("hcv_active", "boolean", "active hepatitis C"),
    Fact("tuberculosis_active", "boolean", "active tuberculosis"),
    Fact(
        "other_malignancy",
        "event",
        "other malignancy",
        notes="excludes the protocol's listed exceptions; some protocols read it as a boolean",
    ),
    Fact("live_vaccine", "event", "live vaccine"),
    Fact("tumor_vaccine", "event", "tumour vaccine"),
    Fact("major_surgery", "event", "major surgery"),
    Fact("surgical_wound_unhealed", "boolean", "unhealed surgical wound"),
    Fact("pregnant_or_breastfeeding", "boolean", "pregnant or breastfeeding"),
    Fact("planning_pregnancy", "boolean", "planning pregnancy"),
    Fact("hypersensitivity_study_drugs", "boolean", "hypersensitivity to the study drugs"),
)


def label(name: str) -> str:
    """A fact's clinical label (its name with spaces when it is not in :data:`FACTS`)."""
    fact = FACTS.get(name)
    return fact.label if fact else name.replace("_", " ")


def fact_table() -> str:
    """The fact table of ``docs/eligibility.md`` (Markdown), generated from :data:`FACTS`."""
    rows = ["| fact | kind | unit | label in reasons | notes |", "|---|---|---|---|---|"]
    for f in FACTS.values():
        rows.append(f"| `{f.name}` | {f.kind} | {f.unit} | {f.label} | {f.notes} |")
    return "\n".join(rows) + "\n"


START, END = "<!-- fact table: start -->\n", "<!-- fact table: end -->"


def write_fact_table(doc: Path) -> bool:
    """Put the generated table between the markers of ``doc``; True when the file changed."""
    text = doc.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"{doc}: no fact-table markers ({START.strip()} … {END})")
    updated = pattern.sub(lambda _: START + fact_table() + END, text)
    if updated != text:
        doc.write_text(updated, encoding="utf-8")
    return updated != text


if __name__ == "__main__":
    for path in sys.argv[1:]:
        print(f"{path}: {'updated' if write_fact_table(Path(path)) else 'up to date'}")
