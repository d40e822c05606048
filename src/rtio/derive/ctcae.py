"""CTCAE laboratory grading, with the criteria kept as data.

``data/ctcae_v5_labs.csv`` holds one row per term x grade x basis (x unit where CTCAE prints its own
thresholds per unit), citing the CTCAE v5.0 text; a grade holds when any of its rows holds (CTCAE's
";" means "or"), and the graded value is the highest grade that holds (worst grade first). Choices
where v5 is ambiguous, each tested:

* a baseline is abnormal when it is above the ULN; then ALT, AST, ALP, GGT and bilirubin are graded
  against multiples of the baseline (the ×ULN rows otherwise). Without a baseline it is taken as normal;
* creatinine's ×baseline rows apply whenever a baseline is given (the v5 text has no qualifier);
* ranges are read literally: "<LLN – 0.8" means < LLN and ≥ 0.8, so a count under 0.8 is grade 2 even
  when the laboratory's LLN is lower; "> 3.0 – 5.0 × ULN" excludes 3.0 × ULN; ranges written without
  "<" or ">" (triglycerides 150 – 300 mg/dL; ALT 1.5 – 3.0 × an abnormal baseline) include their start;
* symptom-dependent grades are not graded from a value: hyponatremia 125–129 mmol/L is grade 2
  (v5's gap between 129 and 130 closed at < 130); hypokalemia < LLN – 3.0 is grade 1; anemia and
  hypoalbuminemia stop at grade 3; hyperglycemia is clinical in v5 and returned as not gradable;
* grade 1 needs the LLN or ULN; without it a value that meets no higher grade is not gradable (NaN,
  with the reason).

Units are converted only by exact powers of ten (g/dL → g/L, /mm³ → 10⁹/L, 10³/µL = 10⁹/L); where CTCAE
prints rounded pairs (mg/dL vs mmol/L for triglycerides, calcium, glucose; Hb in mmol/L) each unit
has its own rows, so no converted value is ever compared at a boundary. An unknown unit is an error.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import numpy as np
import pandas as pd

__all__ = [
    "NOT_GRADED_FROM_VALUES",
    "VERSIONS",
    "adverse_event_terms",
    "criteria",
    "grade_labs",
    "lab_units",
    "validate_ae_terms",
]

VERSIONS = ("5.0",)
NOT_GRADED_FROM_VALUES = {"glucose": "Hyperglycemia"}
OPERATORS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}


@cache
def criteria(version: str = "5.0") -> pd.DataFrame:
    """The lab grading criteria of a CTCAE version (one row per term x grade x basis x unit)."""
    if version not in VERSIONS:
        raise ValueError(
            f"CTCAE version {version!r} is not available; versions: {', '.join(VERSIONS)}"
        )
    table = pd.read_csv(resources.files("rtio.derive.data").joinpath("ctcae_v5_labs.csv").open())
    return table[table["version"].astype(str) == version].reset_index(drop=True)


@cache
def lab_units() -> pd.DataFrame:
    """Accepted units per test and their exact conversion to the unit of the criteria."""
    return pd.read_csv(resources.files("rtio.derive.data").joinpath("lab_units.csv").open())


def _canonical(labs: pd.DataFrame) -> pd.DataFrame:
    """Values in the criteria's unit for absolute thresholds; an unknown unit is an error."""
    units = lab_units()
    out = labs.merge(units, on=["test", "unit"], how="left")
    unknown = out["test"].isin(set(units["test"])) & out["canonical_unit"].isna()
    if unknown.any():
        row = int(out.loc[unknown, "_row"].iloc[0])
        bad = (
            out.loc[unknown, ["test", "unit"]]
            .drop_duplicates()
            .astype(str)
            .agg(" in ".join, axis=1)
            .tolist()
        )
        raise ValueError(
            f"labs row {row}, column 'unit': unknown unit for {', '.join(bad[:5])}; accepted units are listed in "
            "rtio/derive/data/lab_units.csv (values are never converted by guess)"
        )
    multiply = out["multiply"].fillna(1).to_numpy(dtype=float)
    divide = out["divide"].fillna(1).to_numpy(dtype=float)
    for column in ("value", "lln", "uln"):
        raw = out[column].to_numpy(dtype=float)
        out[f"canonical_{column}"] = np.where(divide > 1, raw / divide, raw * multiply)
    out["canonical_unit"] = out["canonical_unit"].fillna(out["unit"])
    return out


def _baseline_values(labs: pd.DataFrame, baseline: pd.DataFrame | None) -> pd.Series:
    if baseline is None:
        return pd.Series(np.nan, index=labs.index)
    base = baseline.drop_duplicates(["subject_id", "test"], keep="last").set_index(
        ["subject_id", "test"]
    )["value"]
    keys = pd.MultiIndex.from_frame(labs[["subject_id", "test"]])
    return pd.Series(base.reindex(keys).to_numpy(), index=labs.index)


def grade_labs(
    labs: pd.DataFrame, baseline: pd.DataFrame | None = None, version: str = "5.0"
) -> pd.DataFrame:
    """Grade laboratory results into CTCAE terms: one row per lab result x term.

    ``labs``: the study table (subject_id, date, test, value, unit, lln, uln). ``baseline``: optional
    frame of baseline values (subject_id, test, value, in the lab's unit). Adds ``ctcae_term``,
    ``grade`` (0 = within the term's normal range; NaN = not gradable) and ``reason`` (the rule that
    decided, with the CTCAE text, e.g. "> 3 x ULN: grade 2 (CTCAE: >3.0 - 5.0 x ULN ...)"). Tests
    without a CTCAE lab term (e.g. crcl, bun, tsh) produce no rows.
    """
    table = criteria(version)
    frame = labs.reset_index(drop=True).assign(_row=lambda f: np.arange(len(f)))
    for column in ("lln", "uln"):
        frame[column] = pd.to_numeric(frame[column], errors="raise") if column in frame else np.nan
    frame = _canonical(frame)
    frame["_baseline"] = _baseline_values(frame, baseline)
    abnormal = frame["_baseline"] > frame["uln"]
    frame["canonical_unit"] = frame["canonical_unit"].astype("category")
    rows_of = frame.groupby("test", sort=False, observed=True).indices
    pieces = []
    for term, rules in table.groupby("term", sort=False):
        rows = rows_of.get(rules["test"].iloc[0])
        if rows is None:
            continue
        subset = frame.iloc[rows]
        pieces.append(_grade_term(subset, rules, term, abnormal.iloc[rows]))
    for test, term in NOT_GRADED_FROM_VALUES.items():
        if test in rows_of:
            subset = frame.iloc[rows_of[test]]
            pieces.append(
                subset.assign(
                    ctcae_term=term,
                    grade=np.nan,
                    reason=f"CTCAE v{version} grades {term.lower()} clinically, not from a value",
                )
            )
    if not pieces:
        return labs.iloc[0:0].assign(
            ctcae_term=pd.Series(dtype=object),
            grade=pd.Series(dtype=float),
            reason=pd.Series(dtype=object),
        )
    graded = pd.concat(pieces).sort_values(["_row", "ctcae_term"], kind="stable")
    return graded[[*labs.columns, "ctcae_term", "grade", "reason"]].reset_index(drop=True)


def _grade_term(
    subset: pd.DataFrame, rules: pd.DataFrame, term: str, abnormal: pd.Series
) -> pd.DataFrame:
    """Highest grade whose rules hold, for one term, over all its lab rows at once."""
    n = len(subset)
    grade = np.zeros(n)
    rule_text = np.full(n, "", dtype=object)
    undecided = np.zeros(n, dtype=bool)
    baseline_abnormal = abnormal.to_numpy(dtype=bool)
    for rule in rules.sort_values("grade").itertuples():
        any_unit = rule.unit == "any"
        applies = (
            np.ones(n, dtype=bool)
            if any_unit
            else (subset["canonical_unit"] == rule.unit).to_numpy()
        )
        if rule.applies == "baseline_normal":
            applies &= ~baseline_abnormal
        elif rule.applies == "baseline_abnormal":
            applies &= baseline_abnormal
        prefix = "" if any_unit else "canonical_"
        reference = {
            "absolute": np.ones(n),
            "lln": subset[f"{prefix}lln"].to_numpy(dtype=float),
            "uln": subset[f"{prefix}uln"].to_numpy(dtype=float),
            "baseline": subset["_baseline"].to_numpy(dtype=float),
        }[rule.basis]
        value = subset[f"{prefix}value"].to_numpy(dtype=float)
        limit = rule.threshold * reference
        known = ~np.isnan(limit)
        undecided |= applies & ~known & (rule.grade == 1) & (rule.basis in ("lln", "uln"))
        holds = applies & known & OPERATORS[rule.op](value, limit)
        grade = np.where(holds, rule.grade, grade)
        rule_text = np.where(holds, f"{_rule_label(rule)} (CTCAE: {rule.ctcae_text})", rule_text)
    not_gradable = (grade == 0) & undecided
    reason = np.where(
        not_gradable,
        "not gradable: the LLN or ULN that grade 1 needs is missing",
        np.where(grade == 0, "within the normal range", rule_text),
    )
    return subset.assign(
        ctcae_term=term, grade=np.where(not_gradable, np.nan, grade), reason=pd.Categorical(reason)
    )


def _rule_label(rule) -> str:
    basis = {
        "absolute": f" {rule.unit}",
        "lln": " x LLN",
        "uln": " x ULN",
        "baseline": " x baseline",
    }[rule.basis]
    return f"{rule.op} {rule.threshold:g}{basis}: grade {rule.grade}"


@cache
def adverse_event_terms(version: str = "5.0") -> pd.DataFrame:
    """The CTCAE terms rtio knows, with the grades each allows (e.g. no grade 5 for lymphocyte count
    decreased: CTCAE prints "-"). Covers the seeds' and the common RT / IO toxicities."""
    if version not in VERSIONS:
        raise ValueError(
            f"CTCAE version {version!r} is not available; versions: {', '.join(VERSIONS)}"
        )
    return pd.read_csv(resources.files("rtio.derive.data").joinpath("ctcae_v5_terms.csv").open())


def validate_ae_terms(
    adverse_events: pd.DataFrame, term_map: dict[str, str] | None = None, version: str = "5.0"
) -> list[str]:
    """Problems with clinical AE terms: not a known CTCAE term (after the study's term map), or a
    grade the term does not allow. Returns one message per offending row (0-based), empty if none."""
    known = adverse_event_terms(version).set_index("term")
    terms = adverse_events["term"].astype(str).map(lambda t: (term_map or {}).get(t, t))
    unknown = ~terms.isin(known.index)
    low = terms.map(known["min_grade"]).astype(float)
    high = terms.map(known["max_grade"]).astype(float)
    grade = adverse_events["grade"].astype(float)
    outside = ~unknown & ((grade < low) | (grade > high))
    messages = [
        f"adverse_events row {i}, column 'term': {t!r} is not a CTCAE v{version} term known to rtio; map it in study.yaml term_map"
        for i, t in zip(np.flatnonzero(unknown.to_numpy()), terms[unknown], strict=True)
    ]
    messages += [
        f"adverse_events row {i}, column 'grade': grade {g:g} is not allowed for {t!r} (grades {lo:.0f}–{hi:.0f})"
        for i, t, g, lo, hi in zip(
            np.flatnonzero(outside.to_numpy()),
            terms[outside],
            grade[outside],
            low[outside],
            high[outside],
            strict=True,
        )
    ]
    return messages
