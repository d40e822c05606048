"""Study data in and out: CDISC SDTM and ADaM (XPT v5, Dataset-JSON v1.1, CSV), REDCap
dictionaries and records, and flat one-row-per-patient cohort tables.

Every import writes a study folder that ``rtio validate`` checks, with ``import-report.json``
accounting for each source row (placed, or rejected with its reason). See docs/interop.md.
"""

from rtio.interop.report import ImportReport, Rejection
from rtio.interop.sdtm import Imputation, export_sdtm, import_sdtm

__all__ = ["ImportReport", "Imputation", "Rejection", "export_sdtm", "import_sdtm"]
