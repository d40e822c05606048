"""What validation reports: one :class:`Issue` per problem, collected into a
:class:`ValidationReport`.

An issue names what a person opens to fix it: the file, the row as a spreadsheet shows it (the
header is row 1), the column, the value, and the rule it breaks. Errors refuse a study; warnings
name a record that an analysis treats differently from the rest (ignored, excluded, a protocol
deviation), so that no record changes what counts without a note.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal, Protocol

import numpy as np
import pandas as pd

__all__ = [
    "MAX_ROWS_PER_RULE",
    "Collector",
    "Issue",
    "Locator",
    "Severity",
    "ValidationReport",
    "as_flags",
    "as_text",
]

Severity = Literal["error", "warning"]

MAX_ROWS_PER_RULE = 200
"""Rows listed one by one for one (file, column, rule); the rest are counted in one summary line."""

MAX_VALUE_CHARS = 200
"""Values longer than this are shortened in messages (a cell can hold a whole paragraph)."""


@dataclass(frozen=True)
class Issue:
    """One problem found in a study: where it is, what was found, and which rule it breaks."""

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
    """All problems of one study. ``ok`` is True when there are no errors."""

    study: str
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        """The issues that refuse the study."""
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        """The issues that let the study through with a note (carried into the report)."""
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        """True when the study has no errors."""
        return not self.errors

    def rules(self, severity: Severity | None = None) -> set[str]:
        """The rules broken (of one severity, or all)."""
        return {i.rule for i in self.issues if severity is None or i.severity == severity}

    def to_frame(self) -> pd.DataFrame:
        """One row per issue."""
        columns = ["severity", "file", "row", "column", "value", "rule", "message"]
        return pd.DataFrame([asdict(i) for i in self.issues], columns=columns)

    def to_json(self) -> str:
        """The report as JSON (``rtio validate --json``)."""
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


class Locator(Protocol):
    """Turns 0-based row positions of a loaded table into (file, row as a person counts it)."""

    @property
    def files(self) -> tuple[str, ...]: ...

    def locate(self, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...


def _is_nan(value: object) -> bool:
    return isinstance(value, float) and np.isnan(value)


def as_text(value: object) -> str:
    """A cell value as a person reads it (dates as ISO, missing as empty), shortened if long."""
    if isinstance(value, pd.Timestamp):
        text = value.date().isoformat()
    elif value is None or value is pd.NaT or value is pd.NA or _is_nan(value):
        text = ""
    else:
        text = str(value)
    if len(text) > MAX_VALUE_CHARS:
        text = text[:MAX_VALUE_CHARS] + f"… ({len(text)} characters)"
    return text


def as_flags(mask: np.ndarray | pd.Series | Sequence[bool]) -> np.ndarray:
    """A plain boolean array of a mask (missing counts as not flagged)."""
    if isinstance(mask, pd.Series):
        return mask.to_numpy(dtype=bool, na_value=False)
    array = np.asarray(mask)
    if array.dtype == bool:
        return array
    return pd.Series(array, dtype="boolean").to_numpy(dtype=bool, na_value=False)


class Collector:
    """Adds issues to a report; lists at most :data:`MAX_ROWS_PER_RULE` rows per (file, column,
    rule) and counts the rest in one line."""

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
        """One issue."""
        text = None if value is None else as_text(value)
        self.report.issues.append(Issue(severity, file, row, column, text, rule, message))

    def add_rows(
        self,
        severity: Severity,
        locator: Locator,
        mask: np.ndarray | pd.Series | Sequence[bool],
        column: str | None,
        values: pd.Series | None,
        rule: str,
        message: str | Callable[[int], str],
    ) -> None:
        """One issue per flagged row (``mask`` over the rows of a table located by ``locator``);
        ``values`` (aligned with the mask) gives each row's value, ``message`` may be a function
        of the row position."""
        positions = np.flatnonzero(as_flags(mask))
        if positions.size == 0:
            return
        shown = positions[:MAX_ROWS_PER_RULE]
        files, rows = locator.locate(shown)
        for pos, file, row in zip(shown, files, rows, strict=True):
            text = message(int(pos)) if callable(message) else message
            value = None if values is None else values.iloc[pos]
            self.add(severity, str(file), rule, text, int(row), column, value)
        if positions.size > shown.size:
            more = positions.size - shown.size
            self.add(
                severity,
                str(files[-1]),
                rule,
                f"... and {more} more rows with the same problem",
                None,
                column,
            )
