"""The at-risk table and the product-limit step, shared by every survival statistic.

One routine counts, at each distinct exit time, the (weighted) number at risk, the events (by cause)
and the censorings, per group, with delayed entry (counting-process data: at risk over
(entry, time]). Kaplan–Meier, the log-rank test, restricted mean survival, Aalen–Johansen cumulative
incidence and the Kaplan–Meier time scale of ``cox_zph`` all read it, so ties, weights and entry are
handled in one place, as R survival's ``survfit`` / ``survdiff`` count them — including R's
default ``timefix``: times equal within floating-point tolerance are merged (``aeqSurv``).

Own code because it is the hot path. The path is chosen by the data: whole-number times over a
range comparable to n are counted directly (no sort); other times are sorted once (a packed-key
sort: the float's bits with the row index in the low bits, several times faster than
``argsort``; without weights or groups the event bit rides below the time's bits and no
permutation is needed at all) and summed along the sorted rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rtio.stats.inputs import FloatArray, IntArray

COUNTING_RANGE = 4
"""Whole-number times are counted directly when their range is at most this many times n."""
COUNTING_MIN_RANGE = 1 << 16
"""... or at most this range, whatever n (a small table)."""
TIME_TOLERANCE = float(np.sqrt(np.finfo(float).eps))
"""R ``aeqSurv``'s tolerance, sqrt(.Machine$double.eps)."""


def sum_last(values: FloatArray) -> FloatArray:
    """Sum over a short last axis by adding its slices (numpy's reduction over a last axis of
    2 or 3 is several times slower)."""
    total: FloatArray = values[..., 0].copy()
    for k in range(1, values.shape[-1]):
        total += values[..., k]
    return total


def weighted_counts(index: IntArray, weights: FloatArray | None, size: int) -> FloatArray:
    """Σ weights (counts without weights) per value of ``index`` in 0..size-1, as floats."""
    counts: FloatArray = np.bincount(index, weights=weights, minlength=size).astype(
        float, copy=False
    )
    return counts


def sort_order(values: FloatArray) -> IntArray:
    """A permutation that sorts non-negative float64 ``values`` ascending (ties in row order).

    The bit pattern of a non-negative double orders as an unsigned integer; the low bits (as many
    as the row index needs) are replaced by the row index and the keys are sorted. Values that
    differ only in those low bits may come out of order: a stable sort of the nearly sorted
    result puts them right, so the order is exact. Equal values keep their row order (their keys
    differ only in the row index).
    """
    n = values.size
    if n < 1024:
        return np.argsort(values, kind="stable")
    k = max((n - 1).bit_length(), 1)
    key = np.ascontiguousarray(values, dtype=np.float64).view(np.uint64) >> np.uint64(k - 1)
    key <<= np.uint64(k)
    key |= np.arange(n, dtype=np.uint64)
    key.sort()
    key &= np.uint64((1 << k) - 1)
    order = key.view(np.int64).astype(np.intp, copy=False)
    ordered = values[order]
    if (ordered[1:] < ordered[:-1]).any():
        order = order[np.argsort(ordered, kind="stable")]
    return order


def _whole_numbers(values: FloatArray) -> bool:
    """True when all values are whole numbers over a small enough range to count directly."""
    if values.size == 0:
        return False
    low, high = float(values.min()), float(values.max())
    if high - low > max(COUNTING_RANGE * values.size, COUNTING_MIN_RANGE):
        return False
    return bool(np.array_equal(values, np.floor(values)))


def merged_times(distinct: FloatArray) -> FloatArray | None:
    """R survival's ``aeqSurv`` on sorted distinct times: each time within floating-point
    tolerance of the one before it (a gap <= sqrt(machine eps), absolutely or relative to the
    mean absolute time) is merged into the first time of its run. The time each distinct time
    becomes, or None when no two are that close."""
    if distinct.size < 2:
        return None
    gap = np.diff(distinct)
    scale = float(np.mean(np.abs(distinct)))
    # R's test, gap <= tol or gap / scale <= tol, on the few gaps near the bound only
    near = np.flatnonzero(gap <= TIME_TOLERANCE * max(1.0, scale) * (1 + 1e-9))
    if near.size == 0:
        return None
    close = gap[near]
    near = near[(close <= TIME_TOLERANCE) | (close / scale <= TIME_TOLERANCE)]
    if near.size == 0:
        return None
    tied = np.zeros(gap.size, dtype=bool)
    tied[near] = True
    starts = np.concatenate([[True], ~tied])
    merged: FloatArray = distinct[starts][np.cumsum(starts) - 1]
    return merged


@dataclass(frozen=True, kw_only=True)
class TimeGrid:
    """The distinct sorted values of a time column and each row's place among them.

    ``index[i]`` is the position in ``time`` of row ``rows[i]`` (``rows`` is None when the rows
    are in their own order, as on the counting path, else the sort order).
    """

    time: FloatArray
    index: IntArray
    rows: IntArray | None

    @classmethod
    def of(cls, values: FloatArray, *, timefix: bool = False) -> TimeGrid:
        """Place ``values`` on the grid of their distinct values (counting or sorting, by data);
        with ``timefix``, nearly equal values share one place (:func:`merged_times`)."""
        rows: IntArray | None = None
        if _whole_numbers(values):
            low = values.min()
            offset = (values - low).astype(np.intp)
            present = np.bincount(offset) > 0
            index = (np.cumsum(present) - 1)[offset]
            time = np.flatnonzero(present) + low
        else:
            rows = sort_order(values)
            ordered = values[rows]
            new = np.empty(ordered.size, dtype=bool)
            new[:1] = True
            np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
            index = np.cumsum(new) - 1
            time = ordered[new]
        merged = merged_times(time) if timefix else None
        if merged is not None:
            starts = np.concatenate([[True], merged[1:] != merged[:-1]])
            index = (np.cumsum(starts) - 1)[index]
            time = merged[starts]
        return cls(time=time.astype(float, copy=False), index=index, rows=rows)

    def take(self, values: np.ndarray) -> np.ndarray:
        """``values`` in the grid's row order."""
        return values if self.rows is None else values[self.rows]

    def sums(self, codes: IntArray | None, n_codes: int, weights: FloatArray | None) -> FloatArray:
        """Σ weights (or counts) per distinct time and code: shape (times, n_codes)."""
        size = self.time.size
        index = self.index if codes is None else self.index * n_codes + self.take(codes)
        w = None if weights is None else self.take(weights)
        return weighted_counts(index, w, size * n_codes).reshape(size, n_codes)


def fix_times(time: FloatArray, entry: FloatArray | None) -> tuple[FloatArray, FloatArray | None]:
    """Exit (and entry) times with R's ``timefix`` applied over the distinct values of both
    columns together (R ``aeqSurv`` of a ``Surv(entry, time, event)``)."""
    values = time if entry is None else np.concatenate([time, entry])
    merged = merged_times(np.unique(values))
    if merged is None:
        return time, entry
    grid = TimeGrid.of(values, timefix=True)
    fixed = np.empty_like(values)
    if grid.rows is None:
        fixed[:] = grid.time[grid.index]
    else:
        fixed[grid.rows] = grid.time[grid.index]
    if entry is None:
        return fixed, None
    fixed_time, fixed_entry = fixed[: time.size], fixed[time.size :]
    if (fixed_entry >= fixed_time).any():
        rows = np.flatnonzero(fixed_entry >= fixed_time)[:10].tolist()
        raise ValueError(
            f"entry: equal to time within floating-point tolerance at positions {rows} (R "
            "aeqSurv: an interval of effective length 0); use timefix=False to keep them apart"
        )
    return fixed_time, fixed_entry


def fix_sorted_times(values: FloatArray, order: IntArray) -> FloatArray:
    """R's ``timefix`` of one time column whose sort order is known (no further sort)."""
    ordered = values[order]
    new = np.ones(ordered.size, dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    merged = merged_times(ordered[new])
    if merged is None:
        return values
    fixed = np.empty_like(values)
    fixed[order] = merged[np.cumsum(new) - 1]
    return fixed


def _event_counts(
    time: FloatArray, status: IntArray, timefix: bool
) -> tuple[FloatArray, FloatArray]:
    """Distinct times and (censored, events) counts per time of unweighted two-state data, by
    one sort of keys that carry the event bit below the time's bits (no permutation needed)."""
    key = np.ascontiguousarray(time, dtype=np.float64).view(np.uint64) << np.uint64(1)
    key |= status.astype(np.uint64)
    key.sort()
    # events before each sorted row, then the rows (and events) from one time's first row to
    # the next one's: counts per time from cumulative sums at the boundaries (no group-by)
    cumulative = np.zeros(key.size + 1, dtype=np.int64)
    np.cumsum(key & np.uint64(1), out=cumulative[1:])
    key >>= np.uint64(1)
    ordered = key.view(np.float64)
    new = np.empty(ordered.size, dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    starts = np.flatnonzero(new)
    times: FloatArray = ordered[starts]
    merged = merged_times(times) if timefix else None
    if merged is not None:
        first = np.flatnonzero(np.concatenate([[True], merged[1:] != merged[:-1]]))
        times, starts = merged[first], starts[first]
    bounds = np.append(starts, ordered.size)
    counts = np.empty((times.size, 1, 2))
    events = counts[:, 0, 1]
    events[:] = np.diff(cumulative[bounds])
    np.subtract(np.diff(bounds), events, out=counts[:, 0, 0])
    return times, counts


@dataclass(frozen=True, kw_only=True)
class RiskTable:
    """At each distinct exit time (ascending): ``n_risk`` (times x groups), ``n_event`` (times x
    groups x causes) and ``n_censor`` (times x groups), weighted when weights were given.

    At risk at t: entered before t and not yet exited (entry < t <= time), as R survival counts.
    """

    time: FloatArray
    n_risk: FloatArray
    n_event: FloatArray
    n_censor: FloatArray

    @property
    def events(self) -> FloatArray:
        """Events of any cause: times x groups."""
        return sum_last(self.n_event)


def risk_table(
    time: FloatArray,
    status: IntArray,
    *,
    weights: FloatArray | None = None,
    entry: FloatArray | None = None,
    group: IntArray | None = None,
    n_groups: int = 1,
    n_causes: int = 1,
    timefix: bool = True,
) -> RiskTable:
    """The at-risk table of (validated) survival data.

    ``status``: 0 censored, 1..``n_causes`` the event (cause); ``group``: codes 0..``n_groups``-1;
    ``entry``: delayed-entry times (each below its exit time). ``timefix``: merge times equal
    within floating-point tolerance first, as R's default (``aeqSurv``); False keeps every
    distinct value apart (R ``timefix = FALSE``).
    """
    width = n_causes + 1
    if entry is not None and timefix:
        time, entry = fix_times(time, entry)
        timefix = False
    if weights is None and group is None and n_causes == 1 and not _whole_numbers(time):
        times, counts = _event_counts(time, status, timefix)
    else:
        codes = status if group is None else group * width + status
        grid = TimeGrid.of(time, timefix=timefix)
        times = grid.time
        counts = grid.sums(codes, n_groups * width, weights).reshape(-1, n_groups, width)
    exits = sum_last(counts)
    n_risk = np.cumsum(exits[::-1], axis=0)[::-1]
    if entry is not None:
        n_risk = n_risk - _entered_later(times, entry, weights, group, n_groups)
    return RiskTable(
        time=times,
        n_risk=n_risk,
        n_event=counts[:, :, 1:],
        n_censor=counts[:, :, 0],
    )


def _entered_later(
    times: FloatArray,
    entry: FloatArray,
    weights: FloatArray | None,
    group: IntArray | None,
    n_groups: int,
) -> FloatArray:
    """Σ weights of rows whose entry is at or after each of ``times`` (not yet at risk there)."""
    order = sort_order(entry)
    # rows entering at or after times[j] are those with searchsorted(times, entry, "right") > j
    slot = np.searchsorted(times, entry[order], side="right")
    codes = slot * n_groups + (0 if group is None else group[order])
    w = None if weights is None else weights[order]
    binned = weighted_counts(codes, w, (times.size + 1) * n_groups).reshape(-1, n_groups)
    return np.cumsum(binned[::-1], axis=0)[::-1][1:]


def product_limit(n_risk: FloatArray, n_event: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Kaplan–Meier survival S(t) = Π (1 − d/n) and the Greenwood variance of the cumulative
    hazard, Σ d / (n (n − d)) (R ``survfit``), at each row of an at-risk table."""
    with np.errstate(divide="ignore", invalid="ignore"):
        survival = np.cumprod(1 - n_event / n_risk, axis=0)
        increment = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
    return survival, np.cumsum(increment, axis=0)
