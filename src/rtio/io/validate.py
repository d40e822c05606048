"""Validation of a study folder: every problem at once, each naming file, row, column and rule.

The checks are driven by the declarations in :mod:`rtio.io.schema` and run over whole columns
(pandas), so a study of a million subjects validates in seconds. Parsing a table and validating
it is one pass: :func:`parse_table` returns the typed frame that :func:`rtio.io.load_study`
hands to the rest of rtio, together with the problems it found. Nothing is dropped or coerced:
a cell that does not parse is an error, never a silent NaN.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import ValidationError

from rtio.io.readers import RawTable, find_table_source, read_raw_table
from rtio.io.schema import SCHEMAS, Column, TableSchema
from rtio.io.settings import StudySettings

Severity = Literal["error", "warning"]

SETTINGS_FILE = "study.yaml"
PROTOCOL_FILE = "protocol.yaml"
MAX_ROWS_PER_RULE = 200
"""Rows listed one by one for one (file, column, rule); the rest are counted in one summary line."""


@dataclass(frozen=True)
class Issue:
    """One problem found in a study folder."""

    severity: Severity
    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str
    message: str

    def __str__(self) -> str:
        where = self.file + (f", row {self.row}" if self.row is not None else "")
        where += f", column {self.column!r}" if self.column else ""
        value = f" value {self.value!r}:" if self.value is not None else ""
        return f"{self.severity.upper()} {where}:{value} {self.message} [{self.rule}]"


@dataclass
class ValidationReport:
    """All problems of one study folder. ``ok`` is True when there are no errors."""

    study: str
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_frame(self) -> pd.DataFrame:
        columns = ["severity", "file", "row", "column", "value", "rule", "message"]
        return pd.DataFrame([asdict(i) for i in self.issues], columns=columns)

    def to_json(self) -> str:
        return json.dumps(
            {
                "study": self.study,
                "ok": self.ok,
                "n_errors": len(self.errors),
                "n_warnings": len(self.warnings),
                "issues": [asdict(i) for i in self.issues],
            },
            indent=2,
        )


class _Collector:
    """Collects issues; lists at most MAX_ROWS_PER_RULE rows per (file, column, rule)."""

    def __init__(self, report: ValidationReport) -> None:
        self.report = report

    def add(
        self,
        severity: Severity,
        file: str,
        rule: str,
        message: str,
        row: int | None = None,
        column: str | None = None,
        value: object = None,
    ) -> None:
        text = None if value is None else _as_text(value)
        self.report.issues.append(Issue(severity, file, row, column, text, rule, message))

    def add_rows(
        self,
        severity: Severity,
        raw: RawTable,
        mask: np.ndarray | pd.Series,
        column: str | None,
        values: pd.Series | None,
        rule: str,
        message: str | Callable[[int], str],
    ) -> None:
        """One issue per flagged row (``mask`` over the rows of ``raw``)."""
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        if positions.size == 0:
            return
        shown = positions[:MAX_ROWS_PER_RULE]
        files, rows = raw.locator.locate(shown)
        for pos, file, row in zip(shown, files, rows, strict=True):
            text = message(int(pos)) if callable(message) else message
            value = None if values is None else values.iloc[pos]
            self.add(severity, str(file), rule, text, int(row), column, value)
        if positions.size > shown.size:
            more = positions.size - shown.size
            self.add(
                severity,
                str(raw.locator.files[0]),
                rule,
                f"... and {more} more rows with the same problem",
                None,
                column,
            )


def _as_text(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return ""
    return str(value)


# ---------------------------------------------------------------- parsing one table


def _parse_text(text: pd.Series, column: Column) -> tuple[pd.Series, np.ndarray]:
    """Parse a text column into its kind; returns (typed values, mask of unparseable cells)."""
    stripped = text.str.strip()
    empty = (stripped == "").to_numpy()
    if column.kind == "str":
        return text.where(~empty, None).astype(object), np.zeros(len(text), dtype=bool)
    if column.kind == "int":
        ok = stripped.str.fullmatch(r"[+-]?\d+").to_numpy()
        typed = pd.to_numeric(stripped.where(ok), errors="coerce").astype("Int64")
        return typed, ~empty & ~ok
    if column.kind == "float":
        number = pd.to_numeric(stripped.where(~empty), errors="coerce")
        bad = ~empty & ~np.isfinite(number.to_numpy(dtype=float))
        return number.where(~bad).astype(float), bad
    if column.kind == "date":
        ok = stripped.str.fullmatch(r"\d{4}-\d{2}-\d{2}").to_numpy()
        typed = pd.to_datetime(stripped.where(ok), format="%Y-%m-%d", errors="coerce")
        return typed, ~empty & typed.isna().to_numpy()
    lowered = stripped.str.lower()
    ok = lowered.isin(["true", "false"]).to_numpy()
    typed = pd.Series(lowered.to_numpy() == "true", index=text.index, dtype="boolean")
    return typed.where(~empty & ok, pd.NA), ~empty & ~ok


def _native_matches(values: pd.Series, column: Column) -> bool:
    dtype = values.dtype
    if column.kind == "str":
        return pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")
    if column.kind == "int":
        if pd.api.types.is_integer_dtype(dtype):
            return True
        if pd.api.types.is_float_dtype(dtype):
            finite = values.dropna().to_numpy()
            return bool(np.all(np.isfinite(finite)) and np.all(finite == np.round(finite)))
        return False
    if column.kind == "float":
        return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)
    if column.kind == "date":
        return pd.api.types.is_datetime64_any_dtype(dtype) or pd.api.types.infer_dtype(
            values, skipna=True
        ) in ("date", "datetime", "empty")
    return pd.api.types.is_bool_dtype(dtype)


def _parse_native(values: pd.Series, column: Column) -> pd.Series:
    """Normalise a typed (Parquet) column that already has the right kind."""
    if column.kind == "str":
        return values.astype(object).where(values.notna(), None)
    if column.kind == "int":
        return values.astype("Int64")
    if column.kind == "float":
        return values.astype(float)
    if column.kind == "date":
        return pd.to_datetime(values).dt.tz_localize(None).dt.normalize()
    return values.astype("boolean")


def _finalise(typed: pd.Series, column: Column) -> pd.Series:
    """Plain numpy dtypes where a column has no missing values by contract."""
    if column.nullable:
        return typed
    if column.kind == "int" and typed.notna().all():
        return typed.astype("int64")
    if column.kind == "bool" and typed.notna().all():
        return typed.astype(bool)
    return typed


def parse_table(raw: RawTable, schema: TableSchema, collect: _Collector) -> pd.DataFrame:
    """Check the columns of one table and return it typed (declared columns first, extras after)."""
    frame = raw.frame
    file = raw.locator.files[0]
    present = set(frame.columns)
    for name in frame.columns:
        if name not in schema.column_names:
            collect.add(
                "warning",
                file,
                "unknown_column",
                f"column {name!r} is not part of the {schema.name} table; it is kept as text",
                column=str(name),
            )
    typed_columns: dict[str, pd.Series] = {}
    for column in schema.columns:
        if column.name not in present:
            if column.required:
                collect.add(
                    "error",
                    file,
                    "missing_column",
                    f"required column {column.name!r} of the {schema.name} table is missing",
                    column=column.name,
                )
            continue
        values = frame[column.name]
        if not raw.textual and _native_matches(values, column):
            typed, bad = _parse_native(values, column), np.zeros(len(values), dtype=bool)
        elif raw.textual or pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
            text = values.where(values.notna(), "").astype(str)
            typed, bad = _parse_text(text, column)
        else:
            collect.add(
                "error",
                file,
                "type",
                f"column has stored type {values.dtype}; expected {column.kind}",
                column=column.name,
            )
            continue
        collect.add_rows(
            "error", raw, bad, column.name, values, "type", f"not a valid {_KIND_TEXT[column.kind]}"
        )
        _check_values(raw, column, typed, bad, values, collect)
        typed_columns[column.name] = _finalise(typed, column)
    result = pd.DataFrame(typed_columns, index=frame.index)
    for name in frame.columns:
        if name not in schema.column_names:
            result[name] = frame[name]
    return result


_KIND_TEXT = {
    "str": "text",
    "int": "whole number",
    "float": "number",
    "date": "date (YYYY-MM-DD)",
    "bool": "boolean (true/false)",
}


def _check_values(
    raw: RawTable,
    column: Column,
    typed: pd.Series,
    bad: np.ndarray,
    original: pd.Series,
    collect: _Collector,
) -> None:
    missing = typed.isna().to_numpy() & ~bad
    if not column.nullable:
        collect.add_rows(
            "error", raw, missing, column.name, None, "empty_value", "must not be empty"
        )
    present = ~missing & ~bad
    if column.allowed is not None:
        outside = present & ~typed.astype(object).isin(column.allowed).to_numpy()
        allowed = ", ".join(column.allowed)
        collect.add_rows(
            "error",
            raw,
            outside,
            column.name,
            original,
            "allowed_values",
            f"must be one of: {allowed}",
        )
    if column.minimum is not None:
        below = present & (typed.astype(float).to_numpy(na_value=np.nan) < column.minimum)
        collect.add_rows(
            "error", raw, below, column.name, original, "minimum", f"must be >= {column.minimum:g}"
        )
    if column.maximum is not None:
        above = present & (typed.astype(float).to_numpy(na_value=np.nan) > column.maximum)
        collect.add_rows(
            "error", raw, above, column.name, original, "maximum", f"must be <= {column.maximum:g}"
        )


def key_values_text(frame: pd.DataFrame, columns: list[str], mask: np.ndarray) -> pd.Series:
    """ "a / b" texts of the key columns, built only for the flagged rows (for messages)."""
    text = pd.Series(None, index=frame.index, dtype=object)
    flagged = frame.loc[np.asarray(mask, dtype=bool), columns]
    if len(flagged):
        parts = [flagged[c].map(_as_text) for c in columns]
        joined = parts[0]
        for part in parts[1:]:
            joined = joined + " / " + part
        text.loc[flagged.index] = joined
    return text


def check_keys(
    raw: RawTable, schema: TableSchema, frame: pd.DataFrame, collect: _Collector
) -> None:
    """Rows that repeat the table's key (e.g. the same lesion measured twice on one date)."""
    if not schema.key or not set(schema.key) <= set(frame.columns):
        return
    duplicated = frame.duplicated(list(schema.key), keep="first").to_numpy()
    key_text = key_values_text(frame, list(schema.key), duplicated)
    label = " + ".join(schema.key)
    collect.add_rows(
        "error",
        raw,
        duplicated,
        label,
        key_text,
        "duplicate_key",
        f"duplicate {label}: already on an earlier row",
    )


# ---------------------------------------------------------------- the whole folder


@dataclass
class ParsedStudy:
    """The typed tables of a study folder and the problems found while reading them."""

    folder: Path
    settings: StudySettings | None
    protocol_ref: str | None
    tables: dict[str, pd.DataFrame]
    raw: dict[str, RawTable]
    report: ValidationReport


class _TextDateLoader(yaml.SafeLoader):
    """A safe YAML loader that leaves dates as text, so pydantic parses (and names) them."""


_TextDateLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _read_settings(folder: Path, collect: _Collector) -> tuple[StudySettings | None, str | None]:
    path = folder / SETTINGS_FILE
    if not path.exists():
        if (folder / PROTOCOL_FILE).exists():
            return StudySettings(), PROTOCOL_FILE
        collect.add(
            "error",
            SETTINGS_FILE,
            "settings",
            f"the study folder has neither {SETTINGS_FILE} nor {PROTOCOL_FILE}",
        )
        return None, None
    try:
        content = yaml.load(path.read_text(), Loader=_TextDateLoader) or {}
    except yaml.YAMLError as exc:
        collect.add("error", SETTINGS_FILE, "settings", f"not valid YAML: {exc}")
        return None, None
    if not isinstance(content, dict):
        collect.add("error", SETTINGS_FILE, "settings", "must be a mapping of settings")
        return None, None
    try:
        settings = StudySettings.model_validate(content)
    except ValidationError as exc:
        for error in exc.errors():
            field_path = ".".join(str(p) for p in error["loc"])
            collect.add(
                "error",
                SETTINGS_FILE,
                "settings",
                f"{field_path}: {error['msg']}",
                column=field_path,
                value=error.get("input") if not isinstance(error.get("input"), dict) else None,
            )
        return None, None
    if settings.protocol is None and (folder / PROTOCOL_FILE).exists():
        return settings, PROTOCOL_FILE
    return settings, settings.protocol


def read_study(folder: str | Path) -> ParsedStudy:
    """Read and check every table of a study folder (no protocol checks)."""
    folder = Path(folder)
    report = ValidationReport(str(folder))
    collect = _Collector(report)
    if not folder.is_dir():
        collect.add("error", str(folder), "missing_folder", "study folder does not exist")
        return ParsedStudy(folder, None, None, {}, {}, report)
    settings, protocol_ref = _read_settings(folder, collect)
    tables: dict[str, pd.DataFrame] = {}
    raws: dict[str, RawTable] = {}
    for name, schema in SCHEMAS.items():
        try:
            source = find_table_source(folder, name)
        except ValueError as exc:
            collect.add("error", name, "ambiguous_table", str(exc))
            continue
        if source is None:
            if schema.required:
                collect.add(
                    "error", f"{name}.csv", "missing_table", f"the required {name} table is missing"
                )
            continue
        try:
            raw = read_raw_table(source, name, folder)
        except Exception as exc:  # a file that cannot be read at all is reported, not raised
            collect.add(
                "error", str(source.relative_to(folder)), "unreadable", f"cannot read: {exc}"
            )
            continue
        raws[name] = raw
        tables[name] = parse_table(raw, schema, collect)
        check_keys(raw, schema, tables[name], collect)
    _report_unknown_files(folder, collect)
    return ParsedStudy(folder, settings, protocol_ref, tables, raws, report)


def _report_unknown_files(folder: Path, collect: _Collector) -> None:
    known = {SETTINGS_FILE, PROTOCOL_FILE}
    for path in sorted(folder.iterdir()):
        if path.name.startswith((".", "_")) or path.name in known:
            continue
        stem = path.name if path.is_dir() else path.stem
        if stem in SCHEMAS and (path.is_dir() or path.suffix in (".csv", ".parquet", ".xlsx")):
            continue
        collect.add(
            "warning",
            path.name,
            "unknown_file",
            "not a study table (tables: " + ", ".join(SCHEMAS) + "); ignored",
        )
