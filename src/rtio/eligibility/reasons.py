"""Reasons a study coordinator can audit: per candidate, the leaves that decided a criterion
(``decided_by``) and one sentence in clinical words (``reason``).

Each deciding leaf gives one clause, joined with "; ":

- a number: ``serum creatinine 1.05 mg/dL = 1.5 × ULN (ULN 0.7 mg/dL) on 2026-01-08 (2 days before
  screening, window 14 days): meets ≤ 1.5 × ULN``; a value converted to the rule's unit shows both
  (``hemoglobin 8.5 g/dL (85 g/L)``);
- a category or a yes/no fact: ``ECOG performance status 2: not one of 0, 1``, ``liver metastases:
  no``;
- an event: ``myocardial infarction on 2025-10-01, 101 days before screening (window 183 days)``,
  ``never had myocardial infarction``, ``progression on 2025-08-15, 167 days after end of adjuvant
  PD-1 therapy (2025-03-01; during or within 183 days after)``, ``never had adjuvant PD-1 therapy``;
- what is not known: ``platelets missing``, ``platelets too old (measured on 2025-12-21, 20 days
  before screening; window 7 days)``, ``… has no date (window 7 days)``, ``… ULN missing``.

Built with polars string expressions over whole columns (no per-candidate Python).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from rtio.eligibility import rules as r
from rtio.eligibility.facts import FACTS, label

OP_WORDS = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "="}


def _number(value: float) -> str:
    """A limit as written: 2.0 reads "2", 1.5 reads "1.5"."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _unit_text(unit: str) -> str:
    return "" if unit in ("1", "") else f" {'× ULN' if unit == 'x ULN' else unit}"


def _num(expr: pl.Expr, decimals: int | None = None) -> pl.Expr:
    """A float column as text without a trailing ".0" (rounded to ``decimals`` when given)."""
    value = expr.round(decimals) if decimals is not None else expr
    whole = value.is_finite() & (value == value.round(0)) & (value.abs() < 2**53)
    return (
        pl.when(whole)
        .then(value.cast(pl.Int64, strict=False).cast(pl.Utf8))
        .otherwise(value.cast(pl.Utf8))
    )


def _text_column(frame: pd.DataFrame, column: str) -> pl.Series:
    """A column as text (missing as null), whole floats without ".0"."""
    if column not in frame:
        return pl.Series(column, [None] * len(frame), dtype=pl.Utf8)
    return r.text_values(frame[column]).rename(column)


def _date_column(frame: pd.DataFrame, column: str) -> pl.Series:
    if column not in frame:
        return pl.Series(column, [None] * len(frame), dtype=pl.Date)
    return pl.Series(column, r._dates(frame, column))


def _day(column: str) -> pl.Expr:
    """A date column as ISO text (formatted only for the rows being explained)."""
    return pl.col(column).dt.strftime("%Y-%m-%d")


def _value(leaf_rule: dict, j: int) -> pl.Expr:
    """A leaf's value as text: numbers as read (no trailing ".0"), other values as written."""
    return _num(pl.col(f"v{j}")) if "op" in leaf_rule else pl.col(f"v{j}")


def _reference_name(leaf_rule: dict, j: int) -> pl.Expr:
    """What a leaf's window is measured from, per candidate."""
    if "relative_to" not in leaf_rule:
        return pl.lit("screening")
    name = label(leaf_rule["relative_to"])
    if "event" in leaf_rule:
        return pl.lit(name)
    return (
        pl.when(pl.col(f"f{j}")).then(pl.lit(name)).otherwise(pl.lit(f"screening (no {name} date)"))
    )


def _window_clause(leaf_rule: dict, j: int, name: str) -> pl.Expr:
    """Clauses for the states that leave a value unknown or outside its window."""
    days = leaf_rule.get("within_days")
    ref = _reference_name(leaf_rule, j)
    lag = pl.col(f"g{j}").cast(pl.Int64, strict=False).cast(pl.Utf8)
    future = (-pl.col(f"g{j}")).cast(pl.Int64, strict=False).cast(pl.Utf8)
    window = f"window {_number(days)} days" if days is not None else ""
    return (
        pl.when(pl.col(f"s{j}") == r.MISSING)
        .then(pl.lit(f"{name} missing"))
        .when(pl.col(f"s{j}") == r.TOO_OLD)
        .then(
            pl.concat_str(
                pl.lit(f"{name} too old (measured on "),
                _day(f"d{j}"),
                pl.lit(", "),
                lag,
                pl.lit(" days before "),
                ref,
                pl.lit(f"; {window})"),
            )
        )
        .when(pl.col(f"s{j}") == r.FUTURE)
        .then(
            pl.concat_str(
                pl.lit(f"{name} dated "),
                future,
                pl.lit(" days after "),
                ref,
                pl.lit(" ("),
                _day(f"d{j}"),
                pl.lit(f"; {window})"),
            )
        )
        .when(pl.col(f"s{j}") == r.UNDATED)
        .then(pl.lit(f"{name} has no date ({window})"))
        .when(pl.col(f"s{j}") == r.NO_REFERENCE)
        .then(pl.concat_str(pl.lit(f"{name}: "), ref, pl.lit(" date missing")))
        .when(pl.col(f"s{j}") == r.NO_ULN)
        .then(pl.concat_str(pl.lit(f"{name} "), _value(leaf_rule, j), pl.lit(": ULN missing")))
    )


def _when_measured(leaf_rule: dict, j: int) -> pl.Expr:
    """`` on DATE (N days before screening, window M days)`` (empty without a date)."""
    on = pl.concat_str(pl.lit(" on "), _day(f"d{j}"))
    days = leaf_rule.get("within_days")
    if days is None:
        return on.fill_null("")
    lag = pl.col(f"g{j}").cast(pl.Int64, strict=False).cast(pl.Utf8)
    return pl.concat_str(
        on,
        pl.lit(" ("),
        lag,
        pl.lit(" days before "),
        _reference_name(leaf_rule, j),
        pl.lit(f", window {_number(days)} days)"),
    ).fill_null("")


def _verdict(j: int, limit: str) -> pl.Expr:
    return (
        pl.when(pl.col(f"k{j}") == r.MET)
        .then(pl.lit(f": meets {limit}"))
        .otherwise(pl.lit(f": does not meet {limit}"))
    )


def _number_clause(leaf_rule: dict, j: int, name: str) -> pl.Expr:
    unit = leaf_rule["unit"]
    limit = f"{OP_WORDS[leaf_rule['op']]} {_number(leaf_rule['value'])}{_unit_text(unit)}"
    value_unit = pl.concat_str(pl.lit(" "), pl.col(f"u{j}")).fill_null("")
    if unit == "x ULN":
        detail = pl.concat_str(
            pl.lit(" = "),
            _num(pl.col(f"r{j}"), 3),
            pl.lit(" × ULN (ULN "),
            _num(pl.col(f"n{j}")),
            value_unit,
            pl.lit(")"),
        ).fill_null("")
    else:
        converted = pl.concat_str(
            pl.lit(" ("), _num(pl.col(f"c{j}"), 4), pl.lit(_unit_text(unit) + ")")
        )
        detail = (
            pl.when(pl.col(f"u{j}").is_not_null() & (pl.col(f"u{j}") != unit))
            .then(converted)
            .otherwise(pl.lit(""))
        )
        if unit in ("1", "years"):
            value_unit = pl.lit(_unit_text(unit))
    return pl.concat_str(
        pl.lit(f"{name} "),
        _value(leaf_rule, j),
        value_unit,
        detail,
        _when_measured(leaf_rule, j),
        _verdict(j, limit),
    )


def _category_clause(leaf_rule: dict, j: int, name: str) -> pl.Expr:
    allowed = ", ".join(str(a) for a in leaf_rule["in"])
    return pl.concat_str(
        pl.lit(f"{name} "),
        pl.col(f"v{j}"),
        _when_measured(leaf_rule, j),
        pl.when(pl.col(f"k{j}") == r.MET)
        .then(pl.lit(f": one of {allowed}"))
        .otherwise(pl.lit(f": not one of {allowed}")),
    )


def _boolean_clause(leaf_rule: dict, j: int, name: str) -> pl.Expr:
    said = (pl.col(f"k{j}") == r.MET) == pl.lit(bool(leaf_rule["is"]))
    return pl.concat_str(
        pl.lit(f"{name}: "),
        pl.when(said).then(pl.lit("yes")).otherwise(pl.lit("no")),
        _when_measured(leaf_rule, j),
    )


def _never(name: str) -> str:
    fact = FACTS.get(name)
    if fact is not None and fact.kind == "date" and name.endswith("_end"):
        return f"never had {fact.label.removeprefix('end of ')}"
    return f"never had {label(name)}"


def _event_clause(leaf_rule: dict, j: int, name: str) -> pl.Expr:
    days = _number(leaf_rule["within_days"])
    lag = pl.col(f"g{j}").cast(pl.Int64, strict=False)
    dated = pl.concat_str(pl.lit(f"{name} on "), _day(f"d{j}"), pl.lit(", "))
    if "relative_to" in leaf_rule:
        ref = label(leaf_rule["relative_to"])
        until = leaf_rule.get("direction") == "until"
        window = f"during or within {days} days after" if until else f"window {days} days"
        where = (
            pl.when(lag < 0)
            .then(pl.concat_str((-lag).cast(pl.Utf8), pl.lit(f" days after {ref} (")))
            .otherwise(pl.concat_str(lag.cast(pl.Utf8), pl.lit(f" days before {ref} (")))
        )
        timing = pl.concat_str(dated, where, _day(f"e{j}"), pl.lit(f"; {window})"))
        never_reference = _never(leaf_rule["relative_to"])
        missing_reference = f"; {ref} date missing"
    else:
        timing = pl.concat_str(
            dated, lag.cast(pl.Utf8), pl.lit(f" days before screening (window {days} days)")
        )
        never_reference = ""
        missing_reference = "; screening date missing"
    return (
        pl.when(pl.col(f"s{j}") == r.OK)
        .then(timing)
        .when(pl.col(f"s{j}") == r.OUTSIDE)
        .then(pl.concat_str(timing, pl.lit(": outside the window")))
        .when(pl.col(f"s{j}") == r.NEVER)
        .then(pl.lit(_never(leaf_rule["event"])))
        .when(pl.col(f"s{j}") == r.NEVER_REFERENCE)
        .then(pl.lit(never_reference))
        .when(pl.col(f"s{j}") == r.UNDATED)
        .then(pl.lit(f"{name}: yes, date missing"))
        .when(pl.col(f"s{j}") == r.NO_REFERENCE)
        .then(pl.concat_str(pl.lit(f"{name} on "), _day(f"d{j}"), pl.lit(missing_reference)))
        .otherwise(pl.lit(f"{name} missing"))
    )


def leaf_name(leaf_rule: dict) -> str:
    """The compact text of a leaf, as ``decided_by`` lists it (``creatinine <= 1.5 x ULN``)."""
    if "event" in leaf_rule:
        after = f" after {leaf_rule['relative_to']}" if "relative_to" in leaf_rule else ""
        return f"{leaf_rule['event']} within {_number(leaf_rule['within_days'])} days{after}"
    fact = leaf_rule["fact"]
    if "op" in leaf_rule:
        unit = "" if leaf_rule["unit"] == "1" else f" {leaf_rule['unit']}"
        return f"{fact} {leaf_rule['op']} {_number(leaf_rule['value'])}{unit}"
    if "in" in leaf_rule:
        return f"{fact} in [{', '.join(str(a) for a in leaf_rule['in'])}]"
    return f"{fact} is {str(bool(leaf_rule['is'])).lower()}"


def _leaf_columns(leaf: r.Leaf, j: int, frame: pd.DataFrame) -> dict[str, Any]:
    rule = leaf.rule
    fact = _fact_name(rule)
    columns: dict[str, Any] = {
        f"s{j}": leaf.state,
        f"k{j}": leaf.code,
        f"g{j}": leaf.lag,
        f"f{j}": leaf.from_reference,
        f"d{j}": _date_column(frame, f"{fact}_date"),
    }
    if "op" in rule:
        nothing = np.full(len(frame), np.nan)
        columns[f"v{j}"] = leaf.values if leaf.values is not None else nothing
        columns[f"u{j}"] = _text_column(frame, f"{fact}_unit")
        columns[f"n{j}"] = leaf.uln if leaf.uln is not None else nothing
        columns[f"r{j}"] = leaf.ratio if leaf.ratio is not None else np.full(len(frame), np.nan)
        columns[f"c{j}"] = (
            leaf.converted if leaf.converted is not None else np.full(len(frame), np.nan)
        )
    elif "fact" in rule:
        columns[f"v{j}"] = _text_column(frame, fact)
    elif "relative_to" in rule:
        columns[f"e{j}"] = _date_column(frame, f"{rule['relative_to']}_date")
    return columns


def _fact_name(leaf_rule: dict) -> str:
    return str(leaf_rule["event"] if "event" in leaf_rule else leaf_rule["fact"])


def _decided_clause(leaf_rule: dict, j: int) -> pl.Expr:
    """The clause of a leaf whose value was read (state OK)."""
    name = label(_fact_name(leaf_rule))
    if "event" in leaf_rule:
        return _event_clause(leaf_rule, j, name)
    if "op" in leaf_rule:
        return _number_clause(leaf_rule, j, name)
    if "in" in leaf_rule:
        return _category_clause(leaf_rule, j, name)
    return _boolean_clause(leaf_rule, j, name)


def _clause(leaf_rule: dict, j: int) -> pl.Expr:
    """The clause of a leaf in any state."""
    if "event" in leaf_rule:
        return _decided_clause(leaf_rule, j)
    unknown: Any = _window_clause(leaf_rule, j, label(_fact_name(leaf_rule)))
    return unknown.otherwise(_decided_clause(leaf_rule, j))


def _leaf_text(table: pl.DataFrame, leaf: r.Leaf, j: int, mask: np.ndarray) -> pl.Series:
    """Clause j for the candidates in ``mask`` (null elsewhere). Rows are grouped by state first,
    so that each row's text is built by one branch only (polars evaluates every branch of a
    when/then over all the rows it is given)."""
    n = table.height
    out = pl.repeat(None, n, dtype=pl.Utf8, eager=True)
    read = leaf.state == r.OK
    groups = [(mask & read, _decided_clause(leaf.rule, j)), (mask & ~read, _clause(leaf.rule, j))]
    for rows, expr in groups:
        if rows.all():
            return table.select(expr).to_series()
        index = np.flatnonzero(rows)
        if len(index):
            out = out.scatter(index, table[index].select(expr).to_series())
    return out


def explain_decision(decision: r.Decision, frame: pd.DataFrame) -> pl.DataFrame:
    """Per candidate, ``decided_by`` (the deciding leaves) and ``reason`` (their clauses), as a
    polars frame (text stays in Arrow memory; no Python string per candidate)."""
    frame = r._positional(frame)
    if len(frame) == 0:
        return pl.DataFrame(schema={"decided_by": pl.Utf8, "reason": pl.Utf8})
    texts, names = [], []
    for j, leaf in enumerate(decision.leaves):
        mask = decision.deciders[:, j]
        table = pl.DataFrame(_leaf_columns(leaf, j, frame))
        texts.append(_leaf_text(table, leaf, j, mask).alias(f"t{j}"))
        names.append(
            pl.when(pl.lit(pl.Series(mask))).then(pl.lit(leaf_name(leaf.rule))).alias(f"b{j}")
        )
    return pl.DataFrame(texts).select(
        pl.concat_str(names, separator="; ", ignore_nulls=True).fill_null("").alias("decided_by"),
        pl.concat_str(
            [pl.col(f"t{j}") for j in range(len(texts))], separator="; ", ignore_nulls=True
        )
        .fill_null("")
        .alias("reason"),
    )


def explain(rule: dict, frame: pd.DataFrame) -> pd.Series:
    """Per row, the sentence that explains ``rule``'s verdict (see the module docstring)."""
    reason = explain_decision(r.decide(rule, frame), frame)["reason"]
    return pd.Series(reason.to_numpy(), index=frame.index, name="reason", dtype=object)
