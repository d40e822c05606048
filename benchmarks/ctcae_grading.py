"""Time and peak memory of CTCAE v5 grading of 10^7 laboratory rows
(rtio.derive.ctcae.grade_labs), whole and in smaller chunks.

Rows: an even mix of lymphocytes, neutrophils, platelets, hemoglobin, ALT, creatinine, sodium (graded
both ways) and triglycerides, with values spread over all grades. Memory is the peak of the
allocations made while grading (``tracemalloc``, which sees numpy's and pandas' buffers), over the
input table already in memory.

    python benchmarks/ctcae_grading.py --rows 10000000 [--chunk-rows 1000000]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np
import pandas as pd

from rtio.derive.ctcae import grade_labs

TESTS = [
    ("lymphocytes", "10^9/L", 1.1, 3.2, 0.05, 3.0),
    ("neutrophils", "10^9/L", 1.8, 7.5, 0.2, 8.0),
    ("platelets", "10^9/L", 150, 400, 10, 400),
    ("hemoglobin", "g/L", 120, 160, 50, 160),
    ("alt", "U/L", np.nan, 40, 10, 900),
    ("creatinine", "umol/L", np.nan, 110, 40, 700),
    ("sodium", "mmol/L", 135, 145, 115, 165),
    ("triglycerides", "mmol/L", np.nan, 1.7, 0.5, 13),
]


def make_labs(rows: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    which = rng.integers(0, len(TESTS), rows)
    spec = (
        pd.DataFrame(TESTS, columns=["test", "unit", "lln", "uln", "low", "high"])
        .iloc[which]
        .reset_index(drop=True)
    )
    spec["value"] = np.round(rng.uniform(spec["low"], spec["high"]), 2)
    spec["subject_id"] = (np.arange(rows) // 20).astype(str)
    spec["date"] = pd.Timestamp("2024-01-01")
    return spec[["subject_id", "date", "test", "value", "unit", "lln", "uln"]]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--chunk-rows", type=int, default=None)
    args = parser.parse_args()
    labs = make_labs(args.rows)
    tracemalloc.start()
    start = time.perf_counter()
    options = {} if args.chunk_rows is None else {"chunk_rows": args.chunk_rows}
    graded = grade_labs(labs, **options)
    seconds = time.perf_counter() - start
    result, peak = (size / 2**30 for size in tracemalloc.get_traced_memory())
    tracemalloc.stop()
    print(
        f"graded {len(labs):,} lab rows into {len(graded):,} term rows in {seconds:.1f} s "
        f"({len(labs) / seconds / 1e6:.2f} million rows/s, with tracemalloc on); peak "
        f"{peak:.2f} GiB allocated while grading, {result:.2f} GiB of it the result; grades: "
        f"{graded['grade'].value_counts().sort_index().to_dict()}"
    )


if __name__ == "__main__":
    main()
