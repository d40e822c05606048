"""Validation of a save with rtio's own rules: the same checks ``rtio validate`` applies.

The subject's rows, with the change applied, are checked in memory by
:func:`rtio.io.check_tables` (schema, keys, references, date order, CTCAE terms and allowed grades,
cross-table rules: what ``rtio validate`` runs on a study folder): its errors on
the saved row reject the save (hard checks). Their warnings on that row, and the protocol
deviations :func:`rtio.derive.rt_compliance.rt_compliance` finds for the subject (seed 000: the
LDRT course within 7 days of its first fraction), are soft checks: the row is saved, the user is
warned and a query is opened.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from rtio.derive.rt_compliance import rt_compliance
from rtio.io import check_tables
from rtio.io.schema import SCHEMAS

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


def _frame(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """One table's rows as text cells, as a CSV of the study format would hold them."""
    columns = list(SCHEMAS[name].column_names)
    columns += sorted({c for r in rows for c in r} - set(columns))
    return pd.DataFrame([[_text(r.get(c)) for c in columns] for r in rows], columns=columns)


def _needed(tables: dict[str, list[dict[str, Any]]], focus: str) -> list[str]:
    """The tables to validate: those with rows, and the tables the focus table refers to (a
    reference to a table with no rows yet, such as a measurement of an unknown lesion, is
    checked too)."""
    names = {name for name, rows in tables.items() if rows} | {focus, "subjects"}
    names |= {ref.target for ref in SCHEMAS[focus].references}
    return [n for n in SCHEMAS if n in names and n != "screening"]


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
    # the service holds the protocol already parsed: its rules are applied below, not reloaded
    study_settings = {k: v for k, v in settings.items() if k not in ("data_cutoff", "protocol")}
    frames = {name: _frame(name, tables.get(name, [])) for name in _needed(tables, table)}
    study = check_tables(frames, settings=study_settings)
    report = study.report
    file, row = table, index + 1  # in-memory tables: the first row is row 1
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
