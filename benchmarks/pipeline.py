"""The study pipeline at scale: simulate -> validate -> derive -> analyse, time and peak memory
of each stage, each run as its own ``rtio`` command; memory is the peak of the command's and its
worker processes' resident memory together (sampled every 0.1 s).

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
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

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


def _tree_rss(process: psutil.Process) -> int:
    """Resident bytes of a process and all its descendants (the worker processes of a study in
    blocks run under a fork server, a child of the command)."""
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return total


def _timed(args: list[str]) -> tuple[float, float, int]:
    """(wall seconds, peak resident memory of the command and its worker processes together in
    GiB, sampled every 0.1 s, exit status) of one rtio command."""
    rtio = shutil.which("rtio") or "rtio"
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        command = psutil.Popen([rtio, *args], stdout=subprocess.DEVNULL, stderr=err)
        peak = 0
        while command.poll() is None:
            try:
                peak = max(peak, _tree_rss(command))
            except psutil.NoSuchProcess:
                break
            time.sleep(0.1)
        code = command.wait()
        seconds = time.perf_counter() - start
        if code not in (0, 1):
            err.seek(0)
            print(err.read().decode(errors="replace")[-2000:], file=sys.stderr)
    return seconds, peak / 2**30, code


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
