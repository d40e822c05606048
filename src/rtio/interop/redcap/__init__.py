"""REDCap both ways: a data dictionary for a protocol, a records export of a study, and the import
of such a records export (or of another project's, through a mapping file)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from rtio.interop.datasets import _atomic
from rtio.interop.redcap.dictionary import redcap_dictionary, repeating_instruments
from rtio.interop.redcap.importer import import_redcap
from rtio.interop.redcap.records import RecordsExport, redcap_records
from rtio.io import load_study

__all__ = [
    "export_redcap",
    "export_redcap_dictionary",
    "import_redcap",
    "redcap_dictionary",
    "redcap_records",
    "repeating_instruments",
]


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    return _atomic(path, lambda p: frame.to_csv(p, index=False))


def export_redcap_dictionary(
    protocol: Any, out: str | Path, repeating_out: str | Path | None = None
) -> list[Path]:
    """Write the protocol's REDCap data dictionary (and, optionally, the repeating-instruments
    list REDCap's project setup uploads)."""
    paths = [_write_csv(redcap_dictionary(protocol), Path(out))]
    if repeating_out is not None:
        paths.append(_write_csv(repeating_instruments(), Path(repeating_out)))
    return paths


def export_redcap(study: str | Path, out: str | Path) -> RecordsExport:
    """Write a study folder as a REDCap records export (raw CSV) of its protocol's project."""
    study, out = Path(study), Path(out)
    if study.resolve() in out.resolve().parents:
        raise ValueError(f"--out {out} must not be inside the study folder {study}")
    exported = redcap_records(load_study(study))
    _write_csv(exported.records, out)
    return exported
