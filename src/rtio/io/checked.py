"""A study under check: its typed tables, settings and protocol, and the lookups rules share.

Every rule is a function ``rule(study, collect)`` over a :class:`CheckedStudy`. A rule asks for
the columns it needs with :meth:`CheckedStudy.table`; when one is missing or unusable (already
reported) the rule does not run, so one problem is reported once and never crashes another rule.
Identifiers are compared after :func:`rtio.io.parsing.clean_key`, so a hidden character in one
cell is blamed on that cell, not on every row of other tables that refers to it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rtio.io.issues import Collector, ValidationReport
from rtio.io.parsing import ParsedTable, clean_key
from rtio.io.settings import StudySettings

__all__ = ["CheckedStudy", "Rule", "run_rules"]


@dataclass
class CheckedStudy:
    """The typed tables of a study, its settings and protocol, and the report being built."""

    report: ValidationReport
    parsed: dict[str, ParsedTable] = field(default_factory=dict)
    settings: StudySettings | None = None
    protocol: Any = None
    folder: Path | None = None
    protocol_ref: str | None = None
    _keys: dict[tuple[str, str], pd.Series] = field(default_factory=dict, repr=False)
    _rows: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        """The typed frames, by table name."""
        return {name: table.frame for name, table in self.parsed.items()}

    def table(self, name: str, *columns: str) -> ParsedTable | None:
        """Table ``name`` when it exists and every column given is usable; else None."""
        table = self.parsed.get(name)
        if table is None or not table.has(*columns):
            return None
        return table

    def key(self, name: str, column: str) -> pd.Series:
        """The cleaned identifier text of one column (cached)."""
        cached = self._keys.get((name, column))
        if cached is None:
            cached = clean_key(self.parsed[name].frame[column])
            self._keys[(name, column)] = cached
        return cached

    def subject_values(self, table: ParsedTable, column: str) -> pd.Series | None:
        """For each row of ``table``, its subject's value of ``subjects.column`` (missing when
        the subject is unknown); None when the subjects table cannot say."""
        subjects = self.table("subjects", "subject_id", column)
        if subjects is None or not table.has("subject_id"):
            return None
        values = subjects.frame[column].to_numpy()
        found = pd.api.extensions.take(values, self._subject_rows(table), allow_fill=True)
        return pd.Series(found, index=table.frame.index)

    def _subject_rows(self, table: ParsedTable) -> np.ndarray:
        """For each row of ``table``, the row of its subject in the subjects table (the first
        with that id), -1 when unknown; one hash lookup per table, shared by every column."""
        name = table.raw.name
        rows = self._rows.get(name)
        if rows is None:
            ids = self.key("subjects", "subject_id")
            first = (~ids.duplicated() & ids.notna()).to_numpy()
            known = pd.Index(ids.to_numpy()[first], dtype=object)
            where = known.get_indexer(
                pd.Index(self.key(name, "subject_id").to_numpy(), dtype=object)
            )
            rows = np.append(np.flatnonzero(first), -1)[where]  # -1 (unknown) reads the -1
            self._rows[name] = rows
        return rows

    @property
    def cutoff(self) -> pd.Timestamp | None:
        """The data cut-off used for the checks (None without one)."""
        if self.settings is None or self.settings.data_cutoff is None:
            return None
        return pd.Timestamp(self.settings.data_cutoff)


Rule = Callable[[CheckedStudy, Collector], None]


def run_rules(study: CheckedStudy, rules: list[Rule], collect: Collector) -> None:
    """Run every rule; a rule that fails on data it did not foresee is reported as a fault of
    rtio (rule ``internal``) and the others still run — validation itself never raises."""
    for rule in rules:
        try:
            with np.errstate(all="ignore"):
                rule(study, collect)
        except Exception as exc:  # a fault in a rule must not hide the other problems
            collect.add(
                "error",
                study.report.study,
                "internal",
                f"rtio could not finish the check {rule.__name__} ({type(exc).__name__}: "
                f"{exc}); this is a fault in rtio: please report it with the study",
            )
