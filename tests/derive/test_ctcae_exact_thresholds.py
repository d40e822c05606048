"""CTCAE lab thresholds compared exactly on the decimals as written (DESIGN "Thresholds are
compared exactly"), at every boundary of the shipped criteria, on both sides.

The expected grades come from a reference grader written here with Python's ``decimal`` module,
straight from the CTCAE v5.0 criteria rows (value op threshold x reference, the criteria's unit by
exact powers of ten): it shares no code with rtio's integer-scaled grading. In binary floating
point 1.5 x 0.70 = 1.0499999999999998, so creatinine 1.05 with ULN 0.70 would be "> 1.5 x ULN";
as written it is exactly 1.5 x ULN, and "> 1.5 - 3.0 x ULN" (grade 2) excludes it.
"""

from __future__ import annotations

import operator
from decimal import Decimal
from functools import cache

import numpy as np
import pandas as pd
import pytest

from rtio.derive.ctcae import criteria, grade_labs, lab_units

OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
REFERENCES = ["0.70", "0.3", "1.1", "3.3", "40", "0.07", "2.6", "123.45", "0.9"]
"""LLN / ULN / baseline values whose products with the thresholds are not binary fractions."""


def _lab(test, value, unit, lln=None, uln=None):
    return {
        "subject_id": "S1",
        "date": pd.Timestamp("2024-03-01"),
        "test": test,
        "value": value,
        "unit": unit,
        "lln": lln,
        "uln": uln,
    }


def test_creatinine_exactly_one_and_a_half_times_uln_is_grade_1():
    labs = pd.DataFrame([_lab("creatinine", 1.05, "mg/dL", None, 0.70)])
    graded = grade_labs(labs).iloc[0]
    assert 1.05 > 1.5 * 0.70  # what binary floating point would decide
    assert graded["grade"] == 1, graded["reason"]
    above = grade_labs(pd.DataFrame([_lab("creatinine", 1.051, "mg/dL", None, 0.70)])).iloc[0]
    assert above["grade"] == 2


@cache
def _units() -> pd.DataFrame:
    return lab_units().set_index(["test", "unit"])


def _reference_grade(rules, value, unit, lln, uln, baseline):
    """Decimal grading of one value by a term's rules (in grade order): the highest grade whose row holds (NaN if grade 1 needs a
    missing LLN / ULN and nothing holds)."""
    units = _units()
    test = rules["test"].iloc[0]
    if (test, unit) in units.index:
        conv = units.loc[(test, unit)]
        canonical = conv["canonical_unit"]
        factor = Decimal(int(conv["multiply"])) / Decimal(int(conv["divide"]))
    else:
        canonical, factor = unit, Decimal(1)
    abnormal = baseline is not None and uln is not None and baseline > uln
    grade, undecided = 0, False
    for rule in rules.itertuples():
        if rule.unit != "any" and canonical != rule.unit:
            continue
        if rule.applies == "baseline_normal" and abnormal:
            continue
        if rule.applies == "baseline_abnormal" and not abnormal:
            continue
        reference = {"absolute": Decimal(1), "lln": lln, "uln": uln, "baseline": baseline}[
            rule.basis
        ]
        if reference is None:
            undecided |= rule.grade == 1 and rule.basis in ("lln", "uln")
            continue
        v = value * factor if rule.basis == "absolute" and rule.unit != "any" else value
        if OPS[rule.op](v, Decimal(repr(rule.threshold)) * reference):
            grade = max(grade, int(rule.grade))
    return np.nan if grade == 0 and undecided else grade


def _boundary_cases():
    """Per criteria row: the boundary value itself and values just below and above it, in every
    unit that maps to the row's unit."""
    units = lab_units()
    cases = []
    for rule in criteria().itertuples():
        steps = [Decimal("-0.001"), Decimal(0), Decimal("0.001")]
        if rule.basis == "absolute":
            for u in units[
                (units["test"] == rule.test) & (units["canonical_unit"] == rule.unit)
            ].itertuples():
                factor = Decimal(int(u.divide)) / Decimal(int(u.multiply))
                bound = Decimal(repr(rule.threshold)) * factor
                for step in steps:
                    cases.append((rule, u.unit, bound + step * factor, "2.5", "400"))
            continue
        unit = rule.unit if rule.unit != "any" else "U/L"
        for ref in REFERENCES:
            bound = Decimal(repr(rule.threshold)) * Decimal(ref)
            for step in steps:
                cases.append((rule, unit, bound + step, ref, None))
    return cases


def test_every_boundary_of_the_shipped_criteria_both_sides():
    table = criteria()
    rows, expected = [], []
    cases = _boundary_cases()
    by_term = {
        term: group.sort_values("grade", kind="stable") for term, group in table.groupby("term")
    }
    for rule, unit, value, ref, other in cases:
        rules = by_term[rule.term]
        ref_d = Decimal(ref)
        lln = uln = baseline = None
        if rule.basis == "lln":
            lln = ref_d
        elif rule.basis == "uln":
            uln = ref_d
        elif rule.basis == "baseline":
            baseline = ref_d
            # an abnormal baseline sits above the ULN; a normal one at it
            uln = ref_d / 2 if rule.applies == "baseline_abnormal" else ref_d
        else:  # absolute rows: a plausible LLN / ULN
            lln, uln = Decimal(ref), Decimal(other)
        rows.append(
            {
                **_lab(
                    rule.test,
                    float(value),
                    unit,
                    None if lln is None else float(lln),
                    None if uln is None else float(uln),
                ),
                "subject_id": f"S{len(rows)}",
                "_term": rule.term,
                "_baseline": None if baseline is None else float(baseline),
            }
        )
        expected.append(_reference_grade(rules, value, unit, lln, uln, baseline))
    labs = pd.DataFrame(rows)
    base = labs.dropna(subset=["_baseline"])[["subject_id", "test", "_baseline"]].rename(
        columns={"_baseline": "value"}
    )
    graded = grade_labs(labs.drop(columns=["_term", "_baseline"]), base)
    graded = graded.merge(
        labs[["subject_id", "_term"]],
        left_on=["subject_id", "ctcae_term"],
        right_on=["subject_id", "_term"],
    )
    assert len(graded) == len(labs)
    got = graded.set_index("subject_id")["grade"].reindex(labs["subject_id"]).to_numpy()
    want = np.array(expected, dtype=float)
    mismatch = ~((got == want) | (np.isnan(got) & np.isnan(want)))
    assert not mismatch.any(), (
        graded.set_index("subject_id").loc[labs["subject_id"][mismatch]].head(10).to_string()
    )
    # the grid does reach boundaries that binary floating point decides wrongly
    relative = [(rule, ref) for rule, _, _, ref, _ in cases if rule.basis != "absolute"]
    products = [float(ref) * rule.threshold for rule, ref in relative]
    exact = [Decimal(ref) * Decimal(repr(rule.threshold)) for rule, ref in relative]
    assert any(Decimal(repr(p)) != e for p, e in zip(products, exact, strict=True))


def test_values_beyond_the_integer_range_and_infinities_are_still_exact():
    labs = pd.DataFrame(
        [
            _lab("alt", 3e12, "U/L", None, 1e12),  # exactly 3 x ULN: "> 3.0 x ULN" excludes it
            _lab("alt", 3.000001e12, "U/L", None, 1e12),
            _lab("alt", np.inf, "U/L", None, 40),
            _lab("platelets", 1.5e12, "/mm3", 1.5e11, 4e11),
        ]
    )
    graded = grade_labs(labs)
    assert graded["grade"].tolist() == [1, 2, 4, 0]


@pytest.mark.parametrize("chunk_rows", [11, 997])
def test_chunked_grading_equals_whole(chunk_rows):
    rng = np.random.default_rng(5)
    units = lab_units()
    n = 3000
    pick = units.iloc[rng.integers(0, len(units), n)].reset_index(drop=True)
    tests = np.where(
        rng.random(n) < 0.3,
        rng.choice(["alt", "creatinine", "bilirubin_total", "tsh"], n),
        pick["test"],
    )
    labs = pd.DataFrame(
        {
            "subject_id": [f"S{i % 97}" for i in range(n)],
            "date": pd.Timestamp("2024-01-01"),
            "test": tests,
            "value": np.round(rng.uniform(0, 200, n), 2),
            "unit": np.where(np.isin(tests, pick["test"]), pick["unit"], "U/L"),
            "lln": np.where(rng.random(n) < 0.1, np.nan, np.round(rng.uniform(1, 50, n), 1)),
            "uln": np.where(rng.random(n) < 0.1, np.nan, np.round(rng.uniform(50, 100, n), 1)),
        }
    )
    base = labs.drop_duplicates(["subject_id", "test"])[["subject_id", "test", "value"]]
    whole = grade_labs(labs, base)
    pd.testing.assert_frame_equal(grade_labs(labs, base, chunk_rows=chunk_rows), whole)
