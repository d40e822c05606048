"""Rule language for eligibility criteria, evaluated with three-valued logic over columns.

A rule is YAML data (a dict), never code. Node kinds:

- ``{fact: anc, op: ">=", value: 1.5, unit: "10^9/L", within_days: 7}`` — compare a numeric
  fact; ``unit: "x ULN"`` compares ``fact / fact_uln``. ``within_days`` makes a value measured more
  than that many days before ``screening_date`` unknown (too old); ``relative_to: first_dose``
  measures the window from ``first_dose_date`` instead when the candidate has one (at screening the
  first dose is usually not yet scheduled, and the screening date stands in for it).
- ``{fact: ecog, in: [0, 1]}`` — categorical set.
- ``{fact: autoimmune_active, is: true}`` — boolean fact.
- ``{event: myocardial_infarction, within_days: 183}`` — an event dated ``<fact>_date`` in the
  window before ``screening_date`` (met); dated earlier, or stated never (``<fact>`` false): not met.
  ``relative_to: adjuvant_pd1_end`` measures from ``<that>_date`` instead; ``direction: until``
  accepts any date up to ``within_days`` after the reference ("during or within 6 months after");
  a reference stated never (``adjuvant_pd1_end`` false: no adjuvant therapy at all) is not met.
- ``{all: [...]}``, ``{any: [...]}``, ``{not: rule}``, ``{if: rule, then: rule, else: rule}``.

Thresholds are compared exactly on the decimal values as written: a comparison is made in binary
floating point only where it is clear by far more than rounding error; values within a relative
1e-9 of the limit are compared again as exact fractions of their shortest decimal spelling
(creatinine 1.05 with ULN 0.70 is exactly 1.5 x ULN). Unit factors are exact fractions too.

Own code because it is the hot path (10^6 candidates): every node returns an int8 array with
1 = met, 0 = not met, -1 = unknown (Kleene logic), and a boolean matrix marking, per candidate,
the leaves that decided it (for the reasons, :mod:`rtio.eligibility.reasons`).
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from rtio.eligibility.units import exact_factor

MET, NOT_MET, UNKNOWN = np.int8(1), np.int8(0), np.int8(-1)
OPS = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq}
LOGIC = {"all", "any", "not", "if"}
#: Relative distance from a limit under which a comparison is redone exactly.
NEAR = 1e-9

# Why a leaf is decided or not (per candidate), for the reasons.
OK, MISSING, TOO_OLD, FUTURE, UNDATED, NO_ULN, NO_REFERENCE, NEVER, OUTSIDE, NEVER_REFERENCE = (
    range(10)
)
_TRUE = frozenset({"true", "yes", "y", "1", "t"})
_FALSE = frozenset({"false", "no", "n", "0", "f"})


class FactError(ValueError):
    """A fact value that cannot be read (not a number, not a boolean, unknown unit)."""


def validate_rule(rule: Any, where: str = "rule") -> None:
    """Check a rule's structure; raise ValueError naming the offending node."""
    if not isinstance(rule, dict):
        raise ValueError(f"{where}: a rule must be a mapping, got {type(rule).__name__}")
    if "all" in rule or "any" in rule:
        key = "all" if "all" in rule else "any"
        if not isinstance(rule[key], list) or not rule[key]:
            raise ValueError(f"{where}.{key}: must be a non-empty list")
        for i, sub in enumerate(rule[key]):
            validate_rule(sub, f"{where}.{key}[{i}]")
    elif "not" in rule:
        validate_rule(rule["not"], f"{where}.not")
    elif "if" in rule:
        for key in ("if", "then", "else"):
            if key not in rule:
                raise ValueError(f"{where}: 'if' needs 'then' and 'else'")
            validate_rule(rule[key], f"{where}.{key}")
    elif "event" in rule:
        if not isinstance(rule.get("within_days"), int | float) or isinstance(
            rule.get("within_days"), bool
        ):
            raise ValueError(f"{where}: event needs numeric within_days")
        if rule.get("direction", "before") not in ("before", "until"):
            raise ValueError(f"{where}: direction must be 'before' or 'until'")
    elif "fact" in rule:
        modes = [k for k in ("op", "in", "is") if k in rule]
        if len(modes) != 1:
            raise ValueError(f"{where}: fact rule needs exactly one of op / in / is")
        if "op" in rule:
            if rule["op"] not in OPS:
                raise ValueError(f"{where}: unknown operator {rule['op']!r}")
            value = rule.get("value")
            if not isinstance(value, int | float) or isinstance(value, bool) or "unit" not in rule:
                raise ValueError(f"{where}: comparison needs numeric value and unit")
        if "in" in rule and not isinstance(rule["in"], list):
            raise ValueError(f"{where}: 'in' needs a list of values")
        if "within_days" in rule and not isinstance(rule["within_days"], int | float):
            raise ValueError(f"{where}: within_days must be a number of days")
    else:
        raise ValueError(f"{where}: unknown rule node {sorted(rule)}")


def leaves(rule: dict) -> list[dict]:
    """The fact/event nodes of a rule, in reading order."""
    for key in ("all", "any"):
        if key in rule:
            return [leaf for sub in rule[key] for leaf in leaves(sub)]
    if "not" in rule:
        return leaves(rule["not"])
    if "if" in rule:
        return leaves(rule["if"]) + leaves(rule["then"]) + leaves(rule["else"])
    return [rule]


@dataclass
class Leaf:
    """One leaf's outcome per candidate: ``code``, ``state`` (why; OK, MISSING, TOO_OLD, …), the
    days from the value's date to its reference (``lag``, NaN when undated), whether that reference
    was the ``relative_to`` date (``from_reference``), and for numbers the value in the rule's unit
    (``converted``) and ``value / ULN`` (``ratio``)."""

    rule: dict
    code: np.ndarray
    state: np.ndarray
    lag: np.ndarray
    from_reference: np.ndarray
    converted: np.ndarray | None = None
    ratio: np.ndarray | None = None
    values: np.ndarray | None = None
    uln: np.ndarray | None = None


@dataclass
class Decision:
    """A rule's verdict per candidate (``code``), the leaves in reading order, and ``deciders``: a
    boolean matrix (candidates x leaves) marking the leaves that decided each verdict."""

    code: np.ndarray
    leaves: list[Leaf]
    deciders: np.ndarray


def _dates(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A date column as datetime64[D] (text read strictly as ISO dates)."""
    from rtio.dates import parse_iso_dates

    values = frame[column]
    if not pd.api.types.is_datetime64_any_dtype(values):
        values = parse_iso_dates(values, column=column, source="candidates")
    return values.to_numpy("datetime64[D]")


def text_values(col: pd.Series) -> pl.Series:
    """A column as trimmed text in polars (missing and empty as null), whole floats without ".0".

    Converted once in C (polars / pyarrow), not element by element in Python."""
    if pd.api.types.is_bool_dtype(col):
        return pl.Series(col.to_numpy(dtype=bool)).cast(pl.Utf8).str.to_lowercase()
    if pd.api.types.is_float_dtype(col):
        values = pl.Series(col.to_numpy(dtype=float, na_value=np.nan))
        whole = values.is_finite() & (values == values.round(0)) & (values.abs() < 2**53)
        return pl.select(
            pl.when(values.is_nan())
            .then(None)
            .when(whole)
            .then(values.cast(pl.Int64, strict=False).cast(pl.Utf8))
            .otherwise(values.cast(pl.Utf8))
        ).to_series()
    if pd.api.types.is_integer_dtype(col) and not col.isna().any():
        return pl.Series(col.to_numpy()).cast(pl.Utf8)
    import pyarrow as pa

    if pd.api.types.infer_dtype(col, skipna=True) in ("string", "empty"):
        array = pa.array(col.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
        series = pl.Series(array)
    else:  # mixed values: each as Python writes it, whole floats without ".0"
        text = col.astype(str).to_numpy(dtype=object)
        array = pa.array(text, type=pa.large_string(), mask=col.isna().to_numpy())
        series = pl.Series(array).str.replace(r"^(-?\d+)\.0$", "${1}")
    series = series.str.strip_chars()
    return series.set(series == "", None) if len(series) else series


def _lag(frame: pd.DataFrame, fact: str, reference: np.ndarray) -> np.ndarray:
    """Days from the fact's date to the reference date (NaN when either is missing)."""
    n = len(frame)
    if f"{fact}_date" not in frame:
        return np.full(n, np.nan)
    delta = reference - _dates(frame, f"{fact}_date")
    return np.where(np.isnat(delta), np.nan, delta.astype("timedelta64[D]").astype(np.int64))


def _reference(frame: pd.DataFrame, rule: dict, fallback: bool) -> tuple[np.ndarray, np.ndarray]:
    """The reference date of a leaf's window and whether it is the ``relative_to`` date (else the
    screening date; ``fallback`` = use the screening date where the reference date is missing)."""
    n = len(frame)
    screening = (
        _dates(frame, "screening_date")
        if "screening_date" in frame
        else np.full(n, np.datetime64("NaT"), "datetime64[D]")
    )
    if "relative_to" not in rule:
        return screening, np.zeros(n, bool)
    column = f"{rule['relative_to']}_date"
    own = _dates(frame, column) if column in frame else np.full(n, np.datetime64("NaT"), "M8[D]")
    have = ~np.isnat(own)
    if not fallback:
        return own, np.ones(n, bool)
    return np.where(have, own, screening), have


def _booleans(frame: pd.DataFrame, column: str) -> tuple[np.ndarray, np.ndarray]:
    """A boolean fact as (known, value); true/false, yes/no, 1/0 accepted, anything else an error."""
    col = frame[column]
    known = col.notna().to_numpy()
    if pd.api.types.is_bool_dtype(col):
        return known, col.fillna(False).to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(col):
        values = col.to_numpy(dtype=float, na_value=np.nan)
        bad = known & ~np.isin(values, (0.0, 1.0))
        truth = values == 1.0
    else:
        text = text_values(col).str.to_lowercase()
        known = text.is_not_null().to_numpy()
        truth = text.is_in(list(_TRUE)).fill_null(False).to_numpy()
        bad = known & ~truth & ~text.is_in(list(_FALSE)).fill_null(False).to_numpy()
    if bad.any():
        _raise_bad(frame, column, np.flatnonzero(bad)[0], "is not true / false")
    return known, truth


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    col = frame[column]
    if pd.api.types.is_bool_dtype(col):
        _raise_bad(frame, column, 0, "is not a number")
    values = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    suspect = np.flatnonzero(np.isnan(values) & col.notna().to_numpy())
    bad = np.isinf(values)
    if len(suspect):
        blank = text_values(col.iloc[suspect]).is_null().to_numpy()
        bad[suspect[~blank]] = True
    if bad.any():
        _raise_bad(frame, column, np.flatnonzero(bad)[0], "is not a number")
    return values


def _raise_bad(frame: pd.DataFrame, column: str, row: int, problem: str) -> None:
    value = frame[column].iloc[row]
    where = (
        f"candidate {frame['candidate_id'].iloc[row]!r}"
        if "candidate_id" in frame
        else f"row {row + 1}"
    )
    raise FactError(f"column {column!r}, {where}: value {value!r} {problem}")


def _exact(value: float) -> Fraction:
    """The decimal a float was written as (its shortest round-trip spelling), exactly."""
    return Fraction(repr(float(value)))


def _compare(op: str, values: np.ndarray, limit: float, factor: Fraction, uln: np.ndarray | None):
    """``values * factor`` (or ``values / uln``) ``op`` ``limit``, exact on the written decimals."""
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        lhs = values / uln if uln is not None else values * float(factor)
        truth = OPS[op](lhs, limit)
        near = np.abs(lhs - limit) <= NEAR * np.maximum(np.abs(lhs), abs(limit))
    exact_limit = _exact(limit)
    for i in np.flatnonzero(near & np.isfinite(lhs)):
        value = _exact(values[i])
        exact = value / _exact(uln[i]) if uln is not None else value * factor
        truth[i] = OPS[op](exact, exact_limit)
    return truth, lhs


def _window(rule: dict, lag: np.ndarray, dated: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """State of a value's date against ``within_days`` (OK when no window applies)."""
    days = rule.get("within_days")
    n = len(lag)
    if days is None:
        return np.full(n, OK, np.int8)
    state = np.full(n, OK, np.int8)
    state[~dated] = UNDATED
    state[np.isnat(reference)] = NO_REFERENCE
    state[dated & (lag < 0)] = FUTURE
    state[dated & (lag > days)] = TOO_OLD
    return state


def _fact_leaf(rule: dict, frame: pd.DataFrame) -> Leaf:
    n = len(frame)
    fact = rule["fact"]
    reference, from_reference = _reference(frame, rule, fallback=True)
    lag = _lag(frame, fact, reference)
    if fact not in frame:
        state = np.full(n, MISSING, np.int8)
        return Leaf(rule, np.full(n, UNKNOWN, np.int8), state, lag, from_reference)
    own_date = (
        ~np.isnat(_dates(frame, f"{fact}_date")) if f"{fact}_date" in frame else np.zeros(n, bool)
    )
    state = _window(rule, lag, own_date, reference)
    values: np.ndarray | None = None
    if "op" in rule:
        values = _numbers(frame, fact)
        present = ~np.isnan(values)
        op, limit, unit = rule["op"], rule["value"], rule["unit"]
        ratio: np.ndarray | None = None
        shown: np.ndarray | None = None
        uln: np.ndarray | None = None
        if unit == "x ULN":
            uln = _numbers(frame, f"{fact}_uln") if f"{fact}_uln" in frame else np.full(n, np.nan)
            bad_uln = ~(uln > 0)
            state = np.where(present & bad_uln & (state == OK), NO_ULN, state).astype(np.int8)
            truth, ratio = _compare(op, values, limit, Fraction(1), np.where(bad_uln, np.nan, uln))
        elif f"{fact}_unit" in frame:
            truth, shown = np.zeros(n, bool), np.full(n, np.nan)
            for mask, factor in _unit_groups(frame, fact, values, unit):
                truth[mask], shown[mask] = _compare(op, values[mask], limit, factor, None)
        elif unit in ("1", "years"):
            truth, shown = _compare(op, values, limit, Fraction(1), None)
        else:
            raise FactError(f"fact {fact!r}: column {fact}_unit is required to compare in {unit}")
    elif "in" in rule:
        present, truth = _categories(frame, fact, rule["in"])
        ratio = shown = values = uln = None
    else:
        present, value = _booleans(frame, fact)
        truth = value == bool(rule["is"])
        ratio = shown = values = uln = None
    state = np.where(present, state, MISSING).astype(np.int8)
    code = np.where(state == OK, np.where(truth, MET, NOT_MET), UNKNOWN).astype(np.int8)
    return Leaf(rule, code, state, lag, from_reference, shown, ratio, values, uln)


def _unit_groups(
    frame: pd.DataFrame, fact: str, values: np.ndarray, unit: str
) -> list[tuple[np.ndarray, Fraction]]:
    """Rows grouped by their unit, each with the exact factor to ``unit`` (unknown unit: error)."""
    units = text_values(frame[f"{fact}_unit"])
    present = ~np.isnan(values)
    missing_unit = present & units.is_null().to_numpy()
    if missing_unit.any():
        _raise_bad(frame, f"{fact}_unit", np.flatnonzero(missing_unit)[0], "is missing")
    groups = []
    for u in units.filter(pl.Series(present)).unique().to_list():
        mask = present & (units == u).fill_null(False).to_numpy()
        try:
            groups.append((mask, exact_factor(u, unit)))
        except ValueError as err:
            _raise_bad(frame, f"{fact}_unit", np.flatnonzero(mask)[0], f"cannot be used ({err})")
    return groups


def _categories(frame: pd.DataFrame, fact: str, allowed: list) -> tuple[np.ndarray, np.ndarray]:
    """(present, in the set): numbers compared as numbers, codes as trimmed text."""
    col = frame[fact]
    if allowed and all(isinstance(a, int | float) and not isinstance(a, bool) for a in allowed):
        values = _numbers(frame, fact)
        return ~np.isnan(values), np.isin(values, np.asarray(allowed, dtype=float))
    text = text_values(col)
    present = text.is_not_null().to_numpy()
    return present, text.is_in([str(a) for a in allowed]).fill_null(False).to_numpy()


def _event_leaf(rule: dict, frame: pd.DataFrame) -> Leaf:
    n = len(frame)
    fact = rule["event"]
    reference, from_reference = _reference(frame, rule, fallback=False)
    lag = _lag(frame, fact, reference)
    if fact in frame:
        known, happened = _booleans(frame, fact)
    else:
        known, happened = np.zeros(n, bool), np.zeros(n, bool)
    days = rule["within_days"]
    dated = ~np.isnan(lag)
    in_window = (lag >= -days) if rule.get("direction") == "until" else (lag >= 0) & (lag <= days)
    own_date = (
        ~np.isnat(_dates(frame, f"{fact}_date")) if f"{fact}_date" in frame else np.zeros(n, bool)
    )
    state = np.full(n, MISSING, np.int8)
    state[known & happened & own_date & np.isnat(reference)] = NO_REFERENCE
    state[known & happened & ~own_date] = UNDATED
    state[known & happened & dated & in_window] = OK
    state[known & happened & dated & ~in_window] = OUTSIDE
    state[known & ~happened] = NEVER
    if "relative_to" in rule and rule["relative_to"] in frame:
        ref_known, ref_happened = _booleans(frame, rule["relative_to"])
        state[ref_known & ~ref_happened & (state != OK)] = NEVER_REFERENCE
    code = np.full(n, UNKNOWN, np.int8)
    code[state == OK] = MET
    code[np.isin(state, (NEVER, OUTSIDE, NEVER_REFERENCE))] = NOT_MET
    return Leaf(rule, code, state, lag, from_reference)


def _decide(rule: dict, frame: pd.DataFrame, out: list[Leaf], width: int) -> tuple:
    """(code, deciders) of ``rule``; appends its leaves to ``out`` (deciders are n x width)."""
    n = len(frame)
    if "all" in rule or "any" in rule:
        key = "all" if "all" in rule else "any"
        parts = [_decide(sub, frame, out, width) for sub in rule[key]]
        codes = np.stack([p[0] for p in parts])
        decisive, other = (NOT_MET, MET) if key == "all" else (MET, NOT_MET)
        code = np.where(
            (codes == decisive).any(0),
            decisive,
            np.where((codes == other).all(0), other, UNKNOWN),
        ).astype(np.int8)
        first = np.argmax(codes == decisive, axis=0)
        deciders = np.zeros((n, width), bool)
        for i, (sub_code, sub_deciders) in enumerate(parts):
            take = (
                ((code == decisive) & (first == i))
                | (code == other)
                | ((code == UNKNOWN) & (sub_code == UNKNOWN))
            )
            deciders |= sub_deciders & take[:, None]
        return code, deciders
    if "not" in rule:
        sub, deciders = _decide(rule["not"], frame, out, width)
        return np.where(sub == UNKNOWN, UNKNOWN, 1 - sub).astype(np.int8), deciders
    if "if" in rule:
        cond, cond_d = _decide(rule["if"], frame, out, width)
        then, then_d = _decide(rule["then"], frame, out, width)
        other, other_d = _decide(rule["else"], frame, out, width)
        code = np.where(cond == MET, then, np.where(cond == NOT_MET, other, UNKNOWN))
        deciders = (
            cond_d | (then_d & (cond == MET)[:, None]) | (other_d & (cond == NOT_MET)[:, None])
        )
        return code.astype(np.int8), deciders
    leaf = _event_leaf(rule, frame) if "event" in rule else _fact_leaf(rule, frame)
    deciders = np.zeros((n, width), bool)
    deciders[:, len(out)] = True
    out.append(leaf)
    return leaf.code, deciders


def _positional(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with a 0..n-1 index (copied only when it has another index)."""
    if isinstance(frame.index, pd.RangeIndex) and frame.index.start == 0 and frame.index.step == 1:
        return frame
    return frame.reset_index(drop=True)


def decide(rule: dict, frame: pd.DataFrame) -> Decision:
    """Evaluate ``rule`` for every row of a wide fact frame, with the leaves that decided."""
    found: list[Leaf] = []
    code, deciders = _decide(rule, _positional(frame), found, len(leaves(rule)))
    return Decision(code, found, deciders)


def evaluate(rule: dict, frame: pd.DataFrame) -> np.ndarray:
    """Evaluate ``rule`` for every row of a wide fact frame; int8 array (1 met, 0 not, -1 unknown)."""
    return decide(rule, frame).code
