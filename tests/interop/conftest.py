"""Simulated studies of every shipped protocol (written once per session) and a comparison of
study folders by their study-format columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rtio.io import SCHEMAS, load_study
from rtio.simulate.protocols import write_protocol_study

PROTOCOLS = (
    "ChiCTR2100046715",
    "NCT07164690",
    "NCT07235319",
    "yu2025-escc-local-rt",
    "lv2026-escc-induction-rt",
)


@pytest.fixture(scope="session")
def simulated(tmp_path_factory) -> dict[str, Path]:
    """One simulated study folder per shipped protocol (14 subjects, seed 5)."""
    root = tmp_path_factory.mktemp("simulated")
    return {p: write_protocol_study(root / p, p, 14, 5) for p in PROTOCOLS}


def study_differences(original: Path, copy: Path, *, columns: str = "all") -> list[str]:
    """Where two study folders differ, table by table, over the original's columns (``columns``
    "all") or its study-format columns only ("contract"). A table or column that is empty in the
    original may be absent from the copy."""
    a, b = load_study(original), load_study(copy)
    problems = []
    for name, left in a.tables.items():
        right = b.tables.get(name)
        if left.empty:
            if right is not None and not right.empty:
                problems.append(f"{name}: empty in the original, {len(right)} rows in the copy")
            continue
        if right is None:
            problems.append(f"{name}: missing from the copy")
            continue
        wanted = [c for c in left.columns if columns == "all" or c in SCHEMAS[name].column_names]
        absent = [c for c in wanted if c not in right.columns and left[c].notna().any()]
        if absent:
            problems.append(f"{name}: columns {absent} missing from the copy")
        wanted = [c for c in wanted if c in right.columns]
        key = [c for c in SCHEMAS[name].column_names if c in wanted]
        if len(left) != len(right):
            problems.append(f"{name}: {len(left)} rows vs {len(right)}")
            continue
        left_text, right_text = (
            _as_text(f[wanted]).sort_values(key).reset_index(drop=True) for f in (left, right)
        )
        for column in wanted:
            differ = left_text[column] != right_text[column]
            if differ.any():
                problems.append(
                    f"{name}.{column}: {int(differ.sum())} values differ, e.g. "
                    f"{left_text[column][differ].iloc[0]!r} vs {right_text[column][differ].iloc[0]!r}"
                )
    return problems


def _as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text, a missing one as "<NA>" (pandas 3 keeps missing values missing under
    ``astype(str)``, and a missing value never equals itself)."""
    return frame.astype(object).where(frame.notna(), "<NA>").astype(str)


def read_report(study: Path) -> dict:
    import json

    return json.loads((study / "import-report.json").read_text())


def reconciled(report: dict) -> bool:
    """Every source: read = placed + rejected, and the rejected rows are listed."""
    listed = pd.Series([r["source"] for r in report["rejected"]], dtype=object).value_counts()
    return all(
        c["read"] == c["placed"] + c["rejected"] and listed.get(name, 0) == c["rejected"]
        for name, c in report["sources"].items()
    )
