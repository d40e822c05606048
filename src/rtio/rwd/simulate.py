"""Synthetic OMOP CDM for seed 001's question at any size (``rtio simulate --format omop``).

The latent model is seed 001's retrospective cohort (``rtio.simulate``'s ``yu2025-escc-local-rt``):
index dates from March 2019 to December 2022, first-line PD-1 inhibitor every 21 days while alive
up to a planned number of cycles (and for 10 % a later line after a 120-day gap, which
the era rule must leave out), local RT planned at a random time in the first ~10 months and
given only to patients still alive then (realistic immortal time). Death follows a hazard that is
multiplied by ``rt_hazard_ratio`` from the first RT fraction on (1 by default: no true effect, as
the seed-001 simulator) and by ``exp(confounding)`` for ECOG >= 1 patients, who are also less
often irradiated when ``confounding`` is not 0 (a confounder the propensity model must find).
Persons are generated and written in chunks (pyarrow row groups), so memory is bounded by the
chunk size whatever ``persons`` is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from rtio.rwd.definition import dump_definition
from rtio.rwd.omop import IO_DRUGS, SCHEMAS, study_to_omop, synthetic_definition
from rtio.vocabulary import DAYS_PER_MONTH

CHUNK_PERSONS = 200_000
DATA_CUTOFF = dt.date(2023, 12, 31)


@dataclass(frozen=True)
class OmopSimulation:
    """Parameters of the synthetic cohort (defaults: seed 001, no true effect)."""

    median_os_months: float = 15.0
    rt_hazard_ratio: float = 1.0
    confounding: float = 0.0
    p_rt: float = 0.5
    max_cycles: int = 35
    cycle_days: int = 21
    p_other_cancer: float = 0.03
    p_rechallenge: float = 0.1
    rechallenge_gap_days: int = 120


def simulate_chunk(
    n: int, rng: np.random.Generator, first: int, sim: OmopSimulation
) -> dict[str, pd.DataFrame]:
    """Study tables (subjects, exposures, radiotherapy) of ``n`` persons, vectorised."""
    index = np.datetime64("2019-03-01") + rng.integers(0, 1400, n).astype("timedelta64[D]")
    cutoff = np.datetime64(DATA_CUTOFF)
    ecog = (rng.random(n) < 0.6).astype(int)
    age = np.clip(np.round(rng.normal(63, 8, n)), 40, 85).astype(int)
    rate = np.log(2) / (sim.median_os_months * DAYS_PER_MONTH) * np.exp(sim.confounding * ecog)
    logit = np.log(sim.p_rt / (1 - sim.p_rt)) - sim.confounding * (ecog - 0.6) - 0.02 * (age - 63)
    wants_rt = rng.random(n) < 1 / (1 + np.exp(-logit))
    planned_rt = np.floor(rng.uniform(14, 300, n))
    hazard_draw = rng.exponential(1.0, n)
    before = hazard_draw / rate
    after = planned_rt + (hazard_draw - rate * planned_rt) / (rate * sim.rt_hazard_ratio)
    death_day = np.where(wants_rt & (before > planned_rt), after, before)
    death_day = np.maximum(np.round(death_day), 10)
    follow_day = (cutoff - index).astype(int) - rng.integers(0, 60, n)
    dead = death_day <= follow_day
    end_day = np.where(dead, death_day, follow_day).astype(int)
    gets_rt = wants_rt & (planned_rt < end_day)
    ids = np.array([f"{first + i}" for i in range(n)])
    end_date = index + end_day.astype("timedelta64[D]")
    subjects = pd.DataFrame(
        {
            "subject_id": ids,
            "sex": np.where(rng.random(n) < 0.85, "M", "F"),
            "age": age,
            "ecog": ecog,
            "start_date": index,
            "death_date": np.where(dead, end_date, np.datetime64("NaT")),
            "last_known_alive_date": end_date,
            "platinum": rng.random(n) < 0.7,
            "other_cancer": rng.random(n) < sim.p_other_cancer,
        }
    )
    planned = rng.integers(1, sim.max_cycles + 1, n)
    cycle = np.arange(1, sim.max_cycles + 1)
    days = (cycle - 1) * sim.cycle_days
    given = (days[None, :] < end_day[:, None]) & (cycle[None, :] <= planned[:, None])
    s, c = np.nonzero(given)
    drug = rng.choice(np.array(list(IO_DRUGS)), n)
    exposures = pd.DataFrame(
        {
            "subject_id": ids[s],
            "drug": drug[s],
            "dose": 200.0,
            "date": index[s] + days[c].astype("timedelta64[D]"),
        }
    )
    # a later line: a few more PD-1 doses after a gap longer than the era rule (not first-line cycles)
    last = index + ((np.minimum(planned, given.sum(axis=1)) - 1) * sim.cycle_days).astype(
        "timedelta64[D]"
    )
    again = np.flatnonzero((rng.random(n) < sim.p_rechallenge) & given.any(axis=1))
    extra_day = (
        (last[again] - index[again]).astype(int)[:, None]
        + sim.rechallenge_gap_days
        + np.arange(3) * sim.cycle_days
    )
    alive = extra_day < end_day[again, None]
    who, k = np.nonzero(alive)
    exposures = pd.concat(
        [
            exposures,
            pd.DataFrame(
                {
                    "subject_id": ids[again[who]],
                    "drug": drug[again[who]],
                    "dose": 200.0,
                    "date": index[again[who]] + extra_day[who, k].astype("timedelta64[D]"),
                }
            ),
        ],
        ignore_index=True,
    )
    r = np.flatnonzero(gets_rt)
    fractions = rng.choice(np.array([10, 25]), r.size)
    radiotherapy = pd.DataFrame(
        {
            "subject_id": ids[r],
            "technique": rng.choice(np.array(["IMRT", "3DCRT"]), r.size, p=[0.8, 0.2]),
            "dose_per_fraction_gy": np.where(fractions == 10, 3.0, 2.0),
            "fractions": fractions,
            "start_date": index[r] + planned_rt[r].astype(int).astype("timedelta64[D]"),
        }
    )
    return {"subjects": subjects, "exposures": exposures, "radiotherapy": radiotherapy}


def write_omop(
    out: str | Path,
    persons: int,
    seed: int = 0,
    sim: OmopSimulation | None = None,
    chunk: int = CHUNK_PERSONS,
    progress: Callable[[int], None] | None = None,
) -> Path:
    """Write a synthetic OMOP CDM (one Parquet file per table) and ``cohort.yaml`` into ``out``."""
    if persons < 1:
        raise ValueError(f"--persons must be at least 1, not {persons}")
    sim = sim or OmopSimulation()
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    writers: dict[str, pq.ParquetWriter] = {}
    schemas = {name: _arrow_schema(columns) for name, columns in SCHEMAS.items()}
    partial = {name: folder / f".{name}.parquet.partial" for name in SCHEMAS}
    try:
        for number, start in enumerate(range(0, persons, chunk)):
            size = min(chunk, persons - start)
            rng = np.random.default_rng(np.random.SeedSequence([seed, 2001, number]))
            tables = simulate_chunk(size, rng, start + 1, sim)
            for name, frame in study_to_omop(tables, rng, first_id=start + 1).items():
                if name not in writers:
                    writers[name] = pq.ParquetWriter(
                        partial[name], schemas[name], compression="zstd"
                    )
                writers[name].write_table(
                    pa.Table.from_pandas(frame, schema=schemas[name], preserve_index=False)
                )
            if progress is not None:
                progress(size)
    finally:
        for writer in writers.values():
            writer.close()
    for name, path in partial.items():
        path.replace(folder / f"{name}.parquet")
    definition = synthetic_definition()
    definition = definition.model_copy(update={"data_cutoff": DATA_CUTOFF})
    dump_definition(definition, folder / "cohort.yaml")
    return folder


def _arrow_schema(columns: dict[str, str]) -> pa.Schema:
    kinds: dict[str, pa.DataType] = {
        "int64": pa.int64(),
        "int32": pa.int32(),
        "float64": pa.float64(),
        "date": pa.date32(),
    }
    return pa.schema([(name, kinds[kind]) for name, kind in columns.items()])
