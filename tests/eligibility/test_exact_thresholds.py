"""Thresholds are compared exactly on the decimal values as written, at every boundary of every
numeric rule in the shipped trial protocols (seeds 000, 003 and 004), in the rule's unit, in every
other unit that converts to it by a terminating decimal factor, and as multiples of many ULNs."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from rtio.eligibility import screen
from rtio.eligibility.rules import MET, NOT_MET, evaluate, leaves
from rtio.eligibility.units import EXACT_FACTORS
from rtio.protocol import load_protocol

PROTOCOLS = ("NCT07164690", "NCT07235319", "ChiCTR2100046715")
ULNS = ("0.70", "1.1", "0.3", "40", "17.1", "1.2", "0.9", "33", "0.07", "2.3")
DAY = "2026-01-10"
AT_LIMIT = {"<=": MET, ">=": MET, "==": MET, "<": NOT_MET, ">": NOT_MET}


def _numeric_leaves() -> list[tuple[str, str, dict]]:
    found = []
    for pid in PROTOCOLS:
        for criterion in load_protocol(pid).eligibility:
            for leaf in leaves(criterion.rule) if criterion.rule else []:
                if "op" in leaf:
                    found.append((pid, criterion.id, leaf))
    return found


LEAVES = _numeric_leaves()


def _decimal(fraction: Fraction) -> str | None:
    """A fraction as a terminating decimal string, or None when it does not terminate."""
    denominator = fraction.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator != 1:
        return None
    return format(Decimal(fraction.numerator) / Decimal(fraction.denominator), "f")


def _rows(leaf: dict, cases: list[tuple[str, dict]]) -> pd.DataFrame:
    """One candidate per (value as written, extra columns) case, measured on the screening day."""
    fact = leaf["fact"]
    rows = [
        {"screening_date": DAY, fact: float(value), f"{fact}_date": DAY, **extra}
        for value, extra in cases
    ]
    frame = pd.DataFrame(rows)
    return frame.assign(candidate_id=[f"c{i}" for i in range(len(frame))])


def _beyond(value: str, op: str) -> str:
    """A written decimal just on the failing side of the limit."""
    step = Decimal(1).scaleb(Decimal(value).as_tuple().exponent - 2)
    return str(Decimal(value) + step if op in ("<=", "<") else Decimal(value) - step)


def test_every_shipped_numeric_rule_is_covered() -> None:
    assert len(LEAVES) >= 30
    assert {pid for pid, _, _ in LEAVES} == set(PROTOCOLS)


@pytest.mark.parametrize(("pid", "cid", "leaf"), LEAVES, ids=lambda x: str(x)[:40])
def test_at_the_limit_and_just_beyond(pid: str, cid: str, leaf: dict) -> None:
    op, limit, unit = leaf["op"], Fraction(repr(float(leaf["value"]))), leaf["unit"]
    cases: list[tuple[str, dict]] = []
    if unit == "x ULN":
        for uln in ULNS:
            value = _decimal(limit * Fraction(uln))
            assert value is not None
            cases.append((value, {f"{leaf['fact']}_uln": float(uln)}))
    elif unit in ("1", "years"):
        cases.append((_decimal(limit) or "", {}))
    else:
        for (source, target), factor in EXACT_FACTORS.items():
            value = _decimal(limit / factor)
            if target == unit and value is not None:
                cases.append((value, {f"{leaf['fact']}_unit": source}))
        assert cases, f"{pid} {cid}: no unit converts to {unit}"
    expected_at = np.array([AT_LIMIT[op]] * len(cases))
    assert (evaluate(leaf, _rows(leaf, cases)) == expected_at).all(), (pid, cid, leaf, cases)
    if op == "==":
        return
    outside = [(_beyond(value, op), extra) for value, extra in cases]
    assert (evaluate(leaf, _rows(leaf, outside)) == NOT_MET).all(), (pid, cid, leaf, outside)
    flipped = {"<=": ">", "<": ">", ">=": "<", ">": "<"}[op]
    inside = [(_beyond(value, flipped), extra) for value, extra in cases]
    assert (evaluate(leaf, _rows(leaf, inside)) == MET).all(), (pid, cid, leaf, inside)


def test_creatinine_exactly_one_and_a_half_times_uln_passes() -> None:
    """Seed 003 I9: creatinine 1.05 with ULN 0.70 is exactly 1.5 x ULN (binary floating point
    gives 1.5000000000000002); "<= 1.5 x ULN" passes and the reason shows value, ULN and ratio."""
    assert 1.05 / 0.70 > 1.5  # the floating-point quotient is wrong
    i9 = next(c for c in load_protocol("NCT07235319").eligibility if c.id == "I9")
    leaf = next(x for x in leaves(i9.rule) if x["fact"] == "creatinine")
    row = _rows(leaf, [("1.05", {"creatinine_uln": 0.70, "creatinine_unit": "mg/dL"})])
    assert evaluate(leaf, row)[0] == MET
    s = screen([{"id": "R", "kind": "inclusion", "text": "", "manual": False, "rule": leaf}], row)
    reason = s.details.loc[0, "reason"]
    assert reason.startswith(
        "serum creatinine 1.05 mg/dL = 1.5 × ULN (ULN 0.7 mg/dL) on 2026-01-10"
    )
    assert reason.endswith(": meets ≤ 1.5 × ULN")


def test_comparison_over_a_whole_column_agrees_away_from_the_limit() -> None:
    """Away from the limit the vectorised float comparison decides (10,001 candidates)."""
    leaf = {"fact": "anc", "op": ">=", "value": 1.5, "unit": "10^9/L"}
    values = np.linspace(0.1, 3.0, 10_001)
    frame = pd.DataFrame(
        {"candidate_id": np.arange(len(values)).astype(str), "anc": values, "anc_unit": "10^9/L"}
    )
    codes = evaluate(leaf, frame)
    assert ((codes == MET) == (values >= 1.5)).all()
