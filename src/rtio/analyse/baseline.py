"""Baseline characteristics (seed 004 Table 1): n (%) per category, age median (IQR)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rtio.analyse.results import BaselineRow

CATEGORICAL = [
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
    ("arm", "Arm", None),
]


def _count(n: int, total: int) -> str:
    return f"{n} ({100 * n / total:.1f}%)"


def baseline_table(subjects: pd.DataFrame, lesions: pd.DataFrame | None) -> list[BaselineRow]:
    """Table 1 rows for the subjects given (the ITT population)."""
    total = len(subjects)
    age = subjects["age"].astype(float)
    q1, median, q3 = np.percentile(age, [25, 50, 75])
    rows = [
        BaselineRow(
            characteristic="Age, years", category="median (IQR)", text=f"{median:g} ({q1:g}–{q3:g})"
        )
    ]
    for column, label, names in CATEGORICAL:
        if column not in subjects or subjects[column].isna().all():
            continue
        if column == "arm" and subjects[column].nunique() < 2:
            continue
        values = subjects[column]
        levels = list(names) if names else sorted(values.dropna().unique(), key=str)
        for level in levels:
            n = int((values == level).sum())
            rows.append(
                BaselineRow(
                    characteristic=label,
                    category=str(names[level] if names else level),
                    text=_count(n, total),
                )
            )
        missing = int(values.isna().sum())
        if missing:
            rows.append(
                BaselineRow(characteristic=label, category="Missing", text=_count(missing, total))
            )
    if "primary_length_cm" in subjects and subjects["primary_length_cm"].notna().any():
        length = subjects["primary_length_cm"]
        rows.append(
            BaselineRow(
                characteristic="Primary tumour length (cm)",
                category="≤5",
                text=_count(int((length <= 5).sum()), total),
            )
        )
        rows.append(
            BaselineRow(
                characteristic="Primary tumour length (cm)",
                category=">5",
                text=_count(int((length > 5).sum()), total),
            )
        )
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
        for name, n in per_site["site"].value_counts().items():
            rows.append(
                BaselineRow(
                    characteristic="Site of metastases",
                    category=str(name),
                    text=_count(int(n), total),
                )
            )
    return rows
