"""Screening: evaluate a protocol's eligibility criteria for many candidates with reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa

from rtio.dates import parse_iso_dates
from rtio.eligibility.reasons import explain_decision
from rtio.eligibility.rules import MET, NOT_MET, UNKNOWN, decide, validate_rule

STATUS = {int(MET): "met", int(NOT_MET): "not_met", int(UNKNOWN): "unknown"}
STAGES = ("registration", "randomization")
MANUAL = np.int8(2)


@dataclass
class Screening:
    """verdicts: one row per candidate; details: one row per candidate x criterion (``status``
    met / not_met / unknown / manual, ``decided_by`` the deciding leaves, ``reason`` the sentence)."""

    verdicts: pd.DataFrame
    details: pd.DataFrame


def facts_to_wide(facts: pd.DataFrame) -> pd.DataFrame:
    """Long facts (candidate_id, fact, value, unit, date, uln) -> wide: latest value per fact with
    ``<fact>_unit``, ``<fact>_date`` and ``<fact>_uln`` columns (and ``screening_date`` when the
    long table carries it)."""
    need = {"candidate_id", "fact", "value"}
    if missing := need - set(facts.columns):
        raise ValueError(f"facts table: missing columns {sorted(missing)}")
    f = facts.copy()
    f["fact"] = f["fact"].astype("string").str.strip()
    if f["fact"].isna().any():
        row = int(np.flatnonzero(f["fact"].isna().to_numpy())[0])
        raise ValueError(f"facts table, row {row + 1}: fact name missing")
    if "date" in f:
        f["date"] = parse_iso_dates(f["date"], column="date", source="facts table")
        f = f.sort_values("date", kind="stable", na_position="first")
    last = f.groupby(["candidate_id", "fact"], sort=False).tail(1)
    parts: list[pd.DataFrame | pd.Series] = [
        last.pivot(index="candidate_id", columns="fact", values="value")
    ]
    for extra in ("unit", "date", "uln"):
        if extra in last:
            w = last.pivot(index="candidate_id", columns="fact", values=extra)
            parts.append(w.add_suffix(f"_{extra}"))
    if "screening_date" in f:
        parts.append(f.groupby("candidate_id", sort=False)["screening_date"].first())
    wide = pd.concat(parts, axis=1)
    wide.columns = [str(c) for c in wide.columns]
    return wide.rename_axis("candidate_id").reset_index()


def _crit(c: Any, key: str) -> Any:
    return c[key] if isinstance(c, dict) else getattr(c, key)


def _crit_stage(c: Any) -> str:
    stage = c.get("stage") if isinstance(c, dict) else getattr(c, "stage", None)
    return stage or "registration"


def _wide(candidates: Any, screening_date: Any) -> pd.DataFrame:
    """The candidates as one row each, dates read strictly."""
    if hasattr(candidates, "to_pandas"):
        candidates = candidates.to_pandas()
    if not isinstance(candidates, pd.DataFrame):
        raise ValueError(f"candidates: expected a data frame, got {type(candidates).__name__}")
    frame = (
        facts_to_wide(candidates)
        if "fact" in candidates.columns
        else candidates.reset_index(drop=True)
    )
    if "candidate_id" not in frame:
        raise ValueError("candidates: missing column candidate_id")
    ids = frame["candidate_id"]
    if ids.isna().any():
        row = int(np.flatnonzero(ids.isna().to_numpy())[0])
        raise ValueError(f"candidates, row {row + 1}: candidate_id missing")
    repeated = ids[ids.duplicated()]
    if len(repeated):
        raise ValueError(
            f"candidates: candidate_id {repeated.iloc[0]!r} appears on more than one row "
            "(give a long facts table for several results of one candidate)"
        )
    if screening_date is not None:
        frame = frame.assign(screening_date=pd.Timestamp(screening_date))
    for column in [c for c in frame.columns if str(c).endswith("_date")]:
        frame[column] = parse_iso_dates(frame[column], column=str(column), source="candidates")
    return frame


def screen(
    protocol: Any, candidates: pd.DataFrame, screening_date: Any = None, stage: str | None = None
) -> Screening:
    """Evaluate every criterion of ``protocol.eligibility`` for every candidate.

    ``candidates`` is wide (``candidate_id`` plus fact columns) or long (``fact`` and ``value``
    columns). Exclusion criteria are rules describing the excluding condition: met -> not eligible.
    Manual criteria (or criteria without a rule) are reported as ``manual`` and keep a candidate pending.
    ``stage`` ("registration" / "randomization") keeps only the criteria checked at that stage.
    A fact a rule needs that the candidates lack is unknown (the candidate stays pending), never an
    error; a value that cannot be read (text where a number belongs, an unknown unit) is an error
    naming the column and the candidate.
    """
    if stage is not None and stage not in STAGES:
        raise ValueError(f"stage must be one of {', '.join(STAGES)}, not {stage!r}")
    frame = _wide(candidates, screening_date)
    criteria = list(getattr(protocol, "eligibility", protocol))
    if stage is not None:
        criteria = [c for c in criteria if _crit_stage(c) == stage]
    ids: list[Any] = []
    kinds: list[str] = []
    codes: list[np.ndarray] = []
    reasons: list[pl.DataFrame] = []
    n = len(frame)
    for c in criteria:
        cid, rule = _crit(c, "id"), _crit(c, "rule")
        if _crit(c, "manual") or rule is None:
            code = np.full(n, MANUAL, np.int8)
            explained = pl.DataFrame(
                {
                    "decided_by": pl.repeat("", n, dtype=pl.Utf8, eager=True),
                    "reason": pl.repeat(
                        "needs review: " + str(_crit(c, "text")), n, dtype=pl.Utf8, eager=True
                    ),
                }
            )
        else:
            validate_rule(rule, f"criterion {cid}")
            decision = decide(rule, frame)
            code = decision.code
            if _crit(c, "kind") == "exclusion":
                code = np.where(code == UNKNOWN, UNKNOWN, 1 - code).astype(np.int8)
            explained = explain_decision(decision, frame)
        ids.append(cid)
        kinds.append(_crit(c, "kind"))
        codes.append(code)
        reasons.append(explained)
    mat = np.stack(codes, axis=1) if codes else np.zeros((n, 0), np.int8)
    failed, unknown, manual = mat == NOT_MET, mat == UNKNOWN, mat == MANUAL
    ids_arr = np.array(ids, dtype=object)
    verdict = np.where(
        failed.any(1), "ineligible", np.where((unknown | manual).any(1), "pending", "eligible")
    )
    first = np.where(failed.any(1), ids_arr[np.argmax(failed, axis=1)] if ids else None, None)

    def join(mask: np.ndarray) -> np.ndarray:
        """Criterion ids where ``mask`` holds, ``;``-separated per candidate (polars, no row loop)."""
        if not ids:
            return np.full(n, "", dtype=object)
        cols = {f"c{j}": mask[:, j] for j in range(len(ids))}
        exprs = [pl.when(pl.col(f"c{j}")).then(pl.lit(cid)) for j, cid in enumerate(ids)]
        joined = pl.DataFrame(cols).select(
            pl.concat_str(exprs, separator=";", ignore_nulls=True).fill_null("")
        )
        return joined.to_series().to_numpy().astype(object)

    verdicts = pd.DataFrame(
        {
            "candidate_id": frame["candidate_id"].to_numpy(),
            "verdict": verdict,
            "first_failed": first,
            "failed": join(failed),
            "unknown": join(unknown),
            "manual": join(manual),
        }
    )
    labels = np.array(["not_met", "met", "manual", "unknown"], dtype=object)
    text = _candidate_major(reasons, n)
    reasons.clear()
    details = pd.DataFrame(
        {
            "candidate_id": np.repeat(frame["candidate_id"].to_numpy(), len(ids)),
            "criterion": np.tile(ids_arr, n),
            "kind": np.tile(np.array(kinds, dtype=object), n),
            "status": labels[mat.ravel().astype(int) % 4] if n else np.array([], dtype=object),
            "decided_by": _arrow_text(text["decided_by"]),
            "reason": _arrow_text(text["reason"]),
        }
    )
    return Screening(verdicts=verdicts, details=details)


def _candidate_major(per_criterion: list[pl.DataFrame], n: int) -> pl.DataFrame:
    """Per-criterion text frames (each one row per candidate) in candidate x criterion order."""
    if not per_criterion or n == 0:
        return pl.DataFrame(schema={"decided_by": pl.Utf8, "reason": pl.Utf8})
    stacked = pl.concat(per_criterion, how="vertical", rechunk=False)
    k = np.arange(n * len(per_criterion))
    return stacked[(k % len(per_criterion)) * n + k // len(per_criterion)].rechunk()


def _arrow_text(series: pl.Series) -> pd.Series:
    """A polars text column as a pandas text column (``string[pyarrow]``) on the same Arrow memory."""
    return pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([series.to_arrow()])), copy=False)


def screening_summary(s: Screening) -> dict[str, Any]:
    """Screened, excluded (first failing criterion in protocol order, and per criterion), eligible, pending."""
    v, d = s.verdicts, s.details
    return {
        "screened": len(v),
        "eligible": int((v["verdict"] == "eligible").sum()),
        "pending": int((v["verdict"] == "pending").sum()),
        "excluded": int((v["verdict"] == "ineligible").sum()),
        "excluded_by_first_criterion": v["first_failed"].dropna().value_counts().to_dict(),
        "failed_per_criterion": d.loc[d["status"] == "not_met", "criterion"]
        .value_counts()
        .to_dict(),
    }
