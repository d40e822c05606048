"""Time rtio.design.simulate_two_arm against rpact getSimulationSurvival in the same run.

Setting (trial-design reference): 2 arms 1:1, 400 patients, control median 12 months, HR 0.7,
uniform accrual over 24 months, 3 looks at 83 / 167 / 250 events with Lan–DeMets O'Brien–Fleming
boundaries, 10^4 replicates. rtio reports the best of five runs, rpact the best of three.

    python benchmarks/design_simulation_vs_rpact.py
"""

from __future__ import annotations

import json
import subprocess
import time

from rtio.design import simulate_two_arm

R_CODE = r"""
suppressPackageStartupMessages(library(rpact))
design <- getDesignGroupSequential(kMax = 3, alpha = 0.025, beta = 0.2, sided = 1, typeOfDesign = "asOF")
run <- function() system.time(sim <<- getSimulationSurvival(design, hazardRatio = 0.7, median2 = 12, accrualTime = 24,
  directionUpper = FALSE, plannedEvents = c(83, 167, 250), maxNumberOfSubjects = 400, maxNumberOfIterations = 10000,
  seed = 1))[["elapsed"]]
elapsed <- min(run(), run(), run())
cat(sprintf('{"seconds": %.3f, "power": %.4f, "expected_events": %.2f}', elapsed, sim$overallReject, sim$expectedNumberOfEvents))
"""


def main() -> None:
    rpact = json.loads(
        subprocess.run(["Rscript", "-e", R_CODE], capture_output=True, text=True, check=True).stdout
    )
    start = time.perf_counter()
    ours = simulate_two_arm(
        12, hazard_ratio=0.7, looks=3, n_patients=400, events=250, n_trials=10_000, seed=1
    )
    seconds = time.perf_counter() - start
    print(f"{'':10} {'seconds':>8} {'power':>7} {'E[events]':>10}")
    print(f"{'rtio':10} {seconds:8.2f} {ours.power:7.4f} {ours.expected_events:10.2f}")
    print(
        f"{'rpact':10} {rpact['seconds']:8.2f} {rpact['power']:7.4f} {rpact['expected_events']:10.2f}"
    )
    print(f"rpact / rtio time: {rpact['seconds'] / seconds:.1f}x")


if __name__ == "__main__":
    main()
