"""CDISC SDTM in and out: study folder <-> SDTM domains (XPT, Dataset-JSON, CSV)."""

from __future__ import annotations

from pathlib import Path

from rtio.interop.datasets import check_format
from rtio.interop.define import write_exchange_folder
from rtio.interop.sdtm.export import export_sdtm_domains
from rtio.interop.sdtm.importer import import_sdtm
from rtio.interop.sdtm.source import Imputation
from rtio.interop.sdtm.spec import DOMAINS, STANDARD, supp_spec
from rtio.interop.sdtm.terms import LESION_ROLES, MEASUREMENT_STATUS
from rtio.io import load_study
from rtio.vocabulary import Response

__all__ = ["Imputation", "export_sdtm", "import_sdtm"]

CODELISTS = {
    "NY": {"Y": "Yes", "N": "No"},
    "SEX": {"M": "Male", "F": "Female"},
    "AEREL": {"RELATED": "Related", "NOT RELATED": "Not related"},
    "TOXGR": {str(g): f"Grade {g}" for g in range(1, 6)},
    "TUMIDENT": {v: v for v in LESION_ROLES.values()},
    "TUMSTATE": {v: v for v in MEASUREMENT_STATUS.values()},
    "RESPONSE": {r: r for r in Response.values()},
}
_CODED = {
    ("DM", "SEX"): "SEX",
    ("DM", "DTHFL"): "NY",
    ("AE", "AESER"): "NY",
    ("AE", "AEREL"): "AEREL",
    ("AE", "AETOXGR"): "TOXGR",
    ("TU", "TUORRES"): "TUMIDENT",
    ("RS", "RSBLFL"): "NY",
}


def _with_codelists(name: str):
    import dataclasses

    spec = DOMAINS[name] if name in DOMAINS else supp_spec(name[4:])
    variables = tuple(
        dataclasses.replace(v, codelist=_CODED.get((name, v.name))) for v in spec.variables
    )
    return dataclasses.replace(spec, variables=variables)


def export_sdtm(study: str | Path, out: str | Path, fmt: str = "xpt") -> list[Path]:
    """Write the SDTM domains of a study folder into ``out`` (one file per domain, plus
    define.json); returns the paths written."""
    check_format(fmt)
    study, out = Path(study), Path(out)
    if out.resolve() == study.resolve() or study.resolve() in out.resolve().parents:
        raise ValueError(f"--out {out} must not be inside the study folder {study}")
    exported = export_sdtm_domains(load_study(study))
    datasets = {name: (_with_codelists(name), frame) for name, frame in exported.domains.items()}
    return write_exchange_folder(
        out,
        datasets,
        fmt=fmt,
        study_id=exported.study_id,
        standard=STANDARD,
        codelists=CODELISTS,
        command="export sdtm",
        study=study,
    )
