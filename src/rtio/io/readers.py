"""Reading study tables from CSV, Parquet (a file or a folder of parts) and XLSX.

Text formats are read as strings, with nothing inferred: parsing into types is the validator's
job, so that a bad cell is reported with its file, row and column instead of being coerced.
Parquet keeps its own types. Each table comes back with a :class:`RowLocator` that turns a row
position into the file and row a person can open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

TABLE_SUFFIXES = (".csv", ".parquet", ".xlsx")


@dataclass(frozen=True)
class RowLocator:
    """Maps a 0-based row position of a loaded table to (file, row as a person counts it).

    CSV and XLSX rows are numbered as a spreadsheet shows them (the header is row 1, so the first
    data row is row 2); Parquet rows are 1-based record numbers within their part file.
    """

    files: tuple[str, ...]
    starts: tuple[int, ...]
    header_rows: int

    def locate(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        part = np.searchsorted(np.asarray(self.starts), positions, side="right") - 1
        rows = positions - np.asarray(self.starts)[part] + 1 + self.header_rows
        return np.asarray(self.files, dtype=object)[part], rows


@dataclass(frozen=True)
class RawTable:
    """A table as read from disk, before validation."""

    name: str
    frame: pd.DataFrame
    locator: RowLocator
    textual: bool


def find_table_source(folder: Path, name: str) -> Path | None:
    """The file or Parquet folder holding table ``name``; None if the study has none."""
    found = [
        folder / f"{name}{suffix}"
        for suffix in TABLE_SUFFIXES
        if (folder / f"{name}{suffix}").exists()
    ]
    if (folder / name).is_dir():
        found.append(folder / name)
    if len(found) > 1:
        listed = ", ".join(p.name for p in found)
        raise ValueError(f"{folder}: table {name!r} is given more than once ({listed}); keep one")
    return found[0] if found else None


def _excel_cell_to_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def read_raw_table(source: Path, name: str, study_folder: Path) -> RawTable:
    """Read one table without inferring types from text."""
    relative = str(source.relative_to(study_folder))
    if source.is_dir():
        parts = sorted(source.glob("*.parquet"))
        if not parts:
            raise ValueError(f"{relative}: folder holds no .parquet parts")
        frames = [pq.read_table(part).to_pandas() for part in parts]
        starts = np.cumsum([0] + [len(f) for f in frames[:-1]])
        files = tuple(str(part.relative_to(study_folder)) for part in parts)
        frame = pd.concat(frames, ignore_index=True)
        return RawTable(name, frame, RowLocator(files, tuple(int(s) for s in starts), 0), False)
    if source.suffix == ".parquet":
        frame = pq.read_table(source).to_pandas()
        return RawTable(name, frame, RowLocator((relative,), (0,), 0), False)
    if source.suffix == ".csv":
        frame = pd.read_csv(source, dtype=str, keep_default_na=False, na_values=[])
    else:
        frame = pd.read_excel(source, dtype=object, engine="openpyxl")
        frame = frame.apply(lambda column: column.map(_excel_cell_to_text)).astype(str)
        frame.columns = [str(c) for c in frame.columns]
    return RawTable(name, frame, RowLocator((relative,), (0,), 1), True)
