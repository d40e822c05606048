"""Writing an imported study folder: tables, study.yaml and import-report.json, atomically.

The folder is written under a temporary name beside its destination
(:func:`rtio.io.outputs.output_folder`), validated there with the same rules as ``rtio validate``
(tables, cross-table checks, CTCAE terms), and swapped into place once complete, so that a reader
never sees half a study. The validation result goes into the
import report; an output folder is never placed inside an input.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from rtio.interop.report import REPORT_FILE, ImportReport
from rtio.io import SCHEMAS, validate_study, write_table
from rtio.io.outputs import output_folder

MAX_LISTED_ISSUES = 200


def check_output(out: Path, inputs: Iterable[Path], overwrite: bool) -> None:
    """Refuse an output inside an input (or the reverse), or a non-empty folder unless replaced."""
    target = out.resolve()
    for source in inputs:
        source = source.resolve()
        if target == source or source in target.parents or target in source.parents:
            raise ValueError(f"--out {out} must not be inside (or contain) the input {source}")
    if target.exists() and any(target.iterdir()) and not overwrite:
        raise ValueError(
            f"--out {out} exists and is not empty; choose another folder or --overwrite"
        )


def ordered(table: pd.DataFrame, name: str) -> pd.DataFrame:
    """The table's study-format columns first (schema order), then its extra columns; the
    bookkeeping columns (leading "_") dropped."""
    schema = SCHEMAS[name]
    declared = [c for c in schema.column_names if c in table.columns]
    extra = [c for c in table.columns if c not in declared and not str(c).startswith("_")]
    out = table[declared + extra].reset_index(drop=True)
    for column in declared:
        kind = schema.column(column).kind
        if kind == "int":
            out[column] = pd.to_numeric(out[column]).round().astype("Int64")
        elif kind == "float":
            out[column] = pd.to_numeric(out[column]).astype(float)
        elif kind == "date":
            out[column] = pd.to_datetime(out[column])
    return out


def _validation(folder: Path) -> dict[str, Any]:
    from rtio.derive.ctcae import validate_ae_terms
    from rtio.io import load_study

    report = validate_study(folder)
    issues = [
        {
            "severity": i.severity,
            "file": i.file,
            "row": i.row,
            "column": i.column,
            "value": i.value,
            "rule": i.rule,
            "message": i.message,
        }
        for i in report.issues
    ]
    if report.ok:
        study = load_study(folder)
        events = study.table("adverse_events")
        if events is not None:
            for message in validate_ae_terms(
                events, study.settings.term_map, study.settings.ctcae_version
            ):
                issues.append(
                    {
                        "severity": "error",
                        "file": "adverse_events",
                        "row": None,
                        "column": "term",
                        "value": None,
                        "rule": "ctcae_term",
                        "message": message,
                    }
                )
    errors = [i for i in issues if i["severity"] == "error"]
    return {
        "ok": not errors,
        "errors": len(errors),
        "warnings": len(issues) - len(errors),
        "issues": issues[:MAX_LISTED_ISSUES],
    }


def write_study_folder(
    out: Path,
    tables: Mapping[str, pd.DataFrame | None],
    settings: Mapping[str, Any],
    report: ImportReport,
    *,
    fmt: str = "csv",
    protocol_file: Path | None = None,
    overwrite: bool = False,
) -> Path:
    """Write the study folder ``out`` (tables, study.yaml, import-report.json) and validate it
    before it is swapped into place (import-report.json records the command's options)."""
    out = Path(out)
    with output_folder(out) as staging:
        written = {}
        for name, table in tables.items():
            if table is None or table.empty:
                continue
            frame = ordered(table, name)
            write_table(frame, staging, name, format=fmt)
            written[name] = len(frame)
        report.tables = written
        content = {k: v for k, v in settings.items() if v not in (None, [], {})}
        if protocol_file is not None:
            shutil.copyfile(protocol_file, staging / "protocol.yaml")
            content["protocol"] = "protocol.yaml"
        (staging / "study.yaml").write_text(
            yaml.safe_dump(content, sort_keys=False, allow_unicode=True)
        )
        report.validation = _validation(staging)
        (staging / REPORT_FILE).write_text(report.to_json())
    return out
