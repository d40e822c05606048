"""Exploratory biomarker analyses (seed 004 Methods, Fig. 4–5, Supplementary Fig. 2).

* Responders (CR/PR) vs stable disease: two-sided Mann–Whitney test per biomarker x timepoint.
* Baseline vs on-treatment values of the same patients: Wilcoxon signed-rank test (R
  ``wilcox.test(on, base, paired = TRUE)``: exact below 50 pairs without ties or zero
  differences, else the normal approximation with continuity correction; V = the sum of the
  ranks of the positive differences on − base).
* PFS and OS by high / low level (30th percentile, R quantile type 7, values ≥ the cut-off high;
  HR high vs low, "low" the reference). A marker sampled on treatment is analysed from a landmark at
  the protocol's planned sampling day: patients whose event or censoring came before it are
  excluded (counted, with the reason) and time runs from the landmark — comparing from day 1 would
  credit the marker with the time patients had to survive to be sampled (guarantee-time bias).
  Without a planned day the on-treatment survival analysis is not done and the report says why.

Every comparison is listed; no adjustment for multiple comparisons is made (exploratory).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.stats import rankdata, wilcoxon

from rtio.analyse.results import BiomarkerTest, GroupComparison, Landmark, PairedBiomarkerTest
from rtio.analyse.survival import compare_groups
from rtio.io import Study
from rtio.lookup import is_in
from rtio.stats import mann_whitney, percentile_cutoff
from rtio.vocabulary import DAYS_PER_MONTH

CUTOFF_Q = 0.30
BASELINE = "baseline"


def _key(text: str) -> str:
    return str(text).strip().lower().replace(" ", "_").replace("-", "_")


def timepoint_label(timepoint: object) -> str:
    """A timepoint code as a reader reads it (``on_treatment`` → ``on-treatment``), as in the
    report's biomarker tables."""
    return str(timepoint).strip().replace("_", "-")


def units(biomarkers: pd.DataFrame) -> dict[object, str]:
    """The unit(s) of each biomarker name as written in the table."""
    if "unit" not in biomarkers:
        return {}
    return (
        biomarkers.dropna(subset=["unit"])
        .groupby("name")["unit"]
        .agg(lambda u: " / ".join(sorted(set(map(str, u)))))
        .to_dict()
    )


def biomarker_tests(biomarkers: pd.DataFrame, bor: pd.DataFrame) -> list[BiomarkerTest]:
    """Responders (CR/PR) vs SD for each biomarker x timepoint with at least 2 values per group."""
    response = bor.set_index("subject_id")["bor"]
    data = biomarkers.assign(group=biomarkers["subject_id"].map(response))
    unit = units(biomarkers)
    out = []
    for (name, timepoint), values in data.groupby(["name", "timepoint"], sort=True):
        responders = values.loc[values["group"].isin(["CR", "PR"]), "value"]
        stable = values.loc[values["group"] == "SD", "value"]
        if len(responders) < 2 or len(stable) < 2:
            continue
        out.append(
            responders_vs_stable(str(name), str(timepoint), unit.get(name), responders, stable)
        )
    return out


def responders_vs_stable(
    name: str, timepoint: str, unit: str | None, responders: pd.Series, stable: pd.Series
) -> BiomarkerTest:
    """Two-sided Mann–Whitney test of one biomarker x timepoint; not estimable, with the reason
    :func:`rtio.stats.mann_whitney` gives, when every value of both groups is the same (R
    ``wilcox.test`` then gives p NaN; its normal approximation divides by a zero variance)."""
    test = mann_whitney(responders, stable)
    return BiomarkerTest(
        biomarker=name,
        timepoint=timepoint,
        unit=unit,
        n_responders=len(responders),
        n_stable=len(stable),
        median_responders=float(responders.median()),
        median_stable=float(stable.median()),
        statistic=None if test.not_estimable else test.statistic,
        p_value=None if test.not_estimable else test.p_value,
        method=test.method,
        not_estimable=test.not_estimable,
    )


def signed_rank(change: np.ndarray) -> tuple[float | None, float | None, str, str | None]:
    """V, p and method of the Wilcoxon signed-rank test of ``change`` (zeros dropped), as R."""
    nonzero = change[change != 0]
    if nonzero.size == 0:
        return None, None, "Wilcoxon signed-rank test", "every paired difference is zero"
    ranks = rankdata(np.abs(nonzero))
    v = float(ranks[nonzero > 0].sum())
    exact = (
        nonzero.size < 50
        and nonzero.size == change.size
        and np.unique(np.abs(nonzero)).size == nonzero.size
    )
    result = wilcoxon(
        nonzero,
        zero_method="wilcox",
        correction=not exact,
        method="exact" if exact else "approx",
    )
    method = (
        "Wilcoxon signed-rank exact test"
        if exact
        else "Wilcoxon signed-rank test with continuity correction (normal approximation)"
    )
    return v, float(result.pvalue), method, None


def paired_tests(biomarkers: pd.DataFrame) -> list[PairedBiomarkerTest]:
    """Baseline vs each on-treatment timepoint of the same patients, per biomarker (≥ 2 pairs)."""
    unit = units(biomarkers)
    codes, timepoints = pd.factorize(biomarkers["timepoint"], use_na_sentinel=False)
    at_baseline = np.array([_key(t) == BASELINE for t in timepoints], dtype=bool)[codes]
    base = biomarkers[at_baseline]
    later = biomarkers[~at_baseline]
    pairs = later.merge(
        base[["subject_id", "name", "value"]], on=["subject_id", "name"], suffixes=("", "_base")
    )
    out = []
    for (name, timepoint), part in pairs.groupby(["name", "timepoint"], sort=True):
        if len(part) < 2:
            continue
        change = (part["value"] - part["value_base"]).to_numpy(float)
        v, p, method, reason = signed_rank(change)
        out.append(
            PairedBiomarkerTest(
                biomarker=f"{name} ({timepoint_label(timepoint)} vs baseline)",
                unit=unit.get(name),
                n_pairs=len(part),
                median_baseline=float(part["value_base"].median()),
                median_on_treatment=float(part["value"].median()),
                median_change=float(np.median(change)),
                statistic=v,
                p_value=p,
                method=method,
                not_estimable=reason,
            )
        )
    return out


def sampling_days(study: Study) -> dict[str, float]:
    """Planned sampling day (from day 1) of each biomarker timepoint the protocol times
    (an assessment phase of kind ``biomarkers`` with a ``start``)."""
    out: dict[str, float] = {}
    for assessment in study.protocol.assessments:
        if assessment.kind != "biomarkers":
            continue
        for phase in assessment.phases:
            if phase.start is not None:
                out[_key(phase.name)] = phase.start.days()
    return out


def biomarker_survival(
    study: Study, biomarkers: pd.DataFrame, adtte: pd.DataFrame, ids: pd.Index, population: str
) -> tuple[list[GroupComparison], list[Landmark], list[str]]:
    """PFS and OS by high / low level among ``ids``; on-treatment timepoints from their landmark.
    Returns the comparisons, the landmarks used and the timepoints left out (with why)."""
    data = biomarkers[is_in(biomarkers["subject_id"], ids)]
    unit = units(biomarkers)
    days = sampling_days(study)
    comparisons, landmarks, skipped = [], [], []
    for timepoint, values_at in data.groupby("timepoint", sort=True):
        key = _key(str(timepoint))
        rows = adtte[is_in(adtte["subject_id"], ids)]
        if key != BASELINE:
            if key not in days:
                skipped.append(
                    f"{timepoint_label(timepoint)}: survival by an on-treatment marker needs a landmark at its "
                    "planned sampling day, which the protocol does not give (comparing from day 1 "
                    "would be biased by guarantee time)"
                )
                continue
            day = days[key]
            for endpoint in ("PFS", "OS"):
                at = rows[rows["paramcd"] == endpoint]
                dropped = int((at["aval_days"] <= day).sum())
                landmarks.append(
                    Landmark(
                        timepoint=f"{timepoint} ({endpoint})",
                        day=day,
                        n_included=len(at) - dropped,
                        n_excluded=dropped,
                        reason=f"{endpoint} event or censoring on or before the planned sampling day {day:g}",
                    )
                )
            rows = rows[rows["aval_days"] > day]
            rows = rows.assign(aval_months=rows["aval_months"] - day / DAYS_PER_MONTH)
        for name, values in values_at.groupby("name", sort=True):
            for endpoint in ("PFS", "OS"):
                at = rows[rows["paramcd"] == endpoint]
                kept = values[is_in(values["subject_id"], at["subject_id"])]
                if len(kept) < 4:
                    continue
                cut = percentile_cutoff(kept["value"], CUTOFF_Q)
                groups = pd.Series(cut.labels, index=kept["subject_id"].to_numpy())
                comparison = compare_groups(
                    at,
                    endpoint,
                    population,
                    groups,
                    "low",
                    ("low", "high"),
                    f"{endpoint} by {name} ({timepoint})"
                    + ("" if key == BASELINE else f", from day {day:g}"),
                )
                if comparison is not None:
                    comparisons.append(
                        comparison.model_copy(update={"cutoff": cut.cutoff, "unit": unit.get(name)})
                    )
    return comparisons, landmarks, skipped
