"""Randomization lists: stratified permuted blocks with randomly varying block sizes.

Each stratum gets its own random stream, ``SeedSequence(seed).spawn`` in the documented stratum
order, so a list is reproducible from its seed and adding a stratum does not change the others.
Block sizes are multiples of the allocation pattern (1:1 → 2, 4, 6), each block a random
permutation of its arms; the last block of a stratum is completed, so a stratum may get a few more
rows than asked. A balance report counts arms per stratum.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class RandomizationList:
    """The list (one row per allocation) and the balance per stratum."""

    table: pd.DataFrame
    balance: pd.DataFrame
    seed: int


def randomization_list(
    n_per_stratum: int,
    arms: Sequence[str] = ("A", "B"),
    ratio: Sequence[int] = (1, 1),
    strata: Mapping[str, Sequence[str]] | None = None,
    block_multiples: Sequence[int] = (1, 2, 3),
    seed: int = 1,
) -> RandomizationList:
    """A stratified permuted-block list (strata = the crossing of the factor levels, in order)."""
    if len(arms) != len(ratio) or min(ratio) < 1:
        raise ValueError("ratio must give a positive whole number for each arm")
    pattern = np.repeat(np.arange(len(arms)), ratio)
    factors = dict(strata or {"all": ["all"]})
    levels = pd.MultiIndex.from_product(list(factors.values()), names=list(factors)).to_frame(
        index=False
    )
    labels = (
        levels.astype(str)
        .apply(lambda row: "|".join(f"{k}={v}" for k, v in row.items()), axis=1)
        .tolist()
    )
    streams = np.random.SeedSequence(seed).spawn(len(labels))
    rows = []
    for label, stream in zip(labels, streams, strict=True):
        rng = np.random.default_rng(stream)
        count, block = 0, 0
        while count < n_per_stratum:
            multiple = int(rng.choice(block_multiples))
            allocation = rng.permutation(np.tile(pattern, multiple))
            block += 1
            for position, arm in enumerate(allocation, start=1):
                count += 1
                rows.append(
                    (label, count, f"{label}#B{block:03d}", allocation.size, position, arms[arm])
                )
    table = pd.DataFrame(
        rows, columns=["stratum", "sequence", "block_id", "block_size", "position_in_block", "arm"]
    )
    table.insert(0, "randomization_id", [f"R{i:05d}" for i in range(1, len(table) + 1)])
    balance = table.pivot_table(
        index="stratum", columns="arm", values="sequence", aggfunc="count", fill_value=0
    )
    balance = balance.reindex(columns=list(arms), fill_value=0).reset_index()
    return RandomizationList(table, balance, seed)


def minimization_list(
    patients: pd.DataFrame,
    factors: Sequence[str],
    arms: Sequence[str] = ("A", "B"),
    p_best: float = 0.8,
    seed: int = 1,
) -> pd.DataFrame:
    """Pocock–Simon minimization (1975) in the order of ``patients``: each new patient goes, with
    probability ``p_best``, to the arm that minimises the sum over ``factors`` of the range of arm
    counts within the patient's levels (ties broken at random), else to another arm at random.
    Sequential by nature: each allocation depends on the ones before it."""
    if not 0.5 <= p_best <= 1:
        raise ValueError(f"p_best must lie in [0.5, 1], not {p_best}")
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    counts: dict[str, dict[object, np.ndarray]] = {f: {} for f in factors}
    allocated = []
    for _, patient in patients.iterrows():
        imbalance = np.zeros(len(arms))
        for a in range(len(arms)):
            for f in factors:
                level = counts[f].setdefault(patient[f], np.zeros(len(arms)))
                trial = level.copy()
                trial[a] += 1
                imbalance[a] += trial.max() - trial.min()
        best = np.flatnonzero(imbalance == imbalance.min())
        if rng.random() < p_best or best.size == len(arms):
            choice = int(rng.choice(best))
        else:
            choice = int(rng.choice(np.setdiff1d(np.arange(len(arms)), best)))
        for f in factors:
            counts[f][patient[f]][choice] += 1
        allocated.append(arms[choice])
    return patients.assign(sequence=np.arange(1, len(patients) + 1), arm=allocated)
