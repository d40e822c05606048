"""Safe outputs: atomic output folders and files, the manifest, the input hash, safe cells and names.

- :func:`output_folder` gives a temporary folder beside the destination; when the work inside the
  ``with`` block completes it writes ``manifest.json`` (rtio version, command, options, input hash)
  and swaps the folder in with one rename. An interrupted run leaves the previous complete output,
  or nothing, never a mixture (the half-written temporary folder is removed by the next run).
- :func:`atomic_write_text` / :func:`write_csv` / :func:`write_xlsx` write a single file the same way
  (temporary file in the same folder, then ``os.replace``).
- :func:`input_hash` fingerprints a study: ``study.yaml``, the tables and the protocol file it names;
  never the simulator's ``_truth/``, rtio's own ``manifest.json`` / ``import-report.json``, or any
  sub-folder (outputs never live in a study, but an old one left there does not change the hash).
- :func:`neutralise_cells` defuses spreadsheet formulas in text cells (OWASP "CSV injection": a cell
  starting with ``= + - @``, tab or carriage return is prefixed with ``'``); XLSX cells are written as
  text, never as formulas.
- :func:`safe_name` turns an id into a file name that cannot leave its folder.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

#: Files of a study folder that are rtio's own records, not input data.
NOT_INPUT = frozenset({"manifest.json", "import-report.json"})
MANIFEST = "manifest.json"
_TMP_MARK = ".rtio-tmp-"
_OLD_MARK = ".rtio-old-"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _study_protocol_file(folder: Path) -> Path | None:
    """The protocol file ``study.yaml`` names (shipped or inside the folder), if it can be found."""
    import yaml

    from rtio.protocol import ProtocolError, locate_protocol

    settings = folder / "study.yaml"
    try:
        reference = yaml.safe_load(settings.read_text(encoding="utf-8")).get("protocol")
        path = locate_protocol(str(reference), within=folder) if reference else None
    except (OSError, ValueError, AttributeError, yaml.YAMLError, ProtocolError):
        return None
    return path if path is not None and path.is_file() else None


def input_hash(folder: str | Path) -> str:
    """SHA-256 over a study's input: each top-level file's name and bytes in sorted order (hidden
    files and rtio's own records excluded), then the protocol file ``study.yaml`` names."""
    folder = Path(folder)
    digest = hashlib.sha256()
    files = sorted(
        p
        for p in folder.iterdir()
        if p.is_file() and p.name not in NOT_INPUT and not p.name.startswith((".", "~$"))
    )
    for path in files:
        digest.update(path.name.encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
    protocol = _study_protocol_file(folder)
    if protocol is not None:
        digest.update(b"protocol\0")
        digest.update(protocol.read_bytes())
    return digest.hexdigest()


def safe_name(identifier: object, default: str = "item") -> str:
    """A file-name stem from an id: letters, digits, ``.``, ``_`` and ``-`` only, no leading dot,
    at most 100 characters (``"ITT/../x"`` -> ``"ITT_.._x"`` -> ``"ITT_x"`` style, never a path)."""
    text = _UNSAFE_NAME.sub("_", str(identifier)).strip("._-")
    text = re.sub(r"\.{2,}", "_", text)[:100]
    return text or default


def neutralise_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells that a spreadsheet would read as a formula start with ``'``.

    Only text (object / string) columns are touched: a number such as -1.5 stays a number.
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if not (pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)):
            continue
        text = values.astype("string")
        risky = text.str.startswith(_FORMULA_START).fillna(False).astype(bool)
        if risky.any():
            out[column] = values.astype(object).where(~risky, "'" + text.astype(object))
    return out


def _study_format(frame: pd.DataFrame) -> pd.DataFrame:
    """ISO dates and true/false booleans, as the study format writes them."""
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            out[column] = values.dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(values):
            out[column] = values.map({True: "true", False: "false"})
    return out


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path``, renamed onto it when the block completes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}{_TMP_MARK}", dir=path.parent)
    os.close(handle)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    path = Path(path)
    with _replacing(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def write_csv(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` as a study-format CSV, formula-looking text neutralised, atomically."""
    path = Path(path)
    with _replacing(path) as tmp:
        neutralise_cells(_study_format(frame)).to_csv(tmp, index=False)
    return path


def write_xlsx(frame: pd.DataFrame, path: str | Path, sheet: str = "data") -> Path:
    """Write ``frame`` as an XLSX sheet whose text cells are stored as text (never formulas)."""
    from openpyxl import Workbook
    from openpyxl.worksheet.worksheet import Worksheet

    path = Path(path)
    book = Workbook(write_only=False)
    ws = book.active
    assert isinstance(ws, Worksheet)  # a new workbook opens on one empty worksheet
    ws.title = safe_name(sheet, "data")[:31]
    table = _study_format(frame)
    ws.append([str(c) for c in table.columns])
    for row in table.itertuples(index=False, name=None):
        ws.append([None if _missing(v) else v for v in row])
    for cells in ws.iter_rows(min_row=1):
        for cell in cells:
            if cell.data_type == "f":  # a text starting with "=" became a formula: keep it text
                cell.data_type = "s"
    with _replacing(path) as tmp:
        book.save(tmp)
    return path


def _missing(value: Any) -> bool:
    """Whether a cell value is missing (None, NaN, NaT, NA) as pandas reads it."""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def write_frame(frame: pd.DataFrame, folder: Path, name: str, fmt: str = "csv") -> Path:
    """One derived table in ``folder`` as csv, parquet or xlsx, named from a sanitised id."""
    stem = safe_name(name, "table")
    if fmt == "csv":
        return write_csv(frame, folder / f"{stem}.csv")
    if fmt == "xlsx":
        return write_xlsx(frame, folder / f"{stem}.xlsx", sheet=stem)
    if fmt == "parquet":
        path = folder / f"{stem}.parquet"
        with _replacing(path) as tmp:
            frame.to_parquet(tmp, index=False)
        return path
    raise ValueError(f"format must be csv, parquet or xlsx, not {fmt!r}")


def manifest(
    command: str, options: Mapping[str, Any], study: str | Path | None = None
) -> dict[str, Any]:
    """What an output folder records about how it was made."""
    from rtio import __version__

    record: dict[str, Any] = {
        "command": command,
        "rtio_version": __version__,
        "created": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "options": {k: _plain(v) for k, v in options.items()},
    }
    if study is not None:
        record["study"] = str(study)
        record["input_sha256"] = input_hash(study)
    return record


def _plain(value: Any) -> Any:
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _remove_leftovers(out: Path) -> None:
    """Temporary and replaced folders that an interrupted run left beside ``out``."""
    for mark in (_TMP_MARK, _OLD_MARK):
        for stale in out.parent.glob(f".{out.name}{mark}*"):
            pid = stale.name.rsplit("-", 1)[-1]
            if pid.isdigit() and int(pid) != os.getpid() and _alive(int(pid)):
                continue  # another run is writing it now
            shutil.rmtree(stale, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def output_folder(out: str | Path, record: Mapping[str, Any] | None = None) -> Iterator[Path]:
    """A temporary folder to write into, swapped in for ``out`` (with ``manifest.json``) at the end.

    ``out`` must be a folder or not exist. On any error (or an interruption) inside the block the
    temporary folder is removed and ``out`` keeps its previous complete content.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise ValueError(f"{out}: exists and is not a folder")
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_leftovers(out)
    tmp = out.parent / f".{out.name}{_TMP_MARK}{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        yield tmp
        if record is not None:
            (tmp / MANIFEST).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
        _swap_in(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _swap_in(tmp: Path, out: Path) -> None:
    """Put ``tmp`` at ``out``: one rename when ``out`` is new; otherwise the old folder is moved
    aside first (between the two renames ``out`` is briefly absent, never mixed)."""
    if not out.exists():
        os.rename(tmp, out)
        return
    old = out.parent / f".{out.name}{_OLD_MARK}{os.getpid()}"
    shutil.rmtree(old, ignore_errors=True)
    os.rename(out, old)
    os.rename(tmp, out)
    shutil.rmtree(old, ignore_errors=True)
