"""Time rtio.design.simulate_two_arm against rpact getSimulationSurvival in the same run.

Setting (trial-design reference): 2 arms 1:1, 400 patients, control median 12 months, HR 0.7,
uniform accrual over 24 months, 3 looks at 83 / 167 / 250 events with Lan–DeMets O'Brien–Fleming
boundaries, 10^4 replicates. Each tool runs REPEATS times (rtio after one warm-up call, rpact
timed inside R with system.time so R's start-up is not counted); the best and the median of the
runs and their ratios are printed.

    python benchmarks/design_simulation_vs_rpact.py
"""

from __future__ import annotations

import json
import statistics
import subprocess
import time

from rtio.design import simulate_two_arm

REPEATS = 7
R_CODE = r"""
suppressPackageStartupMessages(library(rpact))
design <- getDesignGroupSequential(kMax = 3, alpha = 0.025, beta = 0.2, sided = 1, typeOfDesign = "asOF")
run <- function() system.time(sim <<- getSimulationSurvival(design, hazardRatio = 0.7, median2 = 12, accrualTime = 24,
  directionUpper = FALSE, plannedEvents = c(83, 167, 250), maxNumberOfSubjects = 400, maxNumberOfIterations = 10000,
  seed = 1))[["elapsed"]]
seconds <- replicate(REPEATS, run())
cat(jsonlite::toJSON(list(seconds = seconds, power = sim$overallReject,
  expected_events = sim$expectedNumberOfEvents), auto_unbox = TRUE, digits = NA))
"""


def _rtio():
    start = time.perf_counter()
    result = simulate_two_arm(
        12, hazard_ratio=0.7, looks=3, n_patients=400, events=250, n_trials=10_000, seed=1
    )
    return time.perf_counter() - start, result


def main() -> None:
    code = R_CODE.replace("REPEATS", str(REPEATS))
    rpact = json.loads(
        subprocess.run(["Rscript", "-e", code], capture_output=True, text=True, check=True).stdout
    )
    _rtio()  # warm-up: imports, thread pool
    runs = [_rtio() for _ in range(REPEATS)]
    ours = runs[-1][1]
    mine = [seconds for seconds, _ in runs]
    theirs = rpact["seconds"]
    print(f"{'':8} {'best s':>8} {'median s':>9} {'power':>7} {'E[events]':>10}")
    for name, secs, power, events in (
        ("rtio", mine, ours.power, ours.expected_events),
        ("rpact", theirs, rpact["power"], rpact["expected_events"]),
    ):
        print(
            f"{name:8} {min(secs):8.3f} {statistics.median(secs):9.3f} {power:7.4f} {events:10.2f}"
        )
    print(
        f"rpact / rtio time: best {min(theirs) / min(mine):.1f}x, "
        f"median {statistics.median(theirs) / statistics.median(mine):.1f}x"
    )


if __name__ == "__main__":
    main()
