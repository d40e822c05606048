"""``rtio simulate``: write a synthetic study folder for a shipped protocol (or an OMOP CDM)."""

from __future__ import annotations

from pathlib import Path

import typer

from rtio.cli.common import folder_out
from rtio.cli.group import UsageError


def simulate(
    protocol: str | None = typer.Argument(
        None, help="Shipped protocol id (rtio protocols), e.g. ChiCTR2100046715."
    ),
    n: int = typer.Option(33, "--n", min=1, help="Number of subjects."),
    seed: int = typer.Option(0, "--seed", min=0, help="Random seed (same seed, same files)."),
    out: Path = typer.Option(..., "--out", help="Output study folder."),
    fmt: str = typer.Option("csv", "--format", help="csv (a study folder) or omop (an OMOP CDM)."),
    persons: int | None = typer.Option(
        None, "--persons", min=1, help="Persons (with --format omop)."
    ),
) -> None:
    """Simulate a complete study folder (marked synthetic in study.yaml), or an OMOP CDM."""
    from rtio.protocol import is_shipped, list_protocols

    if fmt == "omop":
        from rtio.cli.rwd_cmds import simulate_omop

        return simulate_omop(persons, seed, out)
    if fmt != "csv":
        raise UsageError(f"{fmt!r}: choose csv or omop", option="--format")
    if protocol is None:
        raise UsageError("give a PROTOCOL (or --format omop --persons N)")
    if not is_shipped(protocol):
        raise UsageError(
            f"{protocol!r} is not a shipped protocol id; choose from {', '.join(list_protocols())}",
            option="PROTOCOL",
        )
    from rtio.simulate.protocols import write_protocol_study

    folder = write_protocol_study(folder_out(out), protocol, n, seed)
    typer.echo(f"simulated {n} subjects of {protocol} (seed {seed}) into {folder}")
