"""A study folder as rtio sees it: settings, protocol and typed tables."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from rtio.io.checked import CheckedStudy
from rtio.io.issues import Collector, ValidationReport
from rtio.io.settings import StudySettings
from rtio.io.validate import check_folder

__all__ = [
    "Study",
    "StudyValidationError",
    "load_study",
    "validate_study",
    "write_table",
]


class StudyValidationError(ValueError):
    """Raised by :func:`load_study` when a study folder has errors; carries the full report."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report
        listed = "\n".join(f"  {issue}" for issue in report.errors[:20])
        more = len(report.errors) - 20
        tail = f"\n  ... and {more} more errors" if more > 0 else ""
        super().__init__(f"study {report.study} has {len(report.errors)} errors:\n{listed}{tail}")


@dataclass
class Study:
    """A loaded study: ``tables`` are typed pandas frames (dates datetime64, booleans bool).

    ``report`` holds the warnings validation found (records an analysis ignores or excludes,
    protocol deviations); a report lists them."""

    path: Path
    settings: StudySettings
    protocol: Any
    tables: dict[str, pd.DataFrame]
    report: ValidationReport

    def table(self, name: str) -> pd.DataFrame | None:
        """The table ``name``, or None when the study has no such table."""
        return self.tables.get(name)


def _checked(path: str | Path, data_cutoff: dt.date | None) -> CheckedStudy:
    """Check a folder; nothing it holds makes this raise (a fault of rtio is reported too)."""
    try:
        return check_folder(path, data_cutoff=data_cutoff)
    except Exception as exc:  # validation is total: report, never raise
        study = CheckedStudy(ValidationReport(str(path)))
        Collector(study.report).add(
            "error",
            str(path),
            "internal",
            f"rtio could not check the study ({type(exc).__name__}: {exc}); this is a fault in "
            "rtio: please report it with the study",
        )
        return study


def validate_study(path: str | Path, *, data_cutoff: dt.date | None = None) -> ValidationReport:
    """Every problem of a study folder at once (errors and warnings); never raises.

    ``data_cutoff`` overrides ``study.yaml``'s. A big study laid out in subject blocks is
    checked one block at a time (:mod:`rtio.io.blocks`), with the same issues."""
    from rtio.io.blocks import subject_blocks, validate_in_blocks

    blocks = subject_blocks(path) if Path(path).is_dir() else None
    if blocks is not None:
        return validate_in_blocks(path, blocks, data_cutoff=data_cutoff)
    return _checked(path, data_cutoff).report


def load_study(path: str | Path, *, data_cutoff: dt.date | None = None) -> Study:
    """Load a study folder; raises :class:`StudyValidationError` listing all errors if any.

    ``data_cutoff`` overrides ``study.yaml``'s (the one used is in ``study.settings``). The
    tables hold every record collected: analyses set aside what the cut-off excludes, and the
    report's warnings name it (``start_after_cutoff``, ``after_cutoff``)."""
    checked = _checked(path, data_cutoff)
    if not checked.report.ok or checked.settings is None:
        raise StudyValidationError(checked.report)
    return Study(Path(path), checked.settings, checked.protocol, checked.tables, checked.report)


def write_table(frame: pd.DataFrame, folder: str | Path, name: str, format: str = "csv") -> Path:
    """Write one study table in the study format (ISO dates, true/false booleans)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    if format == "parquet":
        path = folder / f"{name}.parquet"
        frame.to_parquet(path, index=False)
        return path
    if format != "csv":
        raise ValueError(f"format must be 'csv' or 'parquet', not {format!r}")
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            out[column] = values.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(values):
            out[column] = values.map({True: "true", False: "false"})
    path = folder / f"{name}.csv"
    out.to_csv(path, index=False)
    return path
