"""Exploratory biomarker analyses (seed 004 Methods): Mann–Whitney responders vs stable disease,
and high / low groups split at the 30th percentile compared by log-rank for PFS and OS. No
adjustment for multiple comparisons is made (exploratory), and the report says so."""

from __future__ import annotations

import pandas as pd

from rtio.analyse.results import BiomarkerTest, GroupComparison
from rtio.analyse.survival import compare_groups
from rtio.stats import mann_whitney, percentile_cutoff

CUTOFF_Q = 0.30


def biomarker_tests(biomarkers: pd.DataFrame, bor: pd.DataFrame) -> list[BiomarkerTest]:
    """Responders (CR/PR) vs SD for each biomarker x timepoint with at least 2 values per group."""
    response = bor.set_index("subject_id")["bor"]
    data = biomarkers.assign(group=biomarkers["subject_id"].map(response))
    out = []
    for (name, timepoint), values in data.groupby(["name", "timepoint"], sort=True):
        responders = values.loc[values["group"].isin(["CR", "PR"]), "value"]
        stable = values.loc[values["group"] == "SD", "value"]
        if len(responders) < 2 or len(stable) < 2:
            continue
        test = mann_whitney(responders, stable)
        out.append(
            BiomarkerTest(
                biomarker=str(name),
                timepoint=str(timepoint),
                n_responders=len(responders),
                n_stable=len(stable),
                median_responders=float(responders.median()),
                median_stable=float(stable.median()),
                statistic=test.statistic,
                p_value=test.p_value,
                method=test.method,
            )
        )
    return out


def biomarker_survival(
    biomarkers: pd.DataFrame, adtte: pd.DataFrame, population: str
) -> list[GroupComparison]:
    """PFS and OS by high / low biomarker level (30th percentile, values ≥ cut-off high)."""
    out = []
    for (name, timepoint), values in biomarkers.groupby(["name", "timepoint"], sort=True):
        if len(values) < 4:
            continue
        cut = percentile_cutoff(values["value"], CUTOFF_Q)
        groups = pd.Series(cut.labels, index=values["subject_id"].to_numpy())
        for endpoint in ("PFS", "OS"):
            comparison = compare_groups(
                adtte, endpoint, population, groups, f"{endpoint} by {name} ({timepoint})"
            )
            if comparison is not None:
                comparison.note = f"{cut.cutoff:.4g}"
                out.append(comparison)
    return out
