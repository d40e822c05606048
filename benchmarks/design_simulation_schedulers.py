"""Where dask wins for the design simulation: local threads, one thread (synchronous) and a
dask.distributed LocalCluster of worker processes, timed in the same run on this machine.

Setting as ``design_simulation_vs_rpact.py`` (400 patients, HR 0.7, three looks), 10^4 and 10^5
replicates; each scheduler runs five times after a warm-up, the cluster is started once beforehand
(its start-up is printed separately, as a user pays it once per session). Every scheduler gives
the same numbers (checked here).

    python benchmarks/design_simulation_schedulers.py
"""

from __future__ import annotations

import os
import statistics
import time

from rtio.design import simulate_two_arm

RUNS = 5


def _run(trials: int, scheduler: str | None):
    start = time.perf_counter()
    result = simulate_two_arm(
        12,
        hazard_ratio=0.7,
        looks=3,
        n_patients=400,
        events=250,
        n_trials=trials,
        seed=1,
        scheduler=scheduler,
    )
    return time.perf_counter() - start, result


def main() -> None:
    from dask.distributed import LocalCluster

    print(f"load average at start: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    start = time.perf_counter()
    cluster = LocalCluster(n_workers=os.cpu_count(), threads_per_worker=1, processes=True)
    print(
        f"LocalCluster start-up ({os.cpu_count()} worker processes): "
        f"{time.perf_counter() - start:.2f} s"
    )
    schedulers = {
        "threads": "threads",
        "synchronous": "synchronous",
        "LocalCluster processes": cluster.scheduler_address,
    }
    try:
        for trials in (10_000, 100_000):
            reference = None
            best = {}
            for name, scheduler in schedulers.items():
                _run(trials, scheduler)  # warm-up
                timed = [_run(trials, scheduler) for _ in range(RUNS)]
                seconds = [t for t, _ in timed]
                power = timed[-1][1].power
                reference = power if reference is None else reference
                assert power == reference, (name, power, reference)
                best[name] = min(seconds)
                print(
                    f"{trials:>7,} trials  {name:24} best {min(seconds):7.3f} s  "
                    f"median {statistics.median(seconds):7.3f} s  power {power:.4f}"
                )
            for name in schedulers:
                print(
                    f"{trials:>7,} trials  {name} / threads: "
                    f"{best[name] / best['threads']:.2f}x the time of threads"
                )
    finally:
        cluster.close()
    print(f"load average at end: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
