"""Time and peak memory of simulating a seed-004 study of N subjects (default 10^6).

Usage: python benchmarks/simulate_1e6.py [N] [OUT]. Peak memory is the process maximum
resident set size (resource.getrusage). There is no peer generator to compare with.
"""

from __future__ import annotations

import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from rtio.simulate import write_study


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp()) / "study"
    began = time.perf_counter()
    write_study(out, n, seed=2024)
    seconds = time.perf_counter() - began
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    size_mb = sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) / 2**20
    print(f"n={n} seconds={seconds:.1f} peak_rss_mb={peak_mb:.0f} output_mb={size_mb:.0f}")
    shutil.rmtree(out)


if __name__ == "__main__":
    main()
