"""Time rtio.eligibility.screen on N candidates x 30 criteria against pandas DataFrame.eval.

The peer evaluates the same thresholds as two-valued pandas expressions (no unknown / too-old /
manual handling, no reasons), so the ratio is the price of three-valued verdicts with reasons.
Usage: python benchmarks/eligibility_screen.py [N] (default 10^6).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from rtio.eligibility import screen, screening_summary

LABS = [
    "anc",
    "wbc",
    "platelets",
    "hemoglobin",
    "albumin",
    "bun",
    "crcl",
    "creatinine",
    "alt",
    "ast",
]


def candidates(n: int, rng: np.random.Generator) -> pd.DataFrame:
    day = pd.Timestamp("2026-01-10")
    data: dict[str, object] = {
        "candidate_id": np.arange(n).astype(str),
        "screening_date": np.full(n, day),
        "age": rng.integers(30, 85, n),
        "ecog": rng.integers(0, 3, n).astype(float),
    }
    for lab in LABS:
        v = rng.lognormal(0.5, 0.6, n)
        v[rng.random(n) < 0.02] = np.nan
        data[lab] = v
        data[f"{lab}_unit"] = np.full(n, "U/L")
        data[f"{lab}_uln"] = np.ones(n)
        data[f"{lab}_date"] = day - pd.to_timedelta(rng.integers(0, 14, n), unit="D")
    for k in range(16):
        data[f"cond{k}"] = rng.random(n) < 0.02
    return pd.DataFrame(data)


def criteria() -> list[dict]:
    out = [
        {
            "id": "age",
            "kind": "inclusion",
            "text": "",
            "manual": False,
            "rule": {"fact": "age", "op": ">=", "value": 18, "unit": "years"},
        },
        {
            "id": "ecog",
            "kind": "inclusion",
            "text": "",
            "manual": False,
            "rule": {"fact": "ecog", "in": [0, 1]},
        },
    ]
    for lab in LABS:
        out.append(
            {
                "id": lab,
                "kind": "inclusion",
                "text": "",
                "manual": False,
                "rule": {"fact": lab, "op": "<=", "value": 2.5, "unit": "x ULN", "within_days": 7},
            }
        )
    for k in range(16):
        out.append(
            {
                "id": f"cond{k}",
                "kind": "exclusion",
                "text": "",
                "manual": False,
                "rule": {"fact": f"cond{k}", "is": True},
            }
        )
    out += [
        {"id": f"m{k}", "kind": "inclusion", "text": "", "manual": True, "rule": None}
        for k in range(2)
    ]
    return out


def peer(frame: pd.DataFrame) -> pd.Series:
    expr = " & ".join(
        ["age >= 18", "ecog <= 1"]
        + [f"{lab} / {lab}_uln <= 2.5" for lab in LABS]
        + [f"~cond{k}" for k in range(16)]
    )
    return frame.eval(expr)


def main() -> None:
    n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 1_000_000
    frame = candidates(n, np.random.default_rng(1))
    crit = criteria()
    t0 = time.perf_counter()
    s = screen(crit, frame)
    t1 = time.perf_counter()
    summary = screening_summary(s)
    t2 = time.perf_counter()
    peer(frame)
    t3 = time.perf_counter()
    print(f"candidates={n} criteria={len(crit)} detail_rows={len(s.details)}")
    print(
        f"rtio screen: {t1 - t0:.2f} s (summary {t2 - t1:.2f} s); pandas eval peer: {t3 - t2:.2f} s; "
        f"ratio {(t1 - t0) / (t3 - t2):.1f}x"
    )
    print({k: summary[k] for k in ("screened", "eligible", "pending", "excluded")})


if __name__ == "__main__":
    main()
