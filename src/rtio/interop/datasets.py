"""Datasets in the three exchange formats rtio reads and writes: SAS XPT, Dataset-JSON v1.1 and CSV.

A dataset is a frame plus its metadata (:class:`DatasetSpec`: name, label, variables with labels and
types). Writers check what the target format requires instead of letting a library truncate: XPT
version 5 (the FDA transport format, written by pyreadstat with ``file_format_version=5``; its
default is 8) allows names of at most 8 characters, labels of at most 40, ASCII text and values of
at most 200 bytes. Dataset-JSON documents are validated against the v1.1 JSON schema shipped with
rtio before they are written.

Readers return every value as text ("" when missing; numbers in their shortest exact decimal form,
dates as ISO 8601), so that the importers parse each variable themselves and report a bad value with
its file, record and variable instead of a library coercing it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from rtio.interop.datasetjson import dataset_json_document, read_dataset_json, validate_dataset_json

Kind = Literal["text", "integer", "float", "date", "dtc"]
"""``date``: an analysis date (numeric in XPT, ISO text elsewhere); ``dtc``: an SDTM ISO 8601
date/time held as text."""

FORMATS: dict[str, str] = {"xpt": ".xpt", "dataset-json": ".json", "csv": ".csv"}
"""The exchange formats and the file extension each is written with."""

READ_SUFFIXES = (".xpt", ".json", ".ndjson", ".csv")
NOT_DATASETS = {"define.json", "import-report.json", "manifest.json"}
"""Metadata files that may sit beside datasets."""
SAS_EPOCH = pd.Timestamp("1960-01-01")
XPT_NAME_MAX = 8
XPT_LABEL_MAX = 40
XPT_TEXT_MAX = 200


@dataclass(frozen=True)
class Variable:
    """One variable of an exchange dataset: name, label, kind and, optionally, its codelist."""

    name: str
    label: str
    kind: Kind = "text"
    codelist: str | None = None
    origin: str = "Derived"
    note: str = ""


@dataclass(frozen=True)
class DatasetSpec:
    """An exchange dataset's metadata: name (upper case), label, variables, keys and structure."""

    name: str
    label: str
    variables: tuple[Variable, ...]
    keys: tuple[str, ...] = ()
    structure: str = ""
    standard: str = ""

    def variable(self, name: str) -> Variable:
        for var in self.variables:
            if var.name == name:
                return var
        raise KeyError(f"dataset {self.name} has no variable {name}")

    @property
    def names(self) -> list[str]:
        return [v.name for v in self.variables]


@dataclass
class Dataset:
    """A dataset as read from a file: all values as text, with the file it came from."""

    name: str
    file: str
    frame: pd.DataFrame
    labels: dict[str, str] = field(default_factory=dict)


class ExchangeFormatError(ValueError):
    """A dataset that the target format cannot hold (names, labels, text), naming what breaks it."""


def check_format(fmt: str) -> str:
    """The format name if rtio writes it, else a ValueError listing the formats."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    return fmt


# ---------------------------------------------------------------- writing


def _frame_for(frame: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    """The dataset's variables in spec order (a variable absent from ``frame`` is an error)."""
    missing = [v.name for v in spec.variables if v.name not in frame.columns]
    if missing:
        raise ValueError(f"{spec.name}: no values for variables {', '.join(missing)}")
    return frame[spec.names].reset_index(drop=True)


def _text_values(values: pd.Series) -> pd.Series:
    return values.astype(object).where(values.notna(), None)


def _check_xpt(frame: pd.DataFrame, spec: DatasetSpec) -> None:
    """XPT version 5 limits, checked instead of letting the writer truncate (it cuts labels)."""
    problems = []
    if len(spec.name) > XPT_NAME_MAX:
        problems.append(f"dataset name {spec.name!r} is longer than {XPT_NAME_MAX} characters")
    if len(spec.label) > XPT_LABEL_MAX:
        problems.append(f"dataset label {spec.label!r} is longer than {XPT_LABEL_MAX} characters")
    for var in spec.variables:
        if len(var.name) > XPT_NAME_MAX:
            problems.append(f"variable {var.name}: name longer than {XPT_NAME_MAX} characters")
        if len(var.label) > XPT_LABEL_MAX:
            problems.append(f"variable {var.name}: label {var.label!r} longer than {XPT_LABEL_MAX}")
        if var.kind in ("text", "dtc"):
            text = frame[var.name].dropna().astype(str)
            too_long = text.map(lambda v: len(v.encode("utf-8"))) > XPT_TEXT_MAX
            not_ascii = ~text.map(str.isascii)
            for mask, what in (
                (too_long, f"longer than {XPT_TEXT_MAX} bytes"),
                (not_ascii, "not ASCII"),
            ):
                if mask.any():
                    record = int(text.index[mask.to_numpy()][0]) + 1
                    problems.append(
                        f"variable {var.name}, record {record}: value {text[mask].iloc[0]!r} is {what}"
                    )
    if problems:
        raise ExchangeFormatError(
            f"{spec.name} cannot be written as XPT v5: " + "; ".join(problems)
        )


def _write_xpt(frame: pd.DataFrame, spec: DatasetSpec, path: Path) -> None:
    import pyreadstat

    _check_xpt(frame, spec)
    out = pd.DataFrame(index=frame.index)
    formats = {}
    for var in spec.variables:
        values = frame[var.name]
        if var.kind == "date":
            # SAS dates: days since 1960-01-01, numeric, with the DATE9. format
            out[var.name] = (pd.to_datetime(values) - SAS_EPOCH).dt.days.astype(float)
            formats[var.name] = "DATE9."
        elif var.kind in ("integer", "float"):
            out[var.name] = pd.to_numeric(values).astype(float)
        else:
            out[var.name] = _text_values(values)
    pyreadstat.write_xport(
        out,
        str(path),
        file_label=spec.label,
        column_labels=[v.label for v in spec.variables],
        table_name=spec.name,
        file_format_version=5,
        variable_format=formats,
    )


def _csv_text(values: pd.Series, kind: Kind) -> pd.Series:
    if kind == "date":
        return pd.to_datetime(values).dt.strftime("%Y-%m-%d").fillna("")
    if kind in ("integer", "float"):
        return number_texts(values)
    return values.astype(object).where(values.notna(), "").astype(str)


def _write_csv(frame: pd.DataFrame, spec: DatasetSpec, path: Path) -> None:
    out = pd.DataFrame({v.name: _csv_text(frame[v.name], v.kind) for v in spec.variables})
    out.to_csv(path, index=False)


def default_mode(directory: bool = False) -> int:
    """Permissions a new file (or folder) gets under the process umask."""
    mask = os.umask(0)
    os.umask(mask)
    return (0o777 if directory else 0o666) & ~mask


def _atomic(path: Path, write) -> Path:
    """Write through a temporary file in the same folder, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        write(Path(temporary))
        os.chmod(temporary, default_mode())
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return path


def write_dataset(
    frame: pd.DataFrame,
    spec: DatasetSpec,
    folder: str | Path,
    fmt: str,
    *,
    study_oid: str,
    metadata_ref: str | None = None,
) -> Path:
    """Write one dataset as ``<name in lower case><extension>`` in ``folder`` (atomically)."""
    check_format(fmt)
    data = _frame_for(frame, spec)
    path = Path(folder) / f"{spec.name.lower()}{FORMATS[fmt]}"
    if fmt == "xpt":
        return _atomic(path, lambda p: _write_xpt(data, spec, p))
    if fmt == "csv":
        return _atomic(path, lambda p: _write_csv(data, spec, p))
    document = dataset_json_document(data, spec, study_oid=study_oid, metadata_ref=metadata_ref)
    validate_dataset_json(document, source=path.name)
    return _atomic(path, lambda p: p.write_text(json.dumps(document, ensure_ascii=False)))


# ---------------------------------------------------------------- reading


def number_texts(values: pd.Series) -> pd.Series:
    """Numbers as the shortest decimal text that reads back as exactly the same double (integers
    without ".0"; missing values ""), over a whole column."""
    numbers = pd.to_numeric(values, errors="coerce").astype(float)
    text = numbers.astype(str).str.replace(r"\.0$", "", regex=True)
    return text.where(numbers.notna(), "").astype(object)


def _number_text(value: float | np.integer | np.floating) -> str:
    """The shortest decimal text that reads back as exactly the same double ("" when missing)."""
    if isinstance(value, float) and np.isnan(value):
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() and abs(number) < 1e15 else repr(number)


def _value_text(value: object) -> str:
    if value is None or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, np.integer, np.floating)):
        return _number_text(value)
    if isinstance(value, (dt.datetime, pd.Timestamp)):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every value as stripped text: numbers exact, dates ISO, missing "" (column names upper)."""
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_float_dtype(values.dtype) or pd.api.types.is_integer_dtype(values.dtype):
            out[str(column).upper()] = number_texts(values)
        elif pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
            out[str(column).upper()] = values.astype(object).where(values.notna(), "").str.strip()
        else:
            out[str(column).upper()] = [_value_text(v) for v in values.astype(object)]
    return out


def read_dataset(path: str | Path) -> Dataset:
    """Read one XPT (v5 or v8), Dataset-JSON (.json or .ndjson) or CSV file, all values as text."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".xpt":
        import pyreadstat

        frame, meta = pyreadstat.read_xport(str(path))
        labels = {k.upper(): v or "" for k, v in (meta.column_names_to_labels or {}).items()}
        name = (meta.table_name or path.stem).upper()
        return Dataset(name, path.name, as_text(frame), labels)
    if suffix in (".json", ".ndjson"):
        frame, labels, name = read_dataset_json(path)
        return Dataset(name.upper(), path.name, as_text(frame), labels)
    if suffix == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[])
        return Dataset(path.stem.upper(), path.name, as_text(frame), {})
    raise ValueError(f"{path.name}: not a dataset file (expected {', '.join(READ_SUFFIXES)})")


def find_datasets(folder: str | Path, names: Iterable[str] | None = None) -> dict[str, Path]:
    """Dataset files of a folder by upper-case name (``dm.xpt`` -> "DM"); a name given in two
    formats is an error naming both files."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such folder")
    found: dict[str, Path] = {}
    wanted = None if names is None else {n.upper() for n in names}
    for path in sorted(folder.iterdir()):
        if (
            path.is_dir()
            or path.suffix.lower() not in READ_SUFFIXES
            or path.name.startswith(".")
            or path.name.lower() in NOT_DATASETS
        ):
            continue
        name = path.stem.upper()
        if wanted is not None and name not in wanted:
            continue
        if name in found:
            raise ValueError(
                f"{folder}: dataset {name} is given twice ({found[name].name}, {path.name}); keep one"
            )
        found[name] = path
    return found
