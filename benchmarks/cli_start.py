"""Start time of the ``rtio`` command line, per command (no test asserts it).

Each command is started as a user would (``rtio … --help`` in a fresh process, so its module and
what it imports at the top are loaded, but no work is done), best and median wall time of R runs,
and the best CPU time (user + system; on a shared, busy machine wall time includes waiting for a
core, CPU time does not). The reference line is a bare Python interpreter started the same way,
the floor any command pays.
Usage: python benchmarks/cli_start.py [RUNS] (default 5).
"""

from __future__ import annotations

import resource
import shutil
import statistics
import subprocess
import sys
import time

COMMANDS = [
    ["--version"],
    ["--help"],
    ["validate", "--help"],
    ["screen", "--help"],
    ["simulate", "--help"],
    ["protocols", "--help"],
    ["protocol", "show", "--help"],
    ["protocol", "import-ctgov", "--help"],
    ["derive", "--help"],
    ["analyse", "--help"],
    ["report", "--help"],
    ["demo", "--help"],
    ["design", "--help"],
    ["design", "simulate", "--help"],
    ["cohort", "--help"],
]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(argv: list[str], runs: int) -> tuple[float, float, float]:
    """Best and median wall time and best CPU time of ``runs`` fresh processes."""
    times, cpu = [], []
    for _ in range(runs):
        started, cpu_started = time.perf_counter(), _cpu()
        subprocess.run(argv, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
        cpu.append(_cpu() - cpu_started)
    return min(times), statistics.median(times), min(cpu)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    rtio = shutil.which("rtio") or sys.exit("the rtio command is not on PATH")
    floor, _, floor_cpu = timed([sys.executable, "-c", "pass"], runs)
    print(f"{'command':<34} {'best s':>7} {'median s':>9} {'cpu s':>7} {'x python':>9}")
    print(f"{'(python -c pass)':<34} {floor:7.3f} {'':>9} {floor_cpu:7.3f} {1.0:9.1f}")
    for args in COMMANDS:
        best, median, cpu = timed([rtio, *args], runs)
        name = "rtio " + " ".join(args)
        print(f"{name:<34} {best:7.3f} {median:9.3f} {cpu:7.3f} {best / floor:9.1f}")


if __name__ == "__main__":
    main()
