"""Time rtio.design.simulate_two_arm against rpact getSimulationSurvival in the same run.

Setting (trial-design reference): 2 arms 1:1, 400 patients, control median 12 months, HR 0.7,
uniform accrual over 24 months, looks at 83 / 167 / 250 events (three looks, Lan–DeMets
O'Brien–Fleming boundaries) or at 250 events (one look). Cases: 10^4 replicates with three looks
(seven runs each), and 10^5 replicates with one and with three looks (three runs each). rtio
runs after one warm-up call; rpact is timed inside R with system.time, so R's start-up is not
counted. The best and the median of the runs and their ratios are printed.

    python benchmarks/design_simulation_vs_rpact.py            # all cases
    python benchmarks/design_simulation_vs_rpact.py --quick    # 10^4 trials, three looks only
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time

from rtio.design import simulate_two_arm

CASES = [(10_000, 3, 7), (100_000, 1, 3), (100_000, 3, 3)]  # trials, looks, runs
R_CODE = r"""
suppressPackageStartupMessages(library(rpact))
looks <- LOOKS
design <- if (looks == 1) getDesignGroupSequential(kMax = 1, alpha = 0.025, beta = 0.2, sided = 1) else
  getDesignGroupSequential(kMax = looks, alpha = 0.025, beta = 0.2, sided = 1, typeOfDesign = "asOF")
events <- if (looks == 1) 250 else c(83, 167, 250)
run <- function() system.time(sim <<- getSimulationSurvival(design, hazardRatio = 0.7, median2 = 12,
  accrualTime = 24, directionUpper = FALSE, plannedEvents = events, maxNumberOfSubjects = 400,
  maxNumberOfIterations = TRIALS, seed = 1))[["elapsed"]]
seconds <- replicate(RUNS, run())
cat(jsonlite::toJSON(list(seconds = seconds, power = sim$overallReject,
  expected_events = sim$expectedNumberOfEvents), auto_unbox = TRUE, digits = NA))
"""


def _rtio(trials: int, looks: int):
    start = time.perf_counter()
    result = simulate_two_arm(
        12, hazard_ratio=0.7, looks=looks, n_patients=400, events=250, n_trials=trials, seed=1
    )
    return time.perf_counter() - start, result


def _rpact(trials: int, looks: int, runs: int) -> dict:
    code = (
        R_CODE.replace("LOOKS", str(looks))
        .replace("TRIALS", str(trials))
        .replace("RUNS", str(runs))
    )
    done = subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main(quick: bool) -> None:
    print(f"load average at start: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    print(f"{'case':22} {'tool':6} {'best s':>8} {'median s':>9} {'power':>7} {'E[events]':>10}")
    for trials, looks, runs in CASES[:1] if quick else CASES:
        rpact = _rpact(trials, looks, runs)
        _rtio(trials, looks)  # warm-up: imports, thread pool
        timed = [_rtio(trials, looks) for _ in range(runs)]
        ours = timed[-1][1]
        mine = [seconds for seconds, _ in timed]
        theirs = rpact["seconds"]
        case = f"{trials:,} trials, {looks} look{'s' if looks > 1 else ''}"
        for name, secs, power, events in (
            ("rtio", mine, ours.power, ours.expected_events),
            ("rpact", theirs, rpact["power"], rpact["expected_events"]),
        ):
            print(
                f"{case:22} {name:6} {min(secs):8.3f} {statistics.median(secs):9.3f} "
                f"{power:7.4f} {events:10.2f}"
            )
        print(
            f"{case:22} rpact / rtio time: best {min(theirs) / min(mine):.1f}x, "
            f"median {statistics.median(theirs) / statistics.median(mine):.1f}x"
        )
    print(f"load average at end: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main("--quick" in sys.argv)
