"""Validation time of a simulated study, beside the time to merely read its tables.

    python benchmarks/validate_study.py [SUBJECTS ...] [--compare REV]

For each size, a seed-004 study is simulated (CSV up to 50 000 subjects, Parquet parts above),
then timed three ways in the same run: reading every table with pandas / pyarrow alone (the
floor any validator pays), ``rtio.io.validate_study`` (reading, parsing every cell, every rule),
and the ratio of the two. Best of three runs each; peak RSS of the process at the end.

``--compare REV`` also times the ``src/`` of git revision REV on the same study in the same run
(each tree in its own process, runs interleaved, best of three), and checks that both give the
same issues.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
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


TIMED = """
import json, sys, time
from rtio.io import validate_study
start = time.perf_counter()
report = validate_study(sys.argv[1])
seconds = time.perf_counter() - start
issues = [[i.severity, i.file, i.row, i.column, i.rule, i.message] for i in report.issues]
print(json.dumps({"seconds": seconds, "issues": issues}))
"""


def timed_in(source: Path, folder: Path) -> tuple[float, list]:
    """validate_study of ``folder`` by the rtio under ``source`` (a ``src/`` folder), in a
    fresh process: (seconds, issues)."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    done = subprocess.run(
        [sys.executable, "-c", TIMED, str(folder)], env=env, capture_output=True, check=True
    )
    result = json.loads(done.stdout)
    return result["seconds"], result["issues"]


def compare(folder: Path, revision: str, runs: int = 3) -> None:
    """validate_study of ``folder`` by this tree and by ``revision``, interleaved."""
    here = Path(__file__).resolve().parents[1]
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(here), "archive", revision, "src"], capture_output=True, check=True
        )
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        trees = {revision: Path(tmp) / "src", "this tree": here / "src"}
        seconds: dict[str, list[float]] = {name: [] for name in trees}
        issues: dict[str, list] = {}
        for _ in range(runs):
            for name, source in trees.items():
                spent, found = timed_in(source, folder)
                seconds[name].append(spent)
                issues[name] = found
    before, after = min(seconds[revision]), min(seconds["this tree"])
    same = issues[revision] == issues["this tree"]
    print(
        f"  {revision}: {before:.2f} s, this tree: {after:.2f} s, {before / after:.1f}x faster; "
        f"same {len(issues['this tree'])} issues: {same}"
    )


def main(sizes: list[int], revision: str | None) -> None:
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
            if revision:
                compare(folder, revision)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\npeak RSS {peak:.0f} MB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[1_000, 10_000, 100_000])
    parser.add_argument("--compare", metavar="REV", help="also time git revision REV's src/")
    arguments = parser.parse_args()
    main(arguments.sizes, arguments.compare)
