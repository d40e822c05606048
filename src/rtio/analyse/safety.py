"""Adverse-event tables of the safety analysis (seed 004 Tables 2 and 3)."""

from __future__ import annotations

import pandas as pd

from rtio.analyse.results import AERow, AETable
from rtio.analyse.rows import records
from rtio.derive.adverse_events import ae_grade_table

TABLES = [
    ("Treatment-related adverse events", "related_treatment", "safety"),
    ("Radiotherapy-related adverse events", "related_radiotherapy", "irradiated"),
    ("Immune-related adverse events", "immune_related", "safety"),
    ("Serious adverse events", "serious", "safety"),
    ("All adverse events", None, "safety"),
]


def safety_tables(
    adverse_events: pd.DataFrame, safety_ids: pd.Index, irradiated_ids: pd.Index, term_map: dict
) -> list[AETable]:
    """AE tables by worst grade; RT-related events use the irradiated patients as denominator."""
    out = []
    for title, flag, population in TABLES:
        ids = safety_ids if population == "safety" else irradiated_ids
        table = ae_grade_table(adverse_events, ids, only=flag, term_map=term_map)
        if flag is not None and table.empty:
            continue
        out.append(
            AETable(
                title=title,
                population=population,
                denominator=len(ids),
                filter=flag,
                rows=records(table, AERow),
            )
        )
    return out
