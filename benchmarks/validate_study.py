"""Validation time of a simulated study, beside the time to merely read its tables.

    python benchmarks/validate_study.py [SUBJECTS ...]

For each size, a seed-004 study is simulated (CSV up to 50 000 subjects, Parquet parts above),
then timed three ways in the same run: reading every table with pandas / pyarrow alone (the
floor any validator pays), ``rtio.io.validate_study`` (reading, parsing every cell, every rule),
and the ratio of the two. Best of three runs each; peak RSS of the process at the end.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from rtio.io import validate_study
from rtio.simulate import write_study


def read_only(folder: Path) -> int:
    """Read every table as pandas does (CSV as text, Parquet typed): the cost floor."""
    rows = 0
    for path in folder.iterdir():
        if path.suffix == ".csv":
            rows += len(pd.read_csv(path, dtype=str, keep_default_na=False))
        elif path.is_dir() and not path.name.startswith("_"):
            rows += sum(len(pd.read_parquet(part)) for part in path.glob("*.parquet"))
    return rows


def best_of(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main(sizes: list[int]) -> None:
    print("| subjects | rows | read only (s) | validate_study (s) | ratio | issues |")
    print("|---|---|---|---|---|---|")
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = write_study(Path(tmp) / "study", n, 1, chunk_size=50_000)
            rows = read_only(folder)
            floor = best_of(lambda f=folder: read_only(f))
            report = validate_study(folder)
            full = best_of(lambda f=folder: validate_study(f))
            print(
                f"| {n:,} | {rows:,} | {floor:.2f} | {full:.2f} | {full / floor:.1f} | "
                f"{len(report.issues)} |"
            )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [1_000, 10_000, 100_000])
