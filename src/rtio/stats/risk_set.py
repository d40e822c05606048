"""The at-risk table and the product-limit step, shared by every survival statistic.

One routine counts, at each distinct exit time, the (weighted) number at risk, the events (by cause)
and the censorings, per group, with delayed entry (counting-process data: at risk over
(entry, time]). Kaplan–Meier, the log-rank test, restricted mean survival, Aalen–Johansen cumulative
incidence and the Kaplan–Meier time scale of ``cox_zph`` all read it, so ties, weights and entry are
handled in one place, as R survival's ``survfit`` / ``survdiff`` count them.

Own code because it is the hot path. The path is chosen by the data: whole-number times over a
range comparable to n are counted directly (no sort); other times are sorted once (a packed-key
sort: the float's bits with the row index in the low bits, several times faster than
``argsort``) and summed along the sorted rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rtio.stats.inputs import FloatArray, IntArray

COUNTING_RANGE = 4
"""Whole-number times are counted directly when their range is at most this many times n."""
COUNTING_MIN_RANGE = 1 << 16
"""... or at most this range, whatever n (a small table)."""


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
    def of(cls, values: FloatArray) -> TimeGrid:
        """Place ``values`` on the grid of their distinct values (counting or sorting, by data)."""
        if _whole_numbers(values):
            low = values.min()
            offset = (values - low).astype(np.intp)
            present = np.bincount(offset) > 0
            position = np.cumsum(present) - 1
            return cls(
                time=np.flatnonzero(present) + low,
                index=position[offset],
                rows=None,
            )
        rows = sort_order(values)
        ordered = values[rows]
        new = np.empty(ordered.size, dtype=bool)
        new[:1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
        index = np.cumsum(new) - 1
        return cls(time=ordered[new], index=index, rows=rows)

    def take(self, values: np.ndarray) -> np.ndarray:
        """``values`` in the grid's row order."""
        return values if self.rows is None else values[self.rows]

    def sums(self, codes: IntArray | None, n_codes: int, weights: FloatArray | None) -> FloatArray:
        """Σ weights (or counts) per distinct time and code: shape (times, n_codes)."""
        size = self.time.size
        index = self.index if codes is None else self.index * n_codes + self.take(codes)
        w = None if weights is None else self.take(weights)
        return weighted_counts(index, w, size * n_codes).reshape(size, n_codes)


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
        return self.n_event.sum(axis=2)


def risk_table(
    time: FloatArray,
    status: IntArray,
    *,
    weights: FloatArray | None = None,
    entry: FloatArray | None = None,
    group: IntArray | None = None,
    n_groups: int = 1,
    n_causes: int = 1,
) -> RiskTable:
    """The at-risk table of (validated) survival data.

    ``status``: 0 censored, 1..``n_causes`` the event (cause); ``group``: codes 0..``n_groups``-1;
    ``entry``: delayed-entry times (each below its exit time).
    """
    width = n_causes + 1
    codes = status if group is None else group * width + status
    grid = TimeGrid.of(time)
    counts = grid.sums(codes, n_groups * width, weights).reshape(-1, n_groups, width)
    exits = counts.sum(axis=2)
    n_risk = np.cumsum(exits[::-1], axis=0)[::-1]
    if entry is not None:
        n_risk = n_risk - _entered_later(grid.time, entry, weights, group, n_groups)
    return RiskTable(
        time=grid.time,
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
