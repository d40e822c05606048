"""Property test: screening random candidates against the shipped protocols gives a verdict for
every candidate and every criterion, or one of rtio's own errors (naming column and candidate) —
never an exception from deep inside numpy, pandas or polars."""

from __future__ import annotations

import traceback

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rtio.eligibility import screen
from rtio.eligibility.rules import leaves
from rtio.protocol import load_protocol

PROTOCOLS = {pid: load_protocol(pid) for pid in ("NCT07164690", "NCT07235319", "ChiCTR2100046715")}
STATUSES = {"met", "not_met", "unknown", "manual"}
UNITS = ["10^9/L", "g/L", "g/dL", "mg/L", "mg/dL", "mL/min", "copies/mL", "/uL", "mmol/L", "", None]
DATES = ["2026-01-10", "2026-01-03", "2025-06-01", "2026-02-01", "03/04/2024", "2014-02", "", None]


def _facts(pid: str) -> list[str]:
    names = set()
    for criterion in PROTOCOLS[pid].eligibility:
        for leaf in leaves(criterion.rule) if criterion.rule else []:
            names.add(leaf.get("fact", leaf.get("event")))
            if "relative_to" in leaf:
                names.add(leaf["relative_to"])
    return sorted(names)


cell = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 300),
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.sampled_from(
        ["true", "false", "yes", "CR", "PR", "escc", "IVA", "N3", "M1", "x", "", "1.5"]
    ),
)


@st.composite
def candidates(draw: st.DrawFn) -> tuple[str, pd.DataFrame]:
    pid = draw(st.sampled_from(sorted(PROTOCOLS)))
    n = draw(st.integers(0, 6))
    chosen = draw(st.lists(st.sampled_from(_facts(pid)), max_size=12, unique=True))
    data: dict[str, list] = {
        "candidate_id": [f"c{i}" for i in range(n)],
        "screening_date": [draw(st.sampled_from(DATES[:4])) for _ in range(n)],
    }
    for fact in chosen:
        data[fact] = [draw(cell) for _ in range(n)]
        for suffix, values in (("_unit", UNITS), ("_date", DATES)):
            if draw(st.booleans()):
                data[fact + suffix] = [draw(st.sampled_from(values)) for _ in range(n)]
        if draw(st.booleans()):
            data[fact + "_uln"] = [
                draw(st.sampled_from([0.7, 40.0, 0.0, -1.0, None])) for _ in range(n)
            ]
    return pid, pd.DataFrame(data)


def _check(pid: str, frame: pd.DataFrame) -> None:
    criteria = PROTOCOLS[pid].eligibility
    try:
        s = screen(PROTOCOLS[pid], frame)
    except ValueError as err:
        where = traceback.extract_tb(err.__traceback__)[-1].filename
        assert "/rtio/" in where, f"{type(err).__name__} from {where}: {err}"
        assert str(err)
        return
    assert len(s.verdicts) == len(frame)
    assert set(s.verdicts["verdict"]) <= {"eligible", "ineligible", "pending"}
    assert len(s.details) == len(frame) * len(criteria)
    assert set(s.details["status"]) <= STATUSES
    decided = s.details[s.details["status"].isin(["met", "not_met", "unknown"])]
    assert all(isinstance(text, str) and text for text in decided["reason"])
    assert all(isinstance(text, str) and text for text in decided["decided_by"])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(candidates())
def test_random_candidates_get_verdicts_or_rtio_errors(case: tuple[str, pd.DataFrame]) -> None:
    _check(*case)


@pytest.mark.slow
@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(candidates())
def test_random_candidates_many(case: tuple[str, pd.DataFrame]) -> None:
    _check(*case)


def test_a_missing_fact_column_is_unknown_not_an_error() -> None:
    """Every trial protocol, a candidate with nothing but an id and a screening date: all pending."""
    frame = pd.DataFrame({"candidate_id": ["a"], "screening_date": ["2026-01-10"]})
    for protocol in PROTOCOLS.values():
        s = screen(protocol, frame)
        assert s.verdicts.loc[0, "verdict"] == "pending"
        assert set(s.details["status"]) <= {"unknown", "manual"}
        assert np.all(
            s.details.loc[s.details["status"] == "unknown", "reason"].str.contains("missing")
        )
