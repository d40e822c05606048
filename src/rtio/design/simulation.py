"""Monte-Carlo operating characteristics of a two-arm time-to-event design.

Vectorised over replicates: each batch draws a (replicates x patients) matrix of uniform entry
times, exponential event and dropout times and arm labels (alternating in the allocation ratio,
as rpact), finds each look's calendar time as the time of the target number of events, and
computes the log-rank statistic of every replicate at once (sort, running risk sets). Batches use
independent streams from ``SeedSequence(seed).spawn``, so a run split over workers gives the same
numbers. Batches run on local threads (numpy releases the GIL in the sorts and array
arithmetic, and threads start instantly where processes would be spawned), or on a Dask cluster
given by ``scheduler``.
"""

from __future__ import annotations

from dataclasses import dataclass

import dask
import numpy as np

from rtio.design.accrual import dropout_hazard, hazard_from_median
from rtio.design.two_arm import two_arm_survival

BATCH = 2000


@dataclass(frozen=True)
class SimulationResult:
    """Rejection rate with its Monte-Carlo SE, and expected events, patients and duration."""

    power: float
    mc_se: float
    reject_by_look: np.ndarray
    expected_events: float
    expected_patients: float
    expected_duration: float
    n_trials: int


def logrank_z(time: np.ndarray, event: np.ndarray, experimental: np.ndarray) -> np.ndarray:
    """Log-rank Z per row (positive when the experimental arm has fewer events than expected)."""
    order = np.argsort(time, axis=1)
    code = np.take_along_axis((2 * event + experimental).astype(np.int8), order, axis=1)
    ev, arm = code >> 1, (code & 1).astype(np.float32)
    n = time.shape[1]
    at_risk = (n - np.arange(n, dtype=np.float32))[None, :]
    share = np.cumsum(arm[:, ::-1], axis=1, dtype=np.float32)[:, ::-1] / at_risk
    observed_minus_expected = np.sum(ev * (arm - share), axis=1, dtype=np.float64)
    variance = np.sum(ev * share * (1 - share), axis=1, dtype=np.float64)
    return -observed_minus_expected / np.sqrt(variance)


def _batch(stream, size, n, ratio, lam_c, lam_e, eta, accrual, targets, bounds, margin):
    rng = np.random.default_rng(stream)
    entry = rng.uniform(0, accrual, (size, n))
    pattern = (
        np.concatenate([np.zeros(1), np.ones(ratio)])
        if float(ratio).is_integer()
        else np.array([0, 1])
    )
    experimental = np.resize(pattern, n)[None, :].repeat(size, axis=0).astype(np.int8)
    event_time = rng.exponential(1.0, (size, n)) / np.where(experimental == 1, lam_e, lam_c)
    observed = event_time
    if eta > 0:
        observed = np.minimum(event_time, rng.exponential(1.0, (size, n)) / eta)
    calendar = np.where(observed == event_time, entry + event_time, np.inf)
    rejected = np.zeros(size, dtype=bool)
    first_look = np.full(size, len(targets))
    events_used = np.zeros(size)
    duration = np.zeros(size)
    for k, (target, bound) in enumerate(zip(targets, bounds, strict=True)):
        cut = np.partition(calendar, target - 1, axis=1)[:, target - 1][:, None]
        available = cut - entry
        # not yet enrolled at the cut: follow-up -1, never at risk
        follow = np.where(available > 0, np.minimum(observed, available), -1.0)
        event = calendar <= cut
        z = logrank_z(follow, event, experimental)
        if margin is not None:  # H0: HR >= margin, on the shifted log-rank scale
            z = z + np.log(margin) * np.sqrt(event.sum(axis=1) * ratio) / (1 + ratio)
        newly = ~rejected & (z >= bound)
        first_look = np.where(newly, k, first_look)
        stop_here = newly | (k == len(targets) - 1) & ~rejected
        events_used = np.where(stop_here, target, events_used)
        duration = np.where(stop_here, cut[:, 0], duration)
        rejected |= newly
    return rejected, first_look, events_used, duration


def simulate_two_arm(
    median_control: float,
    median_treatment: float | None = None,
    n_patients: int | None = None,
    alpha: float = 0.025,
    power: float = 0.8,
    accrual_months: float = 24,
    follow_up_months: float = 12,
    dropout_rate: float = 0.0,
    dropout_months: float = 12,
    allocation_ratio: int = 1,
    margin: float | None = None,
    looks: int = 1,
    spending: str = "obf",
    hazard_ratio: float | None = None,
    events: float | None = None,
    true_hazard_ratio: float | None = None,
    n_trials: int = 10_000,
    seed: int = 1,
    scheduler: str | None = None,
) -> SimulationResult:
    """Simulate the design ``two_arm_survival`` gives (or ``events`` / ``n_patients`` given here).

    ``true_hazard_ratio`` sets the truth the trials are drawn from (default: the design's hazard
    ratio); set it to 1 (or to the margin for non-inferiority) to estimate the type I error.

    Returns the rejection rate (power, or type I error when the true HR is the null) with its
    Monte-Carlo SE sqrt(p(1 − p)/n_trials), and expected events, patients and duration (months).
    """
    plan = two_arm_survival(
        median_control,
        median_treatment,
        alpha=alpha,
        power=power,
        accrual_months=accrual_months,
        follow_up_months=follow_up_months,
        dropout_rate=dropout_rate,
        dropout_months=dropout_months,
        allocation_ratio=allocation_ratio,
        margin=margin,
        looks=looks,
        spending=spending,
        hazard_ratio=hazard_ratio,
    )
    total_events = plan.events if events is None else events
    n = int(np.ceil(plan.patients)) if n_patients is None else n_patients
    targets = np.ceil(plan.boundaries["information_fraction"].to_numpy() * total_events).astype(int)
    if targets[-1] > n:
        raise ValueError(f"{targets[-1]} events cannot be reached with {n} patients")
    lam_c = hazard_from_median(median_control)
    hr = plan.hazard_ratio if true_hazard_ratio is None else true_hazard_ratio
    eta = dropout_hazard(dropout_rate, dropout_months)
    sizes = [BATCH] * (n_trials // BATCH) + ([n_trials % BATCH] if n_trials % BATCH else [])
    streams = np.random.SeedSequence(seed).spawn(len(sizes))
    tasks = [
        dask.delayed(_batch)(
            s,
            size,
            n,
            allocation_ratio,
            lam_c,
            lam_c * hr,
            eta,
            accrual_months,
            targets,
            plan.boundaries["z"].to_numpy(),
            margin,
        )
        for s, size in zip(streams, sizes, strict=True)
    ]
    if scheduler is None:
        parts = dask.compute(*tasks, scheduler="threads")
    else:
        from dask.distributed import Client

        with Client(scheduler) as client:
            parts = client.gather(client.compute(tasks))
    rejected = np.concatenate([p[0] for p in parts])
    first = np.concatenate([p[1] for p in parts])
    rate = float(rejected.mean())
    return SimulationResult(
        power=rate,
        mc_se=float(np.sqrt(rate * (1 - rate) / n_trials)),
        reject_by_look=np.array([np.mean(rejected & (first == k)) for k in range(looks)]),
        expected_events=float(np.concatenate([p[2] for p in parts]).mean()),
        expected_patients=float(n),
        expected_duration=float(np.concatenate([p[3] for p in parts]).mean()),
        n_trials=n_trials,
    )
