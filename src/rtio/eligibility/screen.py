"""Screening: evaluate a protocol's eligibility criteria for many candidates with reasons."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from rtio.dates import parse_iso_dates
from rtio.eligibility.rules import MET, NOT_MET, UNKNOWN, evaluate, explain, validate_rule

STATUS = {int(MET): "met", int(NOT_MET): "not_met", int(UNKNOWN): "unknown"}


@dataclass
class Screening:
    """verdicts: one row per candidate; details: one row per candidate x criterion."""

    verdicts: pd.DataFrame
    details: pd.DataFrame


def facts_to_wide(facts: pd.DataFrame) -> pd.DataFrame:
    """Long facts (candidate_id, fact, value, unit, date, uln) -> wide: latest value per fact with
    ``<fact>_unit``, ``<fact>_date`` and ``<fact>_uln`` columns."""
    need = {"candidate_id", "fact", "value"}
    if missing := need - set(facts.columns):
        raise ValueError(f"facts table: missing columns {sorted(missing)}")
    f = facts.copy()
    if "date" in f:
        f["date"] = parse_iso_dates(f["date"], column="date", source="facts table")
        f = f.sort_values("date", kind="stable")
    last = f.groupby(["candidate_id", "fact"], sort=False).tail(1)
    parts = [last.pivot(index="candidate_id", columns="fact", values="value")]
    for extra in ("unit", "date", "uln"):
        if extra in last:
            w = last.pivot(index="candidate_id", columns="fact", values=extra)
            parts.append(w.add_suffix(f"_{extra}"))
    return pd.concat(parts, axis=1).reset_index()


def _crit(c: Any, key: str) -> Any:
    return c[key] if isinstance(c, dict) else getattr(c, key)


def _crit_stage(c: Any) -> str:
    stage = c.get("stage") if isinstance(c, dict) else getattr(c, "stage", None)
    return stage or "registration"


def screen(
    protocol: Any, candidates: pd.DataFrame, screening_date: Any = None, stage: str | None = None
) -> Screening:
    """Evaluate every criterion of ``protocol.eligibility`` for every candidate.

    ``candidates`` is wide (``candidate_id`` plus fact columns) or long (``fact`` and ``value``
    columns). Exclusion criteria are rules describing the excluding condition: met -> not eligible.
    Manual criteria (or criteria without a rule) are reported as ``manual`` and keep a candidate pending.
    ``stage`` ("registration" / "randomization") keeps only the criteria checked at that stage.
    """
    if hasattr(candidates, "to_pandas"):
        candidates = candidates.to_pandas()
    frame = (
        facts_to_wide(candidates)
        if "fact" in candidates.columns
        else candidates.reset_index(drop=True)
    )
    if "candidate_id" not in frame:
        raise ValueError("candidates: missing column candidate_id")
    if screening_date is not None:
        frame = frame.assign(screening_date=pd.Timestamp(screening_date))
    criteria = list(getattr(protocol, "eligibility", protocol))
    if stage is not None:
        criteria = [c for c in criteria if _crit_stage(c) == stage]
    ids, codes, reasons = [], [], []
    n = len(frame)
    for c in criteria:
        cid, rule = _crit(c, "id"), _crit(c, "rule")
        if _crit(c, "manual") or rule is None:
            code = np.full(n, 2, np.int8)
            reasons.append(pd.Series("needs review: " + str(_crit(c, "text")), index=range(n)))
        else:
            validate_rule(rule, f"criterion {cid}")
            code = evaluate(rule, frame)
            if _crit(c, "kind") == "exclusion":
                code = np.where(code == UNKNOWN, UNKNOWN, 1 - code).astype(np.int8)
            reasons.append(explain(rule, frame))
        ids.append(cid)
        codes.append(code)
    mat = np.stack(codes, axis=1) if codes else np.zeros((n, 0), np.int8)
    failed, unknown, manual = mat == NOT_MET, mat == UNKNOWN, mat == 2
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
    details = pd.DataFrame(
        {
            "candidate_id": np.repeat(frame["candidate_id"].to_numpy(), len(ids)),
            "criterion": np.tile(ids_arr, n),
            "status": labels[mat.ravel().astype(int) % 4] if n else [],
            "reason": np.stack([r.to_numpy(dtype=object) for r in reasons], axis=1).ravel()
            if ids
            else [],
        }
    )
    return Screening(verdicts=verdicts, details=details)


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
