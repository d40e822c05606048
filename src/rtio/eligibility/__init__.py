"""Eligibility: a data rule language for protocol criteria, screening with reasons, disease extent.

The FHIR reader (``FhirFacts``, ``fhir_bundle_to_facts``) is imported on first use: it needs the
``fhir.resources`` package, which nothing else here does.
"""

from typing import Any

from rtio.eligibility.ctgov import ctgov_to_protocol, split_criteria
from rtio.eligibility.extent import count_metastatic_lesions, is_oligometastatic, node_is_regional
from rtio.eligibility.profile import trial_profile
from rtio.eligibility.rules import evaluate, validate_rule
from rtio.eligibility.screen import Screening, facts_to_wide, screen, screening_summary
from rtio.eligibility.units import convert, unit_factor

__all__ = [
    "FhirFacts",
    "Screening",
    "convert",
    "count_metastatic_lesions",
    "ctgov_to_protocol",
    "evaluate",
    "facts_to_wide",
    "fhir_bundle_to_facts",
    "is_oligometastatic",
    "node_is_regional",
    "screen",
    "screening_summary",
    "split_criteria",
    "trial_profile",
    "unit_factor",
    "validate_rule",
]


def __getattr__(name: str) -> Any:
    if name in ("FhirFacts", "fhir_bundle_to_facts"):
        from rtio.eligibility import fhir

        return getattr(fhir, name)
    raise AttributeError(f"module 'rtio.eligibility' has no attribute {name!r}")
