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
    head = values[:1024]  # continuous times show themselves in the first rows
    if not np.array_equal(head, np.floor(head)):
        return False
    low, high = float(values.min()), float(values.max())
    if high - low > max(COUNTING_RANGE * values.size, COUNTING_MIN_RANGE):
        return False
    return bool(np.array_equal(values, np.floor(values)))


def merge_starts(distinct: FloatArray) -> np.ndarray | None:
    """R survival's ``aeqSurv`` on sorted distinct times: each time within floating-point
    tolerance of the one before it (a gap <= sqrt(machine eps), absolutely or relative to the
    mean absolute time) is merged into the first time of its run. A mask of the times that begin
    a run (the times kept), or None when no two are that close."""
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
    starts = np.ones(distinct.size, dtype=bool)
    starts[near + 1] = False
    return starts


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
        with ``timefix``, nearly equal values share one place (:func:`merge_starts`)."""
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
        starts = merge_starts(time) if timefix else None
        if starts is not None:
            index = (np.cumsum(starts) - 1)[index]
            time = time[starts]
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
    if merge_starts(np.unique(values)) is None:
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
    distinct = ordered[new]
    starts = merge_starts(distinct)
    if starts is None:
        return values
    kept = distinct[starts][np.cumsum(starts) - 1]
    fixed = np.empty_like(values)
    fixed[order] = kept[np.cumsum(new) - 1]
    return fixed


def _packed_keys(
    time: FloatArray, code: IntArray, n_codes: int
) -> tuple[np.ndarray, int, int] | None:
    """Sort keys that order rows by time, then code, with the code in the low bits: the time's bit
    pattern less that of the smallest positive time (a zero time as 0) shifted up by the code's
    width. Exact and order-preserving as the bits of a non-negative double order as an integer.
    The keys, the shift and the offset; None when the times span too many binades to leave the
    code room (then the caller sorts with a permutation)."""
    if time.size == 0:
        return None
    shift = max((n_codes - 1).bit_length(), 1)
    bits = np.ascontiguousarray(time, dtype=np.float64).view(np.uint64)
    low = float(np.min(time, where=time > 0, initial=np.inf))
    if not np.isfinite(low):  # every time zero
        low = 1.0
    offset = int(np.float64(low).view(np.uint64)) - 1
    if (int(bits.max()) - offset) >> (64 - shift):
        return None
    key = bits - np.uint64(offset)
    if not time.all():  # zero times: below every positive one
        key *= bits != 0
    key <<= np.uint64(shift)
    key |= code.astype(np.uint64)
    return key, shift, offset


def _sorted_counts(
    time: FloatArray, code: IntArray, n_codes: int, timefix: bool
) -> tuple[FloatArray, FloatArray] | None:
    """Distinct times (ascending) and the number of rows per time and code (0..``n_codes``-1) of
    unweighted data, by one sort of packed keys (:func:`_packed_keys`) and no permutation: the
    runs of equal keys are the rows per (time, code). None when the keys cannot be packed."""
    packed = _packed_keys(time, code, n_codes)
    if packed is None:
        return None
    key, shift, offset = packed
    key.sort()
    new = np.empty(key.size, dtype=bool)
    new[:1] = True
    np.not_equal(key[1:], key[:-1], out=new[1:])
    if new.all():  # no two rows alike: every run is one row
        runs, run_keys = None, key
    else:
        runs = np.flatnonzero(new)
        run_keys = key[runs]
    run_codes = (run_keys & np.uint64((1 << shift) - 1)).view(np.int64)
    run_keys >>= np.uint64(shift)  # the runs' times, as packed
    new_time = new[: run_keys.size]
    np.not_equal(run_keys[1:], run_keys[:-1], out=new_time[1:])
    time_starts = np.flatnonzero(new_time)
    distinct = run_keys[time_starts]
    zero = distinct == 0  # the zero time's key; others are bits less the offset
    distinct += np.uint64(offset)
    distinct[zero] = 0
    times: FloatArray = distinct.view(np.float64)
    starts = merge_starts(times) if timefix else None
    if starts is not None:  # a time merged into the one before it begins no new slot
        new_time[time_starts[~starts]] = False
        times = times[starts]
    slot = np.cumsum(new_time, dtype=np.int64)
    slot -= 1
    slot *= n_codes
    slot += run_codes
    counts = np.zeros(times.size * n_codes)
    if runs is None:
        np.add.at(counts, slot, 1.0)
    else:
        np.add.at(counts, slot, np.diff(np.append(runs, key.size)))
    return times, counts.reshape(times.size, n_codes)


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
    codes = status if group is None else group * width + status
    sorted_counts = None
    if weights is None and not _whole_numbers(time):
        sorted_counts = _sorted_counts(time, codes, n_groups * width, timefix)
    if sorted_counts is not None:
        times, flat = sorted_counts
        counts = flat.reshape(-1, n_groups, width)
    else:
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
