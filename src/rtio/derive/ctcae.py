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

Thresholds are compared exactly on the decimals as written (DESIGN), never as binary-float products:
a value, its LLN / ULN / baseline and each threshold are held as integers (values in millionths of
their unit, thresholds as the fraction they are written as, 1.5 = 3/2) and ``value op threshold x
reference`` is decided by integer cross-multiplication, so creatinine 1.05 with ULN 0.70 is exactly
1.5 x ULN. Own code because this is the hot path: 10^7 lab rows are graded in chunks of
:data:`CHUNK_ROWS` on integer codes (test, unit pair, term, rule), one vectorised comparison per
criteria row, and the result (one row per lab x term) is assembled once at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from rtio.derive.adverse_events import map_terms
from rtio.frames import FrameLike, as_frame, require_columns

__all__ = [
    "CHUNK_ROWS",
    "DIGITS",
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


@cache
def criteria(version: str = "5.0") -> pd.DataFrame:
    """The lab grading criteria of a CTCAE version (one row per term x grade x basis x unit)."""
    if version not in VERSIONS:
        raise ValueError(
            f"CTCAE version {version!r} is not available; versions: {', '.join(VERSIONS)}"
        )
    table = _packaged_table("ctcae_v5_labs.csv")
    return table[table["version"].astype(str) == version].reset_index(drop=True)


@cache
def lab_units() -> pd.DataFrame:
    """Accepted units per test and their exact conversion to the unit of the criteria."""
    return _packaged_table("lab_units.csv")


def _packaged_table(name: str) -> pd.DataFrame:
    """A CSV table shipped in ``rtio.derive.data`` (the file closed once read)."""
    with resources.files("rtio.derive.data").joinpath(name).open(encoding="utf-8") as handle:
        return pd.read_csv(handle)


DIGITS = 6
"""Lab values, limits and baselines are compared as decimals to this many places: each is held as
an integer number of 10⁻⁶ units (a laboratory reports far fewer decimals; a value with more is
rounded to the nearest 10⁻⁶ first, the documented tolerance)."""
_SCALE = 10**DIGITS
_EXACT_BELOW = 1e9
"""Magnitude below which scaled integers and their products with a threshold's numerator and
denominator fit in int64; larger values (implausible for any lab) are compared with Python's
``decimal`` module instead, still exactly."""
CHUNK_ROWS = 1_000_000
"""Lab rows graded at a time: memory grows with the chunk, not the study."""
_NORMAL = "within the normal range"
_NOT_GRADABLE = "not gradable: the LLN or ULN that grade 1 needs is missing"


@dataclass(frozen=True)
class _Rule:
    """One criteria row with its threshold as an exact fraction ``num / den`` of the decimal
    written in the criteria (e.g. 1.5 = 3 / 2)."""

    grade: int
    basis: str
    op: str
    num: int
    den: int
    unit: str | None  # None: any unit (multiples of the lab's own LLN / ULN / baseline)
    applies: str
    text: str


@dataclass(frozen=True)
class _Terms:
    """The graded terms of a CTCAE version: names (sorted), each term's rules (grade order) and
    each test's terms (sorted, as the output lists them)."""

    names: tuple[str, ...]
    rules: tuple[tuple[_Rule, ...], ...]
    by_test: dict[str, tuple[int, ...]]
    clinical: frozenset[int]  # terms graded clinically, never from a value


@cache
def _terms(version: str) -> _Terms:
    table = criteria(version)
    clinical_names = set(NOT_GRADED_FROM_VALUES.values())
    names = tuple(sorted(set(table["term"]) | clinical_names))
    index = {name: k for k, name in enumerate(names)}
    rules: list[tuple[_Rule, ...]] = [() for _ in names]
    by_test: dict[str, list[int]] = {}
    for term, group in table.groupby("term", sort=False):
        ordered = group.sort_values("grade", kind="stable")
        rules[index[str(term)]] = tuple(_rule(row) for row in ordered.itertuples())
        by_test.setdefault(str(group["test"].iloc[0]), []).append(index[str(term)])
    for test, term in NOT_GRADED_FROM_VALUES.items():
        by_test.setdefault(test, []).append(index[term])
    return _Terms(
        names,
        tuple(rules),
        {test: tuple(sorted(terms)) for test, terms in by_test.items()},
        frozenset(index[name] for name in clinical_names),
    )


def _rule(row: Any) -> _Rule:
    num, den = Decimal(repr(float(row.threshold))).as_integer_ratio()
    basis = {
        "absolute": f" {row.unit}",
        "lln": " x LLN",
        "uln": " x ULN",
        "baseline": " x baseline",
    }
    label = f"{row.op} {float(row.threshold):g}{basis[row.basis]}: grade {row.grade}"
    return _Rule(
        grade=int(row.grade),
        basis=str(row.basis),
        op=str(row.op),
        num=num,
        den=den,
        unit=None if row.unit == "any" else str(row.unit),
        applies=str(row.applies),
        text=f"{label} (CTCAE: {row.ctcae_text})",
    )


def _numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A numeric column as float64 (missing = NaN); text that is not a number is an error naming
    the row and column."""
    if column not in frame:
        return np.full(len(frame), np.nan)
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values) & raw.notna().to_numpy()
    if bad.any():
        text = raw[bad].astype(str).str.strip()
        rows = np.flatnonzero(bad)[(text != "").to_numpy()]
        if len(rows):
            raise ValueError(
                f"labs row {rows[0]}, column {column!r}: not a number: {raw.iloc[rows[0]]!r}"
            )
    return values


def _scaled(values: np.ndarray) -> np.ndarray:
    """Values as integer multiples of 10⁻⁶ (0 where not finite or too large: see ``_EXACT_BELOW``)."""
    ok = np.isfinite(values) & (np.abs(values) < _EXACT_BELOW)
    return np.where(ok, np.rint(np.where(ok, values, 0.0) * _SCALE), 0).astype(np.int64)


_COMPARE = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}
_DECIMAL_COMPARE = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _holds(
    rule: _Rule, value: np.ndarray, reference: np.ndarray, multiply: np.ndarray, divide: np.ndarray
) -> np.ndarray:
    """``value op threshold × reference`` decided exactly on the decimals as written.

    Relative rules compare ``value · den op num · reference`` in scaled integers (a ratio to the
    lab's own LLN / ULN / baseline needs no unit conversion); absolute rules compare the value in
    the criteria's unit, ``value · multiply / divide``, as ``value · multiply · den op num · divide``.
    NaN never holds; infinities and values beyond ``_EXACT_BELOW`` are decided with ``decimal``."""
    known = ~np.isnan(value) & ~np.isnan(reference)
    in_range = (
        known
        & np.isfinite(value)
        & np.isfinite(reference)
        & (np.abs(value) < _EXACT_BELOW)
        & (np.abs(reference) < _EXACT_BELOW)
    )
    v, r = _scaled(value), _scaled(reference)
    if rule.basis == "absolute":
        left = v * multiply * rule.den
        right = np.full(len(v), rule.num * _SCALE) * divide
    else:
        left = v * rule.den
        right = r * rule.num
    holds = in_range & _COMPARE[rule.op](left, right)
    rare = np.flatnonzero(known & ~in_range)
    for k in rare:  # implausible magnitudes or infinities only: exact, per value
        threshold = Decimal(rule.num) / Decimal(rule.den)
        limit = threshold * (
            Decimal(int(divide[k])) / Decimal(int(multiply[k]))
            if rule.basis == "absolute"
            else _decimal(reference[k])
        )
        holds[k] = _DECIMAL_COMPARE[rule.op](_decimal(value[k]), limit)
    return holds


def _decimal(x: float) -> Decimal:
    """The decimal a float was written as (its shortest repr); infinities stay infinite."""
    return Decimal(repr(float(x))) if np.isfinite(x) else Decimal(x)


@dataclass(frozen=True)
class _Labs:
    """Lab rows as arrays: test code (into ``tests``), numbers, baseline, and the code of each
    row's (test, unit) pair, whose criteria unit and exact conversion factor are held once per
    pair."""

    tests: pd.Index
    test: np.ndarray
    value: np.ndarray
    lln: np.ndarray
    uln: np.ndarray
    baseline: np.ndarray
    abnormal: np.ndarray
    pair: np.ndarray
    unit: np.ndarray  # criteria unit per pair (object)
    multiply: np.ndarray  # per pair
    divide: np.ndarray  # per pair


def _conversions(
    frame: pd.DataFrame, test: np.ndarray, tests: pd.Index
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each row's (test, unit) pair code, and per pair the criteria's unit and the exact factor
    (multiply / divide) into it; an unknown unit of a test with known units is an error naming
    the row. One lookup per distinct pair."""
    units = lab_units()
    unit_code, unit_names = pd.factorize(frame["unit"])
    width = len(unit_names) + 1
    pair_code, pairs = pd.factorize((test.astype(np.int64) + 1) * width + unit_code + 1)
    t, u = pairs // width - 1, pairs % width - 1
    names = np.asarray(tests, dtype=object)
    pair_test = np.array([names[k] if k >= 0 else None for k in t], dtype=object)
    unit_text = np.asarray(unit_names, dtype=object)
    pair_unit = np.array([unit_text[k] if k >= 0 else None for k in u], dtype=object)
    found = units.set_index(["test", "unit"]).reindex(
        pd.MultiIndex.from_arrays([pair_test, pair_unit])
    )
    unknown = (
        pd.Index(pair_test).isin(set(units["test"])) & found["canonical_unit"].isna().to_numpy()
    )
    if unknown.any():
        rows = np.flatnonzero(unknown[pair_code])
        bad = [f"{pair_test[k]} in {pair_unit[k]}" for k in pd.unique(pair_code[rows])[:5]]
        raise ValueError(
            f"labs row {rows[0]}, column 'unit': unknown unit for {', '.join(bad)}; accepted "
            "units are listed in rtio/derive/data/lab_units.csv (values are never converted by "
            "guess)"
        )
    canonical = found["canonical_unit"].to_numpy(dtype=object)
    canonical = np.where(pd.isna(canonical), pair_unit, canonical)
    multiply = found["multiply"].fillna(1).to_numpy(dtype=np.int64)
    divide = found["divide"].fillna(1).to_numpy(dtype=np.int64)
    return pair_code.astype(np.int32), canonical, multiply, divide


def _baselines(
    frame: pd.DataFrame, test: np.ndarray, tests: pd.Index, baseline: FrameLike | None
) -> np.ndarray:
    """Each row's baseline value for its subject and test (the last given; NaN when none), found
    through integer keys (no per-row index of text is built)."""
    if baseline is None:
        return np.full(len(frame), np.nan)
    base = as_frame(baseline, "baseline", copy=False)
    require_columns(base, "baseline", ["subject_id", "test", "value"])
    subject_code, subjects = pd.factorize(frame["subject_id"])
    width = len(tests) + 1
    row_key = (subject_code.astype(np.int64) + 1) * width + test + 1
    base_subject = pd.Index(subjects).get_indexer(pd.Index(base["subject_id"]))
    base_test = tests.get_indexer(pd.Index(base["test"]))
    ok = (base_subject >= 0) & (base_test >= 0)
    base_key = ((base_subject + 1) * width + base_test + 1)[ok]
    values = pd.to_numeric(base["value"], errors="coerce").to_numpy(dtype=float)[ok]
    last = pd.Series(values).groupby(base_key).last()
    position = pd.Index(last.index).get_indexer(row_key)
    return np.where(position >= 0, last.to_numpy()[np.maximum(position, 0)], np.nan)


def _read_labs(frame: pd.DataFrame, baseline: FrameLike | None) -> _Labs:
    test, tests = pd.factorize(frame["test"])
    test = test.astype(np.int32)
    pair, unit, multiply, divide = _conversions(frame, test, pd.Index(tests))
    uln = _numbers(frame, "uln")
    base = _baselines(frame, test, pd.Index(tests), baseline)
    with np.errstate(invalid="ignore"):
        abnormal = base > uln  # two decimals compared directly: exact
    return _Labs(
        pd.Index(tests),
        test,
        _numbers(frame, "value"),
        _numbers(frame, "lln"),
        uln,
        base,
        abnormal,
        pair,
        unit,
        multiply,
        divide,
    )


def _term_counts(labs: _Labs, terms: _Terms) -> np.ndarray:
    """Number of CTCAE terms of each test code, with a last 0 for a missing test (code -1)."""
    return np.array(
        [len(terms.by_test.get(str(name), ())) for name in labs.tests] + [0], dtype=np.int64
    )


def _expand(labs: _Labs, terms: _Terms, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(lab row, term) pairs of ``rows``: each row once per term of its test, terms in name
    order (sodium: hyper- and hyponatremia)."""
    per_test = [terms.by_test.get(str(name), ()) for name in labs.tests]
    width = max((len(t) for t in per_test), default=0)
    table = np.full((len(per_test) + 1, max(width, 1)), -1, dtype=np.int64)
    for k, term_codes in enumerate(per_test):
        table[k, : len(term_codes)] = term_codes
    count = _term_counts(labs, terms)
    test = labs.test[rows]  # -1 (missing test) reads the last, empty line
    repeat = count[test]
    row = np.repeat(rows, repeat)
    start = np.cumsum(repeat) - repeat
    position = np.arange(len(row)) - np.repeat(start, repeat)
    return row, table[np.repeat(test, repeat), position]


def _grade_chunk(
    labs: _Labs, terms: _Terms, row: np.ndarray, term: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Grade and reason code of each (row, term) pair: the highest grade whose rule holds
    (reason = that rule), 0 within the normal range, NaN not gradable or clinical."""
    grade = np.zeros(len(row))
    reason = np.full(len(row), -1, dtype=np.int64)  # rule id; -1 normal
    order = np.argsort(term, kind="stable")
    bounds = np.searchsorted(term[order], np.arange(len(terms.names) + 1))
    rule_id = 0
    for k, rules in enumerate(terms.rules):
        pick = order[bounds[k] : bounds[k + 1]]
        if not len(pick):
            rule_id += len(rules)
            continue
        if k in terms.clinical:
            grade[pick] = np.nan
            reason[pick] = -3 - k
            continue
        r = row[pick]
        undecided = np.zeros(len(pick), dtype=bool)
        for rule in rules:
            applies = (
                np.ones(len(pick), dtype=bool)
                if rule.unit is None
                else labs.unit[labs.pair[r]] == rule.unit
            )
            if rule.applies == "baseline_normal":
                applies &= ~labs.abnormal[r]
            elif rule.applies == "baseline_abnormal":
                applies &= labs.abnormal[r]
            reference = {
                "absolute": np.ones(len(pick)),
                "lln": labs.lln[r],
                "uln": labs.uln[r],
                "baseline": labs.baseline[r],
            }[rule.basis]
            if rule.grade == 1 and rule.basis in ("lln", "uln"):
                undecided |= applies & np.isnan(reference)
            holds = applies & _holds(
                rule,
                labs.value[r],
                reference,
                labs.multiply[labs.pair[r]],
                labs.divide[labs.pair[r]],
            )
            grade[pick] = np.where(holds, rule.grade, grade[pick])
            reason[pick] = np.where(holds, rule_id, reason[pick])
            rule_id += 1
        not_gradable = (grade[pick] == 0) & undecided
        grade[pick[not_gradable]] = np.nan
        reason[pick[not_gradable]] = -2
    return grade, reason


def grade_labs(
    labs: FrameLike,
    baseline: FrameLike | None = None,
    version: str = "5.0",
    *,
    chunk_rows: int = CHUNK_ROWS,
) -> pd.DataFrame:
    """Grade laboratory results into CTCAE terms: one row per lab result x term.

    ``labs``: the study table (subject_id, date, test, value, unit, lln, uln). ``baseline``: optional
    frame of baseline values (subject_id, test, value, in the lab's unit). Adds ``ctcae_term``,
    ``grade`` (0 = within the term's normal range; NaN = not gradable) and ``reason`` (the rule that
    decided, with the CTCAE text, e.g. "> 3 x ULN: grade 2 (CTCAE: >3.0 - 5.0 x ULN ...)"). Tests
    without a CTCAE lab term (e.g. crcl, bun, tsh) produce no rows.

    Every threshold is decided exactly on the decimals as written (1.05 with ULN 0.70 is exactly
    1.5 x ULN; see :data:`DIGITS`). Rows are graded ``chunk_rows`` at a time on integer codes, so
    memory follows the chunk; the result does not depend on the chunk size.
    """
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be at least 1, not {chunk_rows}")
    terms = _terms(version)
    given = as_frame(labs, "labs", copy=False)
    require_columns(given, "labs", ["test", "value", "unit"])
    coded = _read_labs(given, baseline)
    count = _term_counts(coded, terms)[coded.test]
    total = int(count.sum())
    if not total:
        return given.iloc[0:0].assign(
            ctcae_term=pd.Series(dtype=object),
            grade=pd.Series(dtype=float),
            reason=pd.Series(dtype=object),
        )
    row = np.empty(total, dtype=np.int64)  # filled chunk by chunk: no concatenation copies
    term_code = np.empty(total, dtype=np.int16)
    grade = np.empty(total)
    reason = np.empty(total, dtype=np.int32)
    done = 0
    for start in range(0, len(given), chunk_rows):
        chunk_row, chunk_term = _expand(
            coded, terms, np.arange(start, min(start + chunk_rows, len(given)))
        )
        chunk_grade, chunk_reason = _grade_chunk(coded, terms, chunk_row, chunk_term)
        end = done + len(chunk_row)
        row[done:end], term_code[done:end] = chunk_row, chunk_term
        grade[done:end], reason[done:end] = chunk_grade, chunk_reason
        done = end
    numbers = {"lln": coded.lln, "uln": coded.uln}  # read as numbers, as graded
    columns: dict[str, Any] = {
        column: numbers[column][row] if column in numbers else given[column].array.take(row)
        for column in given.columns
    }
    columns["ctcae_term"] = _text_column(np.asarray(terms.names, dtype=object)[term_code])
    columns["grade"] = grade
    columns["reason"] = _text_column(_reason_text(terms, version)[reason + (2 + len(terms.names))])
    return pd.DataFrame(columns, copy=False)  # one copy of each column: the result itself


def _text_column(values: np.ndarray) -> pd.Series:
    """Text as an object column, as the study's own text columns are typed (a frame built from
    an object array would otherwise convert a million cells to Arrow text under pandas 3)."""
    return pd.Series(values, dtype=object, copy=False)


def _reason_text(terms: _Terms, version: str) -> np.ndarray:
    """Reason texts indexed by reason code + offset: clinical terms (-3 - term), not gradable
    (-2), normal (-1), then the rules in order."""
    clinical = [
        f"CTCAE v{version} grades {name.lower()} clinically, not from a value"
        for name in terms.names
    ]
    rules = [rule.text for term_rules in terms.rules for rule in term_rules]
    return np.asarray([*reversed(clinical), _NOT_GRADABLE, _NORMAL, *rules], dtype=object)


@cache
def adverse_event_terms(version: str = "5.0") -> pd.DataFrame:
    """The CTCAE terms rtio knows, with the grades each allows (e.g. no grade 5 for lymphocyte count
    decreased: CTCAE prints "-"). Covers the seeds' and the common RT / IO toxicities."""
    if version not in VERSIONS:
        raise ValueError(
            f"CTCAE version {version!r} is not available; versions: {', '.join(VERSIONS)}"
        )
    return _packaged_table("ctcae_v5_terms.csv")


def validate_ae_terms(
    adverse_events: pd.DataFrame, term_map: dict[str, str] | None = None, version: str = "5.0"
) -> list[str]:
    """Problems with clinical AE terms: not a known CTCAE term (after the study's term map), or a
    grade the term does not allow. Returns one message per offending row (0-based), empty if none."""
    known = adverse_event_terms(version).set_index("term")
    terms = map_terms(adverse_events, term_map)
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
