"""Monte-Carlo operating characteristics of a two-arm time-to-event design.

Vectorised over replicates: each batch draws a (replicates x patients) matrix of uniform entry
times, exponential event and dropout times and arm labels (alternating in the allocation ratio,
as rpact), finds each look's calendar time as the time of the target number of events, and
computes the log-rank statistic of every replicate at once (sort, running risk sets). Batches use
independent streams from ``SeedSequence(seed).spawn``, so a run split over workers gives the same
numbers. Batches run on local threads (numpy releases the GIL in the sorts and array
arithmetic, and threads start instantly where processes would be spawned), in the calling thread
(``scheduler="synchronous"``), or on a Dask cluster given by its address (measured on one
machine in ``benchmarks/RESULTS-design.md``: threads win there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from rtio.design.accrual import dropout_hazard, hazard_from_median
from rtio.design.two_arm import two_arm_survival

BATCH = 1000
CACHE_BLOCK = 250
"""Trials of a batch processed together at each look: their arrays stay in the CPU's cache
(about 4x faster per look than the whole batch at once on a 400-patient design)."""


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
    """Log-rank Z per row (positive when the experimental arm has fewer events than expected).

    Rows are replicates, columns patients; a negative time marks a patient not yet at risk."""
    keys = np.array(time, dtype=np.float64)
    code = 2 * (1 - event.astype(np.int8)) + experimental.astype(np.int8)
    return _logrank_sorted(_sorted_keys(keys, code))


def _sorted_keys(follow: np.ndarray, code: np.ndarray) -> np.ndarray:
    """Sort each row of ``follow`` (float32 or float64, overwritten) carrying ``code``
    (2·censored + experimental) along.

    Own code because it is the hot path: the code goes into the two lowest mantissa bits of the
    float's bit pattern, so a plain integer sort replaces an argsort and a gather (about 3x
    fewer memory passes). Non-negative floats order as their integer patterns, negative ones
    (patients not yet enrolled) all before them. Times closer than 4 units in the last place
    count as tied; events then sort before censorings, so a patient censored at an event time
    is in its risk set (the usual convention)."""
    bits: npt.NDArray[np.signedinteger[Any]] = follow.view(
        np.int32 if follow.dtype == np.float32 else np.int64
    )
    bits &= ~bits.dtype.type(3)
    bits |= code
    bits.sort(axis=1)
    return bits


def _logrank_sorted(bits: np.ndarray, precision: type[np.floating[Any]] = np.float64) -> np.ndarray:
    """Log-rank Z from row-sorted keys: expected minus observed events of the experimental arm
    over the square root of the hypergeometric variance, summed over event times (Mantel 1966).

    With s the experimental share of the risk set at an event, E = Σ s and V = Σ s(1 − s)
    = E − Σ s²; at-risk counts come from one integer cumulative sum over the reversed row (the
    patient at sorted position j has n − j at risk). The shares are held in ``precision`` (the
    simulation uses single precision: half the memory traffic, Z to about 1e-7); the sums are
    always accumulated in double precision."""
    n = bits.shape[1]
    code = bits.astype(np.int8)
    code &= 3
    reverse = code[:, ::-1]
    counts = np.int16 if n < 2**15 else np.int32  # int16 x float32 stays float32
    experimental_at_risk: npt.NDArray[np.signedinteger[Any]] = np.cumsum(
        reverse & 1, axis=1, dtype=counts
    )
    share = experimental_at_risk * (1 / np.arange(1, n + 1, dtype=np.float64)).astype(precision)
    share *= reverse < 2  # shares at events only
    expected = share.sum(axis=1, dtype=np.float64)
    observed = np.count_nonzero(code == 1, axis=1)
    variance = expected - np.einsum("ij,ij->i", share, share, dtype=np.float64)
    return (expected - observed) / np.sqrt(variance)


def _look_keys(entry, observed, calendar, cut, arm):
    """Sorted keys of one look (as :func:`_sorted_keys`) built in place: follow-up at the cut
    (negative for patients not yet enrolled, who are never at risk), the arm bit and the
    censoring bit of patients whose event falls after the cut."""
    follow = np.subtract(cut, entry)
    np.minimum(follow, observed, out=follow)
    keys = follow.view(np.int32)
    keys &= ~3
    keys |= arm
    keys += np.greater(calendar, cut).view(np.int8) * np.int32(2)
    keys.sort(axis=1)
    return keys


def _batch(stream, size, n, ratio, lam_c, lam_e, eta, accrual, targets, bounds, margin):
    """One batch of trials. Times are drawn and held in single precision (relative resolution
    6e-8, i.e. seconds on a scale of months): it halves the memory traffic of the
    per-look passes, and the statistics are accumulated in double precision."""
    rng = np.random.default_rng(stream)
    entry = rng.random((size, n), dtype=np.float32)
    entry *= np.float32(accrual)
    pattern = (
        np.concatenate([np.zeros(1), np.ones(ratio)])
        if float(ratio).is_integer()
        else np.array([0, 1])
    )
    arm = np.resize(pattern, n).astype(np.int8)[None, :]
    event_time = rng.standard_exponential((size, n), dtype=np.float32)
    event_time /= np.where(arm == 1, lam_e, lam_c).astype(np.float32)
    observed = event_time
    if eta > 0:
        dropout = rng.standard_exponential((size, n), dtype=np.float32)
        observed = np.minimum(event_time, dropout / np.float32(eta))
    calendar = np.where(observed == event_time, entry + event_time, np.float32(np.inf))
    cuts = np.sort(calendar, axis=1)[:, np.asarray(targets) - 1]
    arm_bit = arm.astype(np.int32)
    blocks = [
        _looks(entry[b], observed[b], calendar[b], cuts[b], arm_bit, ratio, targets, bounds, margin)
        for b in (slice(lo, lo + CACHE_BLOCK) for lo in range(0, size, CACHE_BLOCK))
    ]
    return tuple(np.concatenate(part) for part in zip(*blocks, strict=True))


def _looks(entry, observed, calendar, cuts, arm, ratio, targets, bounds, margin):
    """The looks of a block of trials: each trial stops at its first look whose Z crosses the
    boundary. Returns (rejected, first rejecting look, events used, duration) per trial."""
    size = len(entry)
    rejected = np.zeros(size, dtype=bool)
    first_look = np.full(size, len(targets))
    events_used = np.full(size, float(targets[-1]))
    duration = cuts[:, -1].astype(np.float64)
    live = np.arange(size)  # trials still running
    for k, (target, bound) in enumerate(zip(targets, bounds, strict=True)):
        cut = cuts[live, k : k + 1]
        z = _logrank_sorted(_look_keys(entry, observed, calendar, cut, arm), np.float32)
        if margin is not None:  # H0: HR >= margin, on the shifted log-rank scale
            z = z + np.log(margin) * np.sqrt(target * ratio) / (1 + ratio)
        newly = (z >= bound) & ~rejected[live]
        stopped = live[newly]
        rejected[stopped] = True
        first_look[stopped] = k
        events_used[stopped] = target
        duration[stopped] = cut[newly, 0]
        if newly.mean() > 0.1:  # drop stopped trials once copying them costs less than keeping
            live, entry, observed, calendar = (a[~newly] for a in (live, entry, observed, calendar))
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
    ``scheduler``: None or ``"threads"`` (local threads, the default and the fastest on one
    machine), ``"synchronous"`` (one core) or the address of a ``dask.distributed`` scheduler;
    every choice gives the same numbers.

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
    import dask  # imported here: the rest of rtio.design does not need it

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
    if scheduler in (None, "threads", "synchronous"):
        parts = dask.compute(*tasks, scheduler=scheduler or "threads")
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
