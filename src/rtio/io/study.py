"""A study folder as rtio sees it: settings, protocol and typed tables."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from rtio.io.consistency import check_consistency
from rtio.io.settings import StudySettings
from rtio.io.validate import ParsedStudy, ValidationReport, _Collector, read_study


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
    """A loaded study: ``tables`` are typed pandas frames (dates datetime64, booleans bool)."""

    path: Path
    settings: StudySettings
    protocol: Any
    tables: dict[str, pd.DataFrame]
    report: ValidationReport

    def table(self, name: str) -> pd.DataFrame | None:
        """The table ``name``, or None when the study has no such table."""
        return self.tables.get(name)


def _resolve_protocol(parsed: ParsedStudy, collect: _Collector) -> Any:
    """Load the protocol named by study.yaml (a shipped id or a path inside the folder)."""
    from rtio.protocol import load_protocol

    ref = parsed.protocol_ref
    if ref is None:
        collect.add(
            "error", "study.yaml", "protocol", "study.yaml names no protocol", column="protocol"
        )
        return None
    local = parsed.folder / ref
    target = str(local) if local.suffix in (".yaml", ".yml") else ref
    try:
        return load_protocol(target)
    except Exception as exc:  # the protocol loader's message names the problem
        collect.add(
            "error",
            "study.yaml",
            "protocol",
            f"cannot load protocol {ref!r}: {exc}",
            column="protocol",
        )
        return None


def _check(folder: str | Path) -> tuple[ParsedStudy, Any]:
    parsed = read_study(folder)
    collect = _Collector(parsed.report)
    protocol = (
        _resolve_protocol(parsed, collect) if parsed.protocol_ref or parsed.settings else None
    )
    check_consistency(parsed, collect)
    return parsed, protocol


def validate_study(path: str | Path) -> ValidationReport:
    """Every problem of a study folder at once (errors and warnings)."""
    parsed, _ = _check(path)
    return parsed.report


def load_study(path: str | Path) -> Study:
    """Load a study folder; raises :class:`StudyValidationError` listing all errors if any."""
    parsed, protocol = _check(path)
    if not parsed.report.ok or parsed.settings is None:
        raise StudyValidationError(parsed.report)
    return Study(Path(path), parsed.settings, protocol, parsed.tables, parsed.report)


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
