"""Adverse-event tables of the safety analysis (seed 004 Tables 2 and 3) and the AE overview
(patients with any treatment-related AE, any grade ≥ 3 AE, treatment-related grade ≥ 3, serious
AEs, grade 5, and treatment discontinued for an AE), overall and per arm."""

from __future__ import annotations

import pandas as pd

from rtio.analyse.arms import StudyArms
from rtio.analyse.results import AECounts, AERow, AETable, Count, SafetySummaryRow
from rtio.analyse.rows import records
from rtio.derive.adverse_events import ae_grade_table, map_terms
from rtio.lookup import is_in

TABLES = [
    ("Treatment-related adverse events", "related_treatment", "safety"),
    ("Radiotherapy-related adverse events", "related_radiotherapy", "irradiated"),
    ("Immune-related adverse events", "immune_related", "safety"),
    ("Serious adverse events", "serious", "safety"),
    ("All adverse events", None, "safety"),
]
COUNT_COLUMNS = [
    "grade_1",
    "grade_2",
    "grade_3",
    "grade_4",
    "grade_5",
    "any_grade",
    "grade_3_plus",
]
AE_DISCONTINUATION = "adverse_event"
"""``events.detail`` of a treatment_discontinuation that names an adverse event."""


def _arm_ids(ids: pd.Index, arms: StudyArms) -> dict[str, pd.Index]:
    arm_of = pd.Series(ids, index=ids).map(arms.of_subject)
    return {label: pd.Index(ids[(arm_of == label).to_numpy()]) for label in arms.labels}


def _by_arm_counts(
    adverse_events: pd.DataFrame,
    per_arm: dict[str, pd.Index],
    flag: str | None,
    term_map: dict[str, str],
    terms: list[str],
) -> list[dict[str, AECounts]]:
    """Per term (in ``terms`` order), the counts of each arm."""
    out: list[dict[str, AECounts]] = [{} for _ in terms]
    for label, ids in per_arm.items():
        table = ae_grade_table(adverse_events, ids, only=flag, term_map=term_map)
        table = table.set_index("term").reindex(terms, fill_value=0)
        table["denominator"] = len(ids)
        for i, counts in enumerate(records(table.reset_index(), AECounts)):
            out[i][label] = counts
    return out


def safety_tables(
    adverse_events: pd.DataFrame,
    safety_ids: pd.Index,
    irradiated_ids: pd.Index,
    term_map: dict[str, str],
    arms: StudyArms,
) -> list[AETable]:
    """AE tables by worst grade, with per-arm counts in a randomized trial; RT-related events use
    the irradiated patients as denominator."""
    out = []
    for title, flag, population in TABLES:
        ids = safety_ids if population == "safety" else irradiated_ids
        table = ae_grade_table(adverse_events, ids, only=flag, term_map=term_map)
        if flag is not None and table.empty:
            continue
        rows = records(table, AERow)
        per_arm = _arm_ids(ids, arms) if arms.labels else {}
        if per_arm:
            counts = _by_arm_counts(adverse_events, per_arm, flag, term_map, table["term"].tolist())
            rows = [
                row.model_copy(update={"by_arm": c}) for row, c in zip(rows, counts, strict=True)
            ]
        out.append(
            AETable(
                title=title,
                population=population,
                denominator=len(ids),
                filter=flag,
                rows=rows,
                by_arm_denominator={label: len(i) for label, i in per_arm.items()},
            )
        )
    return out


def _count(having: pd.Index, ids: pd.Index) -> Count:
    n = int(is_in(ids, having).sum())
    return Count(n=n, denominator=len(ids), pct=100 * n / len(ids) if len(ids) else None)


def safety_summary(
    adverse_events: pd.DataFrame,
    events: pd.DataFrame | None,
    safety_ids: pd.Index,
    term_map: dict[str, str],
    arms: StudyArms,
) -> list[SafetySummaryRow]:
    """Patients with at least one AE of each kind of the AE overview, over the safety population
    and per arm (a patient counts once per row)."""
    ae = adverse_events.assign(
        subject_id=adverse_events["subject_id"].astype(str),
        term=map_terms(adverse_events, term_map),
    )
    ae = ae[is_in(ae["subject_id"], safety_ids)]
    related = ae["related_treatment"].astype(bool)
    severe = ae["grade"] >= 3
    stopped = pd.Index([])
    if events is not None and not events.empty:
        stops = events[
            (events["kind"] == "treatment_discontinuation")
            & (events["detail"].astype("string").str.strip() == AE_DISCONTINUATION)
        ]
        stopped = pd.Index(stops["subject_id"].astype(str).unique())
    kinds = [
        ("Any adverse event", ae["subject_id"]),
        ("Any treatment-related adverse event", ae.loc[related, "subject_id"]),
        ("Any grade ≥ 3 adverse event", ae.loc[severe, "subject_id"]),
        ("Treatment-related grade ≥ 3 adverse event", ae.loc[related & severe, "subject_id"]),
        ("Serious adverse event", ae.loc[ae["serious"].astype(bool), "subject_id"]),
        ("Grade 5 adverse event (death)", ae.loc[ae["grade"] == 5, "subject_id"]),
        ("Treatment discontinued because of an adverse event", stopped),
    ]
    per_arm = _arm_ids(safety_ids, arms) if arms.labels else {}
    out = []
    for label, subjects in kinds:
        having = pd.Index(pd.unique(pd.Series(subjects, dtype=object)))
        total = _count(having, safety_ids)
        out.append(
            SafetySummaryRow(
                label=label,
                n=total.n,
                denominator=total.denominator,
                pct=total.pct,
                by_arm={arm: _count(having, ids) for arm, ids in per_arm.items()},
            )
        )
    return out
