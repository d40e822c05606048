"""Validation of a save with rtio's own rules: the same checks ``rtio validate`` applies.

The subject's rows, with the change applied, are written as a small study folder and validated
by :func:`rtio.io.load_study` (schema, keys, references, date order, cross-table rules) and
:func:`rtio.derive.ctcae.validate_ae_terms` (CTCAE terms and allowed grades): their errors on
the saved row reject the save (hard checks). Their warnings on that row, and the protocol
deviations :func:`rtio.derive.rt_compliance.rt_compliance` finds for the subject (seed 000: the
LDRT course within 7 days of its first fraction), are soft checks: the row is saved, the user is
warned and a query is opened.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from rtio.derive.ctcae import validate_ae_terms
from rtio.derive.rt_compliance import rt_compliance
from rtio.io import StudyValidationError, load_study
from rtio.io.schema import SCHEMAS

DEVIATION_TABLES = ("radiotherapy", "lesions", "exposures")


@dataclass
class CheckResult:
    """Hard problems per field (``""`` for the row as a whole) and soft warnings."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, column: str | None, message: str) -> None:
        self.errors.setdefault(column or "", []).append(message)


def _frame(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns = SCHEMAS[name].column_names
    extra = [c for r in rows for c in r if c not in columns]
    return pd.DataFrame(rows, columns=list(columns) + sorted(set(extra)))


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _write(folder: Path, tables: dict[str, list[dict[str, Any]]], protocol_yaml: str,
           settings: dict[str, Any]) -> None:
    (folder / "protocol.yaml").write_text(protocol_yaml)
    study = {k: v for k, v in settings.items() if k not in ("data_cutoff", "protocol")}
    study["protocol"] = "protocol.yaml"
    (folder / "study.yaml").write_text(yaml.safe_dump(study, sort_keys=False))
    for name in SCHEMAS:
        if name == "screening":
            continue
        # every captured table is written, empty ones with their header: references to a
        # table with no rows yet (a measurement of an unknown lesion) are then checked too
        _frame(name, tables.get(name, [])).map(_text).to_csv(folder / f"{name}.csv", index=False)


def check_rows(
    tables: dict[str, list[dict[str, Any]]],
    focus: tuple[str, int],
    protocol_yaml: str,
    settings: dict[str, Any],
    *,
    randomized: bool,
) -> CheckResult:
    """Validate one subject's tables and return the problems of row ``focus`` = (table, index).

    ``randomized`` False ignores problems with ``arm`` (no allocation yet: it comes only from
    randomization).
    """
    table, index = focus
    result = CheckResult()
    with tempfile.TemporaryDirectory(prefix="rtio-capture-check-") as tmp:
        folder = Path(tmp)
        _write(folder, tables, protocol_yaml, settings)
        try:
            study = load_study(folder)
            report = study.report
        except StudyValidationError as exc:
            study, report = None, exc.report
    file, row = f"{table}.csv", index + 2  # the header is row 1
    for issue in report.issues:
        if issue.file != file or issue.row not in (row, None):
            continue
        if issue.column == "arm" and not randomized:
            continue
        if issue.rule == "unknown_file":
            continue
        if issue.severity == "error":
            result.error(issue.column, issue.message)
        else:
            result.warnings.append(f"{issue.column or table}: {issue.message}")
    if study is None or not result.ok:
        return result
    if table == "adverse_events" and study.table("adverse_events") is not None:
        for problem in validate_ae_terms(
            study.tables["adverse_events"], study.settings.term_map, study.settings.ctcae_version
        ):
            if problem.startswith(f"adverse_events row {index}, "):
                column = problem.split("column '", 1)[1].split("'", 1)[0]
                result.error(column, problem.split(": ", 1)[1])
    if table in DEVIATION_TABLES and study.table("radiotherapy") is not None:
        lesions = study.table("lesions")
        if lesions is None:
            lesions = pd.DataFrame(columns=list(SCHEMAS["lesions"].column_names))
        deviations = rt_compliance(
            study.tables["radiotherapy"], lesions, study.table("exposures"), study.protocol
        )
        for dev in deviations.itertuples():
            result.warnings.append(f"protocol deviation ({dev.rule}): {dev.detail}")
    return result
