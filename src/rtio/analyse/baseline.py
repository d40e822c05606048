"""Baseline characteristics (seed 004 Table 1): n (%) per category and age median (IQR), over the
analysed population and, when there are groups (arms of a randomized trial, exposure groups of a
cohort), per group — for cohorts with the standardized mean difference of each row."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from rtio.analyse.results import BaselineCell, BaselineRow
from rtio.cohort.propensity import standardized_difference

CATEGORICAL: list[tuple[str, str, dict[object, str] | None]] = [
    ("sex", "Sex", {"M": "Male", "F": "Female"}),
    ("smoking", "Smoking history", {True: "Yes", False: "No"}),
    ("alcohol", "Alcohol history", {True: "Yes", False: "No"}),
    ("weight_loss_ge_10pct", "Body-weight loss", {False: "<10%", True: "≥10%"}),
    ("ecog", "ECOG performance status", None),
    ("tumor_location", "Tumour location", {"upper": "Upper", "middle": "Middle", "lower": "Lower"}),
    ("clinical_t", "Clinical T stage", None),
    ("clinical_n", "Clinical N stage", None),
    ("clinical_m", "Clinical M stage", None),
    ("stage", "Clinical TNM stage", None),
    ("stratum", "Randomization stratum", None),
]


def _text(n: int, total: int) -> str:
    return f"{n} ({100 * n / total:.1f}%)" if total else "0"


def _age_text(age: np.ndarray) -> str:
    if age.size == 0 or np.isnan(age).all():
        return "—"
    q1, median, q3 = np.nanpercentile(age, [25, 50, 75])
    return f"{median:g} ({q1:g}–{q3:g})"


def _indicators(
    subjects: pd.DataFrame, lesions: pd.DataFrame | None
) -> list[tuple[str, str, np.ndarray]]:
    """(characteristic, category, per-subject indicator) for every categorical row."""
    out = []
    for column, label, names in CATEGORICAL:
        if column not in subjects or subjects[column].isna().all():
            continue
        values = subjects[column]
        levels = list(names) if names else sorted(values.dropna().unique(), key=str)
        for level in levels:
            category = str(names[level] if names else level)
            out.append((label, category, (values == level).to_numpy(dtype=bool)))
        if values.isna().any():
            out.append((label, "Missing", values.isna().to_numpy()))
    if "primary_length_cm" in subjects and subjects["primary_length_cm"].notna().any():
        length = subjects["primary_length_cm"]
        out.append(("Primary tumour length (cm)", "≤5", (length <= 5).to_numpy(dtype=bool)))
        out.append(("Primary tumour length (cm)", ">5", (length > 5).to_numpy(dtype=bool)))
    if lesions is not None and "site" in lesions:
        distant = lesions[
            lesions["site"].isin(["distant_node", "distant_organ"])
            & lesions["subject_id"].isin(subjects["subject_id"])
        ]
        site = np.where(
            distant["site"] == "distant_node",
            "Distant lymph nodes",
            distant["organ"].astype(str).str.replace("_", " ").str.capitalize(),
        )
        per_site = pd.DataFrame(
            {"subject_id": distant["subject_id"], "site": site}
        ).drop_duplicates()
        for name in per_site["site"].value_counts().index:
            having = set(per_site.loc[per_site["site"] == name, "subject_id"])
            out.append(
                ("Site of metastases", str(name), subjects["subject_id"].isin(having).to_numpy())
            )
    return out


def baseline_table(
    subjects: pd.DataFrame,
    lesions: pd.DataFrame | None,
    groups: pd.Series | None = None,
    order: Sequence[str] = (),
    reference: str | None = None,
    smd: bool = False,
) -> list[BaselineRow]:
    """Table 1 rows for ``subjects`` (the analysed population); ``groups`` (subject_id → label)
    adds one cell per label of ``order``; ``smd`` adds each row's standardized mean difference of
    the other group vs ``reference`` (two groups; Austin 2009, as rtio.cohort.balance_table)."""
    total = len(subjects)
    label = (
        subjects["subject_id"].astype(str).map(groups).to_numpy(dtype=object)
        if groups is not None
        else np.full(total, None, dtype=object)
    )
    sizes = {g: int((label == g).sum()) for g in order}
    others = [g for g in order if g != reference]
    contrast = (label == others[0]) if smd and reference is not None and len(others) == 1 else None
    keep = None if contrast is None else (label == reference) | contrast

    def difference(x: np.ndarray) -> float | None:
        if contrast is None or keep is None or keep.sum() == 0:
            return None
        treated = contrast[keep]
        if treated.all() or not treated.any():
            return None
        values = x[keep].astype(float)
        order = np.lexsort((values, treated))  # sums in a fixed order: same rows, same bits
        return standardized_difference(values[order], treated[order], np.ones(int(keep.sum())))

    age = subjects["age"].astype(float).to_numpy() if "age" in subjects else np.array([])
    rows = [
        BaselineRow(
            characteristic="Age, years",
            category="median (IQR)",
            text=_age_text(age),
            by_arm={g: BaselineCell(text=_age_text(age[label == g])) for g in order},
            smd=difference(age) if age.size and not np.isnan(age).any() else None,
        )
    ]
    for characteristic, category, flag in _indicators(subjects, lesions):
        n = int(flag.sum())
        rows.append(
            BaselineRow(
                characteristic=characteristic,
                category=category,
                n=n,
                pct=100 * n / total if total else None,
                text=_text(n, total),
                by_arm={
                    g: BaselineCell(
                        n=int(flag[label == g].sum()),
                        pct=100 * flag[label == g].sum() / sizes[g] if sizes[g] else None,
                        text=_text(int(flag[label == g].sum()), sizes[g]),
                    )
                    for g in order
                },
                smd=difference(flag),
            )
        )
    return rows
