"""Writing simulated tables: one CSV per table for a small study, Parquet parts for a big one.

A big study is simulated and written one chunk of subjects at a time, so memory is bounded by
the chunk and not by the study. Part ``k`` of every table holds exactly the subjects of part
``k`` of ``subjects`` (ids ascending across parts), which is what the chunked pipeline reads
one subject block at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from rtio.progress import progress

Generate = Callable[[int, int, int, int, int], dict[str, pd.DataFrame]]
"""``generate(n, seed, chunk, first, width)``: the tables of subjects ``first .. first + n - 1``
drawn from chunk ``chunk``'s streams, ids padded to ``width`` digits."""

CHUNK_SIZE = 50_000
"""Up to this many subjects a study is written as CSV files."""
PART_SIZE = 20_000
"""Subjects per Parquet part of a bigger study (the chunked pipeline's block: its memory)."""


def to_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write a table in the study format: ISO dates, ``true`` / ``false`` booleans."""
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
        elif pd.api.types.is_bool_dtype(out[col]):
            out[col] = np.where(out[col], "true", "false")
    out.to_csv(path, index=False)


def missing_as_null(frame: pd.DataFrame) -> pd.DataFrame:
    """Empty strings (missing in CSV) become Parquet nulls."""
    out = frame.copy()
    for col in out.columns[[pd.api.types.is_string_dtype(t) for t in out.dtypes]]:
        out[col] = out[col].where(out[col] != "", None)
    return out


def _path(folder: Path, name: str) -> Path:
    """Where table ``name`` goes (``_truth`` is the latent course, kept out of the tables)."""
    return folder / "_truth" / "subjects" if name == "_truth" else folder / name


def write_tables(
    folder: Path, generate: Generate, n: int, seed: int, width: int, chunk_size: int = CHUNK_SIZE
) -> None:
    """Write the tables of ``n`` simulated subjects into ``folder``: CSV files up to
    ``chunk_size`` subjects, else one Parquet part per chunk of min(PART_SIZE, chunk_size)
    subjects (a progress bar on a terminal)."""
    folder.mkdir(parents=True, exist_ok=True)
    if n <= chunk_size:
        for name, frame in generate(n, seed, 0, 1, width).items():
            path = _path(folder, name).with_suffix(".csv")
            path.parent.mkdir(exist_ok=True)
            to_csv(frame, path)
        return
    part_size = min(PART_SIZE, chunk_size)
    firsts = range(1, n + 1, part_size)
    for chunk, first in progress(enumerate(firsts), len(firsts), f"simulating {n:,} subjects"):
        size = min(part_size, n + 1 - first)
        for name, frame in generate(size, seed, chunk, first, width).items():
            part = _path(folder, name)
            part.mkdir(parents=True, exist_ok=True)
            missing_as_null(frame).to_parquet(part / f"part-{chunk:05d}.parquet", index=False)
