"""The import report: where every source row went.

Each source (an SDTM domain file, a REDCap records file, a flat table) gets a row count
reconciliation: ``read`` = ``placed`` + ``rejected``. A placed row became a study-table row, or values
of one (a SUPP-- qualifier merged into its parent record, a DS death record giving
``subjects.death_date``). A rejected row is listed with its file, record, variable, value and the
reason; ``kind`` says whether it is an error in the data ("error") or a row the study format has no
place for ("not_imported", e.g. SV visit records). Whole datasets rtio does not read are one entry
with their row count. The report is written as ``import-report.json`` in the study folder.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from rtio import __version__

RejectionKind = Literal["error", "not_imported"]
REPORT_FILE = "import-report.json"


@dataclass(frozen=True)
class Rejection:
    """One source row that is not in the study folder, and why."""

    source: str
    file: str
    record: int | None
    subject: str
    variable: str
    value: str
    reason: str
    kind: RejectionKind = "error"

    def __str__(self) -> str:
        where = self.file + (f", record {self.record}" if self.record is not None else "")
        where += f", variable {self.variable}" if self.variable else ""
        value = f" value {self.value!r}:" if self.value else ""
        return f"{where}:{value} {self.reason}"


@dataclass
class SourceCount:
    """Row counts of one source: read = placed + rejected."""

    file: str
    read: int = 0
    placed: int = 0
    rejected: int = 0


@dataclass
class ImportReport:
    """What an import read, placed and rejected; written as ``import-report.json``."""

    kind: str
    source: str
    protocol: str
    sources: dict[str, SourceCount] = field(default_factory=dict)
    rejections: list[Rejection] = field(default_factory=list)
    skipped_sources: list[dict[str, Any]] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    derivations: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    validation: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> list[Rejection]:
        return [r for r in self.rejections if r.kind == "error"]

    @property
    def ok(self) -> bool:
        """No row rejected for an error and the written folder validates."""
        return not self.errors and bool(self.validation.get("ok", True))

    def count(self, source: str, file: str, read: int, placed: int) -> None:
        """Record a source's counts; rejected rows must account for the difference exactly."""
        rejected = sum(1 for r in self.rejections if r.source == source)
        if read != placed + rejected:
            raise AssertionError(
                f"{file}: {read} rows read but {placed} placed and {rejected} rejected"
            )
        self.sources[source] = SourceCount(file, read, placed, rejected)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "source": self.source,
            "protocol": self.protocol,
            "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "rtio_version": __version__,
            "ok": self.ok,
            "options": self.options,
            "sources": {k: asdict(v) for k, v in self.sources.items()},
            "skipped_sources": self.skipped_sources,
            "tables": self.tables,
            "derivations": self.derivations,
            "rejected": [asdict(r) for r in self.rejections],
            "validation": self.validation,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=1, ensure_ascii=False)


class Rejector:
    """Collects the rows of one source that are rejected, each with its reason.

    ``records`` are 1-based record numbers in the source file (for a CSV, the data row number:
    the header is not counted); ``subjects`` name the subject of each row for the reader."""

    def __init__(self, report: ImportReport, source: str, file: str) -> None:
        self.report = report
        self.source = source
        self.file = file
        self.rejected: set[int] = set()

    def reject(
        self,
        frame: pd.DataFrame,
        mask: np.ndarray | pd.Series,
        variable: str,
        reason: str | pd.Series,
        *,
        kind: RejectionKind = "error",
        values: pd.Series | None = None,
    ) -> np.ndarray:
        """Reject the rows of ``frame`` where ``mask`` holds (not already rejected) and return the
        mask of rows still standing. ``frame`` carries ``_record`` and ``_subject`` columns;
        ``reason`` is one text, or a text per row of ``frame`` (a Series on its index)."""
        flagged = np.asarray(mask, dtype=bool) & ~frame["_record"].isin(self.rejected).to_numpy()
        if not flagged.any():
            return ~frame["_record"].isin(self.rejected).to_numpy()
        rows = frame[flagged]
        reasons = [reason] * len(rows) if isinstance(reason, str) else reason[flagged].tolist()
        if values is None and variable in frame.columns:
            values = frame[variable]
        if variable.startswith("Q."):
            variable = f"SUPP{self.source}.{variable[2:]}"
        texts = [""] * len(rows) if values is None else values[flagged].astype(str).tolist()
        for record, subject, value, why in zip(
            rows["_record"], rows["_subject"], texts, reasons, strict=True
        ):
            self.report.rejections.append(
                Rejection(
                    self.source, self.file, int(record), str(subject), variable, value, why, kind
                )
            )
            self.rejected.add(int(record))
        return ~frame["_record"].isin(self.rejected).to_numpy()

    def keep(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The rows of ``frame`` not rejected so far."""
        return frame[~frame["_record"].isin(self.rejected)]
