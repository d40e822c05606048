"""``rtio cohort run`` on synthetic OMOP CDMs of 10^6, 10^7 and 10^8 drug_exposure rows.

For each size the CDM is generated once (``rtio simulate --format omop``; kept under --data), then
``rtio cohort run`` runs in a child process: wall time and peak memory (resident set of the whole
process tree, Spark's JVM included, sampled every 0.2 s). The peer at 10^6 rows is today's
in-memory path on the same cohort: ``rtio cohort extract`` to a study folder, then ``rtio analyse``
(pandas / numpy), timed the same way; the ratios are printed.

    python benchmarks/rwd_scale.py --rows 1e6 1e7 --spark 1e7
    python benchmarks/rwd_scale.py --rows 1e8            # once: about 6.5 million persons
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pyarrow.parquet as pq

ROWS_PER_PERSON = 15.45
"""drug_exposure rows per person in the synthetic CDM (IO cycles, platinum and other drugs)."""
RTIO = [sys.executable, "-c", "from rtio.cli.main import app; app()"]


def measure(command: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak resident GiB of the process tree, exit status."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    root = psutil.Process(process.pid)
    peak = 0
    while process.poll() is None:
        try:
            rss = sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
        except psutil.Error:
            rss = 0
        peak = max(peak, rss)
        time.sleep(0.2)
    seconds = time.perf_counter() - start
    if process.returncode:
        sys.stderr.write(process.stderr.read().decode()[-3000:])
    return seconds, peak / 2**30, process.returncode


def cdm_for(rows: float, data: Path) -> Path:
    persons = int(rows / ROWS_PER_PERSON)
    folder = data / f"omop_{rows:.0e}"
    if not (folder / "cohort.yaml").exists():
        shutil.rmtree(folder, ignore_errors=True)
        seconds, peak, status = measure(
            [
                *RTIO,
                "simulate",
                "--format",
                "omop",
                "--persons",
                str(persons),
                "--seed",
                "1",
                "--out",
                str(folder),
            ]
        )
        if status:
            raise SystemExit(f"simulating {persons} persons failed")
        print(f"generated {persons:,} persons in {seconds:.0f} s (peak {peak:.1f} GiB)")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", nargs="*", type=float, default=[1e6, 1e7])
    parser.add_argument("--spark", nargs="*", type=float, default=[])
    parser.add_argument("--data", type=Path, default=Path("/tmp/rtio-bench-omop"))
    parser.add_argument("--memory-limit", default="8GB")
    parser.add_argument("--peer-max-rows", type=float, default=1e6)
    args = parser.parse_args()
    args.data.mkdir(parents=True, exist_ok=True)
    print(
        f"{'engine':<8} {'drug_exposure rows':>18} {'persons':>10} {'seconds':>9} {'peak GiB':>9}"
    )
    for rows in sorted(set(args.rows) | set(args.spark)):
        cdm = cdm_for(rows, args.data)
        actual = pq.ParquetFile(cdm / "drug_exposure.parquet").metadata.num_rows
        persons = pq.ParquetFile(cdm / "person.parquet").metadata.num_rows
        engines = (["duckdb"] if rows in args.rows else []) + (
            ["spark"] if rows in args.spark else []
        )
        for engine in engines:
            out = args.data / f"run_{engine}_{rows:.0e}"
            shutil.rmtree(out, ignore_errors=True)
            seconds, peak, status = measure(
                [
                    *RTIO,
                    "cohort",
                    "run",
                    str(cdm / "cohort.yaml"),
                    "--cdm",
                    str(cdm),
                    "--engine",
                    engine,
                    "--memory-limit",
                    args.memory_limit,
                    "--out",
                    str(out),
                ]
            )
            state = "" if status == 0 else f"  FAILED (exit {status})"
            print(f"{engine:<8} {actual:>18,} {persons:>10,} {seconds:>9.1f} {peak:>9.2f}{state}")
            if engine == "duckdb" and rows <= args.peer_max_rows and status == 0:
                study = args.data / f"study_{rows:.0e}"
                shutil.rmtree(study, ignore_errors=True)
                extract_s, extract_peak, _ = measure(
                    [
                        *RTIO,
                        "cohort",
                        "extract",
                        str(cdm / "cohort.yaml"),
                        "--cdm",
                        str(cdm),
                        "--out",
                        str(study),
                    ]
                )
                analyse_s, analyse_peak, status = measure(
                    [*RTIO, "analyse", str(study), "--out", str(args.data / f"analyse_{rows:.0e}")]
                )
                print(
                    f"{'in-memory':<8} {actual:>18,} {persons:>10,} {extract_s + analyse_s:>9.1f} "
                    f"{max(extract_peak, analyse_peak):>9.2f}  (extract {extract_s:.1f} s + rtio analyse "
                    f"{analyse_s:.1f} s, peak {analyse_peak:.2f} GiB)"
                )
                print(
                    f"  ratio in-memory / pushed-down: time {(extract_s + analyse_s) / seconds:.2f}x, "
                    f"peak memory {max(extract_peak, analyse_peak) / peak:.2f}x"
                )


if __name__ == "__main__":
    main()
