"""Reading study tables from CSV, Parquet (a file or a folder of parts), XLSX or memory.

Text formats are read as strings, with nothing inferred: parsing into types is the validator's
job, so that a bad cell is reported with its file, row and column instead of being coerced.
Parquet keeps its own types. Each table comes back with a :class:`RowLocator` that turns a row
position into the file and row a person can open.

Reading never raises on what a file holds. A file that cannot be read as a table (another format
under a ``.csv`` name, UTF-16 or Latin-1 text, a semicolon-delimited export, a header with a
column named twice or a column without a name) is reported in the user's terms — "the file is
UTF-16: save it as UTF-8", "the file looks semicolon-delimited" — and the rest of the study is
still checked.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from rtio.io.issues import Collector

__all__ = [
    "TABLE_SUFFIXES",
    "RawTable",
    "RowLocator",
    "column_letter",
    "find_table_source",
    "raw_from_frame",
    "read_raw_table",
]

TABLE_SUFFIXES = (".csv", ".parquet", ".xlsx")
SNIFF_BYTES = 4096

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zip archive"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls) or an encrypted workbook"),
    (b"PAR1", "a Parquet file"),
    (b"%PDF", "a PDF document"),
    (b"{\\rtf", "an RTF document"),
    (b"\x1f\x8b", "a gzip archive"),
)
_FORMAT_FIX = {
    ".csv": "save it as CSV (comma-delimited, UTF-8) or give it its own extension",
    ".xlsx": "save it as an Excel workbook (.xlsx) or as CSV (comma-delimited, UTF-8) named .csv",
    ".parquet": "write it as Parquet or save it as CSV (comma-delimited, UTF-8) named .csv",
}
_DELIMITERS = {";": "semicolon", "\t": "tab", "|": "pipe"}


def column_letter(index: int) -> str:
    """The spreadsheet letter of a 0-based column position (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass(frozen=True)
class RowLocator:
    """Maps a 0-based row position of a loaded table to (file, row as a person counts it).

    CSV and XLSX rows are numbered as a spreadsheet shows them (the header is row 1, so the first
    data row is row 2); Parquet rows are 1-based record numbers within their part file; a table
    given in memory numbers its rows from 1. ``records`` maps positions to record numbers when
    empty rows were left out.
    """

    files: tuple[str, ...]
    starts: tuple[int, ...]
    header_rows: int
    records: np.ndarray | None = None

    def locate(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Files and rows of the given 0-based positions."""
        positions = np.asarray(positions, dtype=np.int64)
        if self.records is not None:
            positions = self.records[positions]
        part = np.searchsorted(np.asarray(self.starts), positions, side="right") - 1
        rows = positions - np.asarray(self.starts)[part] + 1 + self.header_rows
        return np.asarray(self.files, dtype=object)[part], rows


@dataclass(frozen=True)
class RawTable:
    """A table as read, before validation: unique text column names, cells as stored."""

    name: str
    frame: pd.DataFrame
    locator: RowLocator
    textual: bool

    @property
    def file(self) -> str:
        """The file a person opens for this table (the first part of a Parquet folder)."""
        return self.locator.files[0]


def find_table_source(folder: Path, name: str) -> list[Path]:
    """The files or Parquet folder holding table ``name`` (empty if the study has none; more than
    one is an error the caller reports)."""
    found = [
        folder / f"{name}{suffix}"
        for suffix in TABLE_SUFFIXES
        if (folder / f"{name}{suffix}").is_file()
    ]
    if (folder / name).is_dir():
        found.append(folder / name)
    return found


# ---------------------------------------------------------------- what a file is


def _signature(head: bytes) -> str | None:
    for magic, what in _SIGNATURES:
        if head.startswith(magic):
            return what
    stripped = head.lstrip().lower()
    if stripped.startswith((b"<html", b"<!doctype html")):
        return "an HTML page"
    if stripped.startswith(b"<?xml"):
        return "an XML file (an Excel 2003 XML spreadsheet?)"
    return None


def _text_encoding_problem(head: bytes) -> str | None:
    """A message when the bytes are text in an encoding other than UTF-8."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "the file is UTF-32: save it as UTF-8 (in Excel: CSV UTF-8)"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "the file is UTF-16: save it as UTF-8 (in Excel: CSV UTF-8)"
    if b"\x00" in head:
        zeros = head.count(b"\x00")
        if zeros >= len(head) // 4:
            return (
                "the file is UTF-16 (without a byte-order mark): save it as UTF-8 "
                "(in Excel: CSV UTF-8)"
            )
        return "the file holds NUL bytes: it is not a text (CSV) file"
    return None


def _decode_problem(data: bytes) -> tuple[int, str] | None:
    """(line, message) for the first byte that is not UTF-8."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = data[exc.start]
        latin = bytes([byte]).decode("cp1252", errors="replace")
        return line, (
            f"the file is not UTF-8: byte 0x{byte:02X} on line {line} is {latin!r} in "
            "Latin-1 / Windows-1252; save the file as UTF-8 (in Excel: CSV UTF-8)"
        )
    return None


def _format_problem(source: Path, head: bytes) -> str | None:
    """A message when a file's content is not what its extension says."""
    suffix = source.suffix
    what = _signature(head)
    expected = {".xlsx": b"PK\x03\x04", ".parquet": b"PAR1"}.get(suffix)
    if expected is not None:
        if head.startswith(expected):
            return None
        found = what or "text (CSV?)"
        return f"the file is {found}, not {suffix.lstrip('.')}: {_FORMAT_FIX[suffix]}"
    if what is not None:
        hint = {
            "a Parquet file": f"rename it {source.stem}.parquet",
            "an Excel workbook (.xlsx) or another zip archive": f"rename it {source.stem}.xlsx",
        }.get(what, _FORMAT_FIX[suffix])
        return f"the file is {what}, not CSV text: {hint}"
    return None


# ---------------------------------------------------------------- the header row


def _blank(column: pd.Series) -> np.ndarray:
    """Mask of the empty cells of one column (missing, or the empty text)."""
    blank = column.isna().to_numpy()
    if column.dtype == object or pd.api.types.is_string_dtype(column.dtype):
        blank = blank | (column.astype(object) == "").to_numpy(dtype=bool)
    return blank


def _tidy_columns(
    frame: pd.DataFrame, names: list[str], file: str, collect: Collector
) -> pd.DataFrame:
    """The frame with its header checked: a column without a name is dropped when empty (a
    trailing delimiter) and an error otherwise; a name given twice is an error (the first kept)."""
    keep: list[int] = []
    seen: dict[str, int] = {}
    trailing: list[str] = []
    for j, name in enumerate(names):
        letter = column_letter(j)
        if not name.strip():
            if _blank(frame.iloc[:, j]).all():
                trailing.append(letter)
            else:
                collect.add(
                    "error",
                    file,
                    "unnamed_column",
                    f"column {letter} holds values but has no name in the header row",
                    row=1,
                    column=letter,
                )
            continue
        if name in seen:
            collect.add(
                "error",
                file,
                "duplicate_column",
                f"column {name!r} appears more than once in the header (columns "
                f"{column_letter(seen[name])} and {letter}); keep one (column {letter} is ignored)",
                row=1,
                column=name,
            )
            continue
        seen[name] = j
        keep.append(j)
    if trailing:
        collect.add(
            "warning",
            file,
            "unnamed_column",
            f"column(s) {', '.join(trailing)} have no name and no values (a trailing delimiter "
            "on each row?); ignored",
            row=1,
        )
    out = frame.iloc[:, keep]
    out.columns = [names[j] for j in keep]
    return out.reset_index(drop=True)


def _delimiter_problem(names: list[str]) -> str | None:
    """A message when a one-column header is really another delimiter's header."""
    if len(names) != 1:
        return None
    for delimiter, word in _DELIMITERS.items():
        if delimiter in names[0]:
            return (
                f"the file looks {word}-delimited (the header {names[0]!r} is read as one "
                f"column): rtio reads comma-delimited CSV; save it as CSV (comma-delimited)"
            )
    return None


def _drop_empty_rows(
    frame: pd.DataFrame, file: str, header_rows: int, collect: Collector
) -> tuple[pd.DataFrame, np.ndarray | None]:
    """Rows with no value at all are not records: they are left out with one warning."""
    if frame.empty:
        return frame, None
    cells = frame.to_numpy(dtype=object)
    empty = ((cells == "") | pd.isna(cells)).all(axis=1)
    if not empty.any():
        return frame, None
    rows = np.flatnonzero(empty) + 1 + header_rows
    listed = ", ".join(str(r) for r in rows[:10]) + (" ..." if rows.size > 10 else "")
    collect.add(
        "warning",
        file,
        "empty_row",
        f"{rows.size} empty row(s) ignored (rows {listed})",
        row=int(rows[0]),
    )
    kept = np.flatnonzero(~empty)
    return frame.iloc[kept].reset_index(drop=True), kept


def _table_from_grid(
    grid: pd.DataFrame, name: str, file: str, collect: Collector
) -> RawTable | None:
    """A table from a grid of text cells whose first row is the header (CSV, XLSX)."""
    if grid.shape[0] == 0:
        collect.add(
            "error", file, "empty_file", "the file is empty: it needs at least the header row"
        )
        return None
    names = ["" if pd.isna(v) else str(v) for v in grid.iloc[0].tolist()]
    problem = _delimiter_problem(names)
    if problem is not None:
        collect.add("error", file, "delimiter", problem, row=1)
        return None
    body = grid.iloc[1:].reset_index(drop=True)
    body, kept = _drop_empty_rows(body, file, 1, collect)
    frame = _tidy_columns(body, names, file, collect)
    return RawTable(name, frame, RowLocator((file,), (0,), 1, kept), True)


# ---------------------------------------------------------------- CSV


def _csv_grid_tolerant(text: str, file: str, collect: Collector) -> pd.DataFrame:
    """Rows of a CSV whose records have more values than its header: trailing empty values are
    left out with a warning, other extra values are an error on their row."""
    records = list(csv.reader(io.StringIO(text, newline="")))
    width = len(records[0]) if records else 0
    extra_empty: list[int] = []
    for index, record in enumerate(records):
        if len(record) > width:
            extra = record[width:]
            if any(value.strip() for value in extra):
                collect.add(
                    "error",
                    file,
                    "row_length",
                    f"the row has {len(record)} values but the header names {width} columns "
                    "(a comma inside a value that is not quoted?); the extra values are ignored",
                    row=index + 1,
                    value=",".join(extra),
                )
            else:
                extra_empty.append(index + 1)
            del record[width:]
        elif len(record) < width:
            record.extend([""] * (width - len(record)))
    if extra_empty:
        collect.add(
            "warning",
            file,
            "row_length",
            f"{len(extra_empty)} row(s) end in empty values beyond the header's {width} columns "
            "(a trailing delimiter?); ignored",
            row=extra_empty[0],
        )
    return pd.DataFrame(records, dtype=object)


def _read_csv(source: Path, name: str, file: str, collect: Collector) -> RawTable | None:
    if source.stat().st_size == 0:
        collect.add(
            "error", file, "empty_file", "the file is empty: it needs at least the header row"
        )
        return None
    with source.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    problem = _format_problem(source, head)
    if problem is not None:
        collect.add("error", file, "file_format", problem)
        return None
    problem = _text_encoding_problem(head)
    if problem is not None:
        collect.add("error", file, "encoding", problem)
        return None
    try:
        grid = pd.read_csv(
            source,
            header=None,
            dtype=object,
            keep_default_na=False,
            na_values=[],
            skip_blank_lines=False,
            encoding="utf-8-sig",
        )
    except UnicodeDecodeError:
        found = _decode_problem(source.read_bytes())
        line, message = found if found else (None, "the file is not UTF-8 text")
        collect.add("error", file, "encoding", message, row=line)
        return None
    except pd.errors.EmptyDataError:
        grid = pd.DataFrame()
    except pd.errors.ParserError:
        grid = _csv_grid_tolerant(source.read_text(encoding="utf-8-sig"), file, collect)
    return _table_from_grid(grid.astype(object), name, file, collect)


# ---------------------------------------------------------------- XLSX


def _excel_cell_to_text(value: object) -> str:
    """An Excel cell as the text a CSV export would hold (dates as ISO, whole numbers without
    a decimal point, booleans as true/false)."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _read_xlsx(source: Path, name: str, file: str, collect: Collector) -> RawTable | None:
    with source.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    problem = _format_problem(source, head)
    if problem is not None:
        collect.add("error", file, "file_format", problem)
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            sheets = pd.read_excel(source, sheet_name=None, header=None, dtype=object)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        collect.add(
            "error",
            file,
            "file_format",
            f"not a readable Excel workbook ({type(exc).__name__}): "
            "save it again as .xlsx or as CSV (comma-delimited, UTF-8)",
        )
        return None
    filled = [sheet for sheet, grid in sheets.items() if grid.notna().to_numpy().any()]
    if not filled:
        collect.add("error", file, "empty_file", "the workbook holds no cells: it needs a header")
        return None
    if len(filled) > 1:
        collect.add(
            "warning",
            file,
            "sheets",
            f"the workbook has {len(filled)} sheets with cells ({', '.join(map(str, filled))}); "
            f"only the first, {filled[0]!r}, is read",
        )
    grid = sheets[filled[0]]
    if len(filled) > 1 or filled[0] != next(iter(sheets)):
        file = f"{file} [{filled[0]}]"
    text = grid.map(_excel_cell_to_text) if grid.size else grid
    return _table_from_grid(text.astype(object), name, file, collect)


# ---------------------------------------------------------------- Parquet


def _parquet_frame(path: Path, file: str, collect: Collector) -> pd.DataFrame | None:
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    problem = _format_problem(path.with_suffix(".parquet"), head)
    if problem is not None:
        collect.add("error", file, "file_format", problem)
        return None
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError, ValueError) as exc:
        collect.add("error", file, "file_format", f"not a readable Parquet file: {exc}")
        return None
    names = list(table.column_names)
    seen: set[str] = set()
    keep = []
    for index, column in enumerate(names):
        if column in seen:
            collect.add(
                "error",
                file,
                "duplicate_column",
                f"column {column!r} appears more than once; keep one (the later one is ignored)",
                column=column,
            )
            continue
        seen.add(column)
        keep.append(index)
    table = table.select(keep)
    try:
        return table.to_pandas()
    except (pa.ArrowException, ValueError, OverflowError):
        return table.to_pandas(timestamp_as_object=True, date_as_object=True)


def _read_parquet(source: Path, name: str, folder: Path, collect: Collector) -> RawTable | None:
    parts = sorted(source.glob("*.parquet")) if source.is_dir() else [source]
    relative = str(source.relative_to(folder))
    if not parts:
        collect.add("error", relative, "empty_file", "the folder holds no .parquet parts")
        return None
    frames, files = [], []
    for part in parts:
        file = str(part.relative_to(folder))
        frame = _parquet_frame(part, file, collect)
        if frame is not None:
            frames.append(frame)
            files.append(file)
    if not frames:
        return None
    columns = [list(f.columns) for f in frames]
    for file, found in zip(files[1:], columns[1:], strict=True):
        if found != columns[0]:
            collect.add(
                "error",
                file,
                "part_columns",
                f"the part's columns differ from {files[0]}'s: {', '.join(map(str, found))}",
            )
    starts = np.cumsum([0] + [len(f) for f in frames[:-1]])
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame.columns = [str(c) for c in frame.columns]
    locator = RowLocator(tuple(files), tuple(int(s) for s in starts), 0)
    return RawTable(name, frame.reset_index(drop=True), locator, False)


# ---------------------------------------------------------------- entry points


def read_raw_table(
    source: Path, name: str, study_folder: Path, collect: Collector
) -> RawTable | None:
    """Read one table without inferring types from text; None (with the problem collected) when
    the file cannot be read as a table."""
    file = str(source.relative_to(study_folder))
    try:
        if source.is_dir() or source.suffix == ".parquet":
            return _read_parquet(source, name, study_folder, collect)
        if source.suffix == ".csv":
            return _read_csv(source, name, file, collect)
        return _read_xlsx(source, name, file, collect)
    except OSError as exc:
        collect.add("error", file, "unreadable", f"cannot read the file: {exc.strerror or exc}")
        return None


def raw_from_frame(name: str, frame: pd.DataFrame, collect: Collector) -> RawTable:
    """A table given in memory (e.g. by the capture service or an importer); its rows are
    numbered from 1 and its file is the table's name."""
    data = frame.reset_index(drop=True)
    names = [_column_name(c) for c in data.columns]
    tidy = _tidy_columns(data.set_axis(range(data.shape[1]), axis=1), names, name, collect)
    return RawTable(name, tidy, RowLocator((name,), (0,), 0), False)


def _column_name(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)
