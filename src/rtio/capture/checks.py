"""Validation of a save with rtio's own rules: the same checks ``rtio validate`` applies.

The subject's rows, with the change applied, are written as a small study folder and validated
by :func:`rtio.io.validate.read_study` and :func:`rtio.io.consistency.check_consistency` (schema,
keys, references, date order, cross-table rules: what ``rtio validate`` runs) and
:func:`rtio.derive.ctcae.validate_ae_terms` (CTCAE terms and allowed grades): their errors on
the saved row reject the save (hard checks). Their warnings on that row, and the protocol
deviations :func:`rtio.derive.rt_compliance.rt_compliance` finds for the subject (seed 000: the
LDRT course within 7 days of its first fraction), are soft checks: the row is saved, the user is
warned and a query is opened.
"""

from __future__ import annotations

import csv
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from rtio.derive.ctcae import validate_ae_terms
from rtio.derive.rt_compliance import rt_compliance
from rtio.io.consistency import check_consistency
from rtio.io.schema import SCHEMAS
from rtio.io.validate import _Collector, read_study

DEVIATION_TABLES = ("radiotherapy", "lesions", "exposures")
COMPLETENESS_RULES = frozenset({"all_visible_lesions"})
"""Deviations that only a complete casebook can decide (every lesion irradiated): a save in the
middle of entry would flag them every time, so they are left to the data cut's report."""


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


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _write_table(path: Path, name: str, rows: list[dict[str, Any]]) -> None:
    columns = list(SCHEMAS[name].column_names)
    columns += sorted({c for r in rows for c in r} - set(columns))
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([_text(r.get(c)) for c in columns] for r in rows)


def _needed(tables: dict[str, list[dict[str, Any]]], focus: str) -> list[str]:
    """The tables to validate: those with rows, and the tables the focus table refers to (a
    reference to a table with no rows yet, such as a measurement of an unknown lesion, is
    checked too)."""
    names = {name for name, rows in tables.items() if rows} | {focus, "subjects"}
    names |= {ref.target for ref in SCHEMAS[focus].references}
    return [n for n in SCHEMAS if n in names and n != "screening"]


def _write(
    folder: Path, tables: dict[str, list[dict[str, Any]]], focus: str, settings: dict[str, Any]
) -> None:
    study = {k: v for k, v in settings.items() if k not in ("data_cutoff", "protocol")}
    (folder / "study.yaml").write_text(yaml.safe_dump(study, sort_keys=False))
    for name in _needed(tables, focus):
        _write_table(folder / f"{name}.csv", name, tables.get(name, []))


def _validate(folder: Path) -> Any:
    """rtio's table and cross-table rules on a folder (the checks of ``rtio validate`` except
    loading the protocol, which the service holds already parsed)."""
    parsed = read_study(folder)
    check_consistency(parsed, _Collector(parsed.report))
    return parsed


def check_rows(
    tables: dict[str, list[dict[str, Any]]],
    focus: tuple[str, int],
    protocol: Any,
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
        _write(folder, tables, table, settings)
        study = _validate(folder)
        report = study.report
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
    if not report.ok or not result.ok or study.settings is None:
        return result
    if table == "adverse_events" and "adverse_events" in study.tables:
        for problem in validate_ae_terms(
            study.tables["adverse_events"], study.settings.term_map, study.settings.ctcae_version
        ):
            if problem.startswith(f"adverse_events row {index}, "):
                column = problem.split("column '", 1)[1].split("'", 1)[0]
                result.error(column, problem.split(": ", 1)[1])
    if table in DEVIATION_TABLES and "radiotherapy" in study.tables:
        lesions = study.tables.get("lesions")
        if lesions is None:
            lesions = pd.DataFrame(columns=list(SCHEMAS["lesions"].column_names))
        deviations = rt_compliance(
            study.tables["radiotherapy"], lesions, study.tables.get("exposures"), protocol
        )
        for dev in deviations.itertuples():
            if dev.rule in COMPLETENESS_RULES:
                continue
            result.warnings.append(f"protocol deviation ({dev.rule}): {dev.detail}")
    return result
