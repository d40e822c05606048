"""The study pipeline at scale: simulate -> validate -> derive -> analyse, time and peak memory
of each stage, each run as its own ``rtio`` command under ``/usr/bin/time -v``.

    python benchmarks/pipeline.py                      # 10^3, 10^4, 10^5 subjects
    python benchmarks/pipeline.py 1000000 --keep DIR   # one size; keep the folders in DIR

Studies are seed-004 (ChiCTR2100046715) simulations: CSV up to 50 000 subjects, above that
Parquet parts of 20 000 subjects, which validate, derive and analyse read one block at a time
(``rtio.io.blocks``, ``rtio.pipeline``). Labs and adverse events are not thinned. For each stage
the wall time, peak resident memory (GiB) and the machine's 1-minute load average when it started
are printed, then the scaling exponent of each stage's time between consecutive sizes
(log(t2 / t1) / log(n2 / n1)). The machine is shared: the load average says under what load
each stage ran.
"""

from __future__ import annotations

import itertools
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

STAGES = ("simulate", "validate", "derive", "analyse")


def _command(stage: str, study: Path, n: int) -> list[str]:
    return {
        "simulate": [
            "simulate",
            "ChiCTR2100046715",
            "--n",
            str(n),
            "--seed",
            "1",
            "--out",
            str(study),
        ],
        "validate": ["validate", str(study)],
        "derive": ["derive", str(study), "--out", f"{study}-derive", "--format", "parquet"],
        "analyse": ["analyse", str(study), "--out", f"{study}-results.json"],
    }[stage]


def _timed(args: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in GiB, exit status) of one rtio command."""
    rtio = shutil.which("rtio") or "rtio"
    done = subprocess.run(
        ["/usr/bin/time", "-v", rtio, *args], capture_output=True, text=True, check=False
    )
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", done.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    if wall is None or rss is None:
        raise RuntimeError(done.stderr[-2000:])
    seconds = sum(float(p) * 60**i for i, p in enumerate(reversed(wall.group(1).split(":"))))
    if done.returncode not in (0, 1):
        print(done.stderr[-2000:], file=sys.stderr)
    return seconds, int(rss.group(1)) / 2**20, done.returncode


def main(sizes: list[int], keep: Path | None) -> None:
    root = keep or Path(tempfile.mkdtemp(prefix="rtio-pipeline-"))
    root.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} CPUs; stages run one after another, each a fresh process")
    print("| subjects | stage | wall s | peak GiB | exit | load at start |")
    print("|---:|---|---:|---:|---:|---:|")
    times: dict[int, dict[str, float]] = {}
    try:
        for n in sizes:
            study = root / f"study-{n}"
            for stage in STAGES:
                load = os.getloadavg()[0]
                seconds, peak, status = _timed(_command(stage, study, n))
                times.setdefault(n, {})[stage] = seconds
                print(f"| {n:,} | {stage} | {seconds:.1f} | {peak:.2f} | {status} | {load:.1f} |")
                sys.stdout.flush()
            total = sum(times[n].values())
            print(f"| {n:,} | all four | {total:.1f} | | | |")
            if keep is None:
                for path in root.glob(f"study-{n}*"):
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
    finally:
        if keep is None:
            shutil.rmtree(root, ignore_errors=True)
    ordered = sorted(times)
    for small, big in itertools.pairwise(ordered):
        exponents = ", ".join(
            f"{stage} {math.log(times[big][stage] / times[small][stage]) / math.log(big / small):.2f}"
            for stage in STAGES
        )
        print(f"scaling exponent {small:,} -> {big:,}: {exponents}")


if __name__ == "__main__":
    args = sys.argv[1:]
    keep_dir = None
    if "--keep" in args:
        at = args.index("--keep")
        keep_dir = Path(args[at + 1])
        del args[at : at + 2]
    main([int(a) for a in args] or [1_000, 10_000, 100_000], keep_dir)
