"""Concealed, stratified randomization with rtio.design: the list is made and locked at go-live.

Permuted blocks: :func:`rtio.design.randomization_list` makes the whole list at go-live; its
rows are stored as allocation slots, and each randomization takes the next free slot of the
subject's stratum. Minimization: :func:`rtio.design.minimization_list` is replayed, with the
seed locked at go-live, over the subjects randomized so far plus the new one, in order; the new
subject's arm is the last row's. Nobody edits the list after go-live: the service has no path
for it and the database refuses updates of a slot's content and deletes (migration 0002).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from rtio.capture.models import Allocation, StudyConfig, Subject
from rtio.capture.policy import ConflictError, InvalidError
from rtio.design import minimization_list, randomization_list

METHODS = ("blocks", "minimization")


def plan(
    protocol: Any,
    *,
    method: str,
    strata: Mapping[str, Sequence[str]],
    seed: int,
    n_per_stratum: int,
    ratio: Sequence[int] | None,
    block_multiples: Sequence[int],
    p_best: float,
) -> dict[str, Any]:
    """The randomization set-up to lock (arms by label, in protocol order)."""
    if method not in METHODS:
        raise InvalidError(f"--method must be one of {', '.join(METHODS)}, not {method!r}")
    arms = [a.label for a in protocol.arms]
    if len(arms) < 2:
        raise InvalidError(
            "a single-arm study has no randomization: subjects get its arm on registration"
        )
    ratio = list(ratio or protocol.design.allocation_ratio or [1] * len(arms))
    if len(ratio) != len(arms):
        raise InvalidError(f"the ratio gives {len(ratio)} numbers for {len(arms)} arms")
    if method == "minimization" and not strata:
        raise InvalidError("minimization needs at least one --stratify factor")
    return {
        "method": method,
        "arms": arms,
        "ratio": ratio,
        "strata": {k: [str(v) for v in levels] for k, levels in strata.items()},
        "seed": seed,
        "n_per_stratum": n_per_stratum,
        "block_multiples": list(block_multiples),
        "p_best": p_best,
    }


def make_list(setup: dict[str, Any]) -> list[Allocation]:
    """The allocation slots of a permuted-block list (none for minimization)."""
    if setup["method"] != "blocks":
        return []
    made = randomization_list(
        setup["n_per_stratum"],
        arms=setup["arms"],
        ratio=setup["ratio"],
        strata=setup["strata"] or None,
        block_multiples=setup["block_multiples"],
        seed=setup["seed"],
    )
    rows: list[dict[Any, Any]] = made.table.to_dict("records")
    return [
        Allocation(
            randomization_id=str(r["randomization_id"]),
            stratum=str(r["stratum"]),
            sequence=int(r["sequence"]),
            block_id=str(r["block_id"]),
            block_size=int(r["block_size"]),
            position_in_block=int(r["position_in_block"]),
            arm=str(r["arm"]),
        )
        for r in rows
    ]


def strata_values(setup: dict[str, Any], subject: Subject, facts: dict[str, Any]) -> dict[str, str]:
    """The subject's level of each stratification factor, from the subject's data or the facts
    of its screenings; refuses a missing or unknown level."""
    values = {}
    for factor, levels in setup["strata"].items():
        raw = subject.data.get(factor, facts.get(factor))
        if raw is None:
            raise ConflictError(
                f"stratification factor {factor!r} has no value for {subject.subject_id}; "
                f"enter it on the baseline or screening form"
            )
        text = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw)
        if isinstance(raw, bool):
            text = "true" if raw else "false"
        if text not in levels:
            raise ConflictError(f"{factor} = {text!r} is not one of the strata levels {levels}")
        values[factor] = text
    return values


def stratum_label(setup: dict[str, Any], values: dict[str, str]) -> str:
    """The stratum label as rtio.design writes it (``factor=level|factor=level``)."""
    if not setup["strata"]:
        return "all=all"
    return "|".join(f"{k}={values[k]}" for k in setup["strata"])


def allocate(config: StudyConfig, subject: Subject, values: dict[str, str]) -> Allocation:
    """The allocation for ``subject`` (inside the write transaction; the caller records it)."""
    setup = config.randomization
    label = stratum_label(setup, values)
    if setup["method"] == "blocks":
        slot = (
            Allocation.objects.select_for_update()
            .filter(stratum=label, subject__isnull=True)
            .order_by("sequence")
            .first()
        )
        if slot is None:
            raise ConflictError(f"the randomization list of stratum {label!r} is used up")
        return slot
    done = Allocation.objects.exclude(subject__isnull=True).order_by("allocated_at", "pk")
    rows = [dict(a.strata_values or {}) for a in done] + [values]
    factors = list(setup["strata"])
    patients = pd.DataFrame(rows, columns=factors)
    arm = minimization_list(
        patients, factors, arms=setup["arms"], p_best=setup["p_best"], seed=setup["seed"]
    )["arm"].iloc[-1]
    sequence = len(rows)
    return Allocation(
        randomization_id=f"M{sequence:05d}",
        stratum=label,
        sequence=sequence,
        arm=str(arm),
    )
