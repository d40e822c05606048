"""Input checking shared by the statistics: columns from lists, numpy, pandas or polars, and data
frames from pandas or polars. Every check names the argument (or column) and the positions at fault.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.floating[Any]]
IntArray = npt.NDArray[np.integer[Any]]
ArrayLike = Any
"""A column of values: a list, numpy array, pandas or polars Series."""
FrameLike = Any
"""A data frame: pandas or polars."""

__all__ = [
    "ArrayLike",
    "FloatArray",
    "FrameLike",
    "IntArray",
    "as_array",
    "as_events",
    "as_frame",
    "as_groups",
    "as_times",
    "as_weights",
    "frame_column",
    "group_codes",
]


def as_array(values: Any, name: str) -> np.ndarray:
    """A 1-d numpy array from a list, numpy array, pandas or polars Series."""
    if hasattr(values, "to_numpy"):
        values = values.to_numpy()
    array = np.asarray(values)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a one-dimensional sequence, got shape {array.shape}")
    return array


def _positions(mask: np.ndarray) -> str:
    where = np.flatnonzero(mask)
    shown = ", ".join(str(i) for i in where[:10])
    return shown + (f", ... ({where.size} in all)" if where.size > 10 else "")


def as_times(values: Any, name: str = "time") -> FloatArray:
    """Non-negative, finite times as float64 (the caller's float64 array itself when it needs no
    change: the statistics never write into their inputs)."""
    array = as_array(values, name)
    try:
        times: FloatArray = array.astype(float, copy=False)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name}: not numeric ({exc})") from None
    bad = ~np.isfinite(times)
    if bad.any():
        raise ValueError(f"{name}: missing or infinite values at positions {_positions(bad)}")
    if (times < 0).any():
        raise ValueError(f"{name}: negative values at positions {_positions(times < 0)}")
    if np.signbit(times).any():
        times = times + 0.0  # -0.0 as 0.0, in a copy
    return times


def as_events(values: Any, n: int, name: str = "event") -> np.ndarray:
    """Event indicators 0/1 (booleans accepted) as int8, of length ``n``."""
    array = as_array(values, name)
    if array.size != n:
        raise ValueError(f"{name}: length {array.size} differs from time's length {n}")
    if array.dtype == bool:
        return array.astype(np.int8)
    try:
        numeric = array.astype(float, copy=False)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: must be 0/1") from None
    bad = (numeric != 0) & (numeric != 1)
    if bad.any():
        raise ValueError(f"{name}: must be 0/1; other values at positions {_positions(bad)}")
    return numeric.astype(np.int8)


def as_weights(values: Any, n: int, name: str = "weights") -> np.ndarray:
    """Positive finite case weights of length ``n``."""
    if values is None:
        return np.ones(n)
    array = as_array(values, name).astype(float)
    if array.size != n:
        raise ValueError(f"{name}: length {array.size} differs from time's length {n}")
    bad = ~np.isfinite(array) | (array <= 0)
    if bad.any():
        raise ValueError(f"{name}: must be positive and finite; bad at positions {_positions(bad)}")
    return array


def as_groups(values: Any, n: int, name: str) -> np.ndarray:
    """A grouping variable of length ``n`` without missing values."""
    array = as_array(values, name)
    if array.size != n:
        raise ValueError(f"{name}: length {array.size} differs from time's length {n}")
    missing = pd.isna(array)
    if missing.any():
        raise ValueError(f"{name}: missing values at positions {_positions(missing)}")
    return array


def group_codes(values: Any, n: int, name: str) -> tuple[list[Any], np.ndarray]:
    """Levels and integer codes of a grouping, in R's factor order.

    A pandas Categorical keeps its category order (as an R factor keeps its levels); other values
    are sorted. Levels are plain Python values.
    """
    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        categorical = pd.Categorical(values)
        if categorical.isna().any():
            raise ValueError(
                f"{name}: missing values at positions {_positions(categorical.isna())}"
            )
        if len(categorical) != n:
            raise ValueError(f"{name}: length {len(categorical)} differs from time's length {n}")
        used = np.unique(categorical.codes)
        labels = [categorical.categories[i] for i in used]
        codes = np.searchsorted(used, categorical.codes)
        return labels, codes
    codes, levels = pd.factorize(as_groups(values, n, name), sort=True)
    return [v.item() if hasattr(v, "item") else v for v in levels], codes


def as_frame(frame: FrameLike) -> pd.DataFrame:
    """A pandas DataFrame from a pandas or polars one (polars converted once)."""
    if isinstance(frame, pd.DataFrame):
        return frame
    if hasattr(frame, "to_pandas"):
        converted: pd.DataFrame = frame.to_pandas()
        return converted
    raise ValueError("frame: expected a pandas or polars DataFrame")


def frame_column(frame: pd.DataFrame, value: str | ArrayLike | None, name: str) -> Any:
    """A column given by its name in ``frame``, or values given directly; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        if value not in frame:
            raise ValueError(f"{name}: column {value!r} not in the data")
        return frame[value].to_numpy()
    return np.asarray(value)
