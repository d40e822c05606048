"""``rtio simulate``: write a synthetic study folder for a shipped protocol."""

from __future__ import annotations

from pathlib import Path

import typer

from rtio.cli.rwd_cmds import simulate_omop
from rtio.simulate.protocols import write_protocol_study


def simulate(
    protocol: str = typer.Argument(
        None, help="Shipped protocol id (rtio protocols), e.g. ChiCTR2100046715."
    ),
    n: int = typer.Option(33, "--n", min=1, help="Number of subjects."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same files)."),
    out: Path = typer.Option(..., "--out", help="Output study folder."),
    fmt: str = typer.Option("csv", "--format", help="csv (a study folder) or omop (an OMOP CDM)."),
    persons: int = typer.Option(None, "--persons", min=1, help="Persons (with --format omop)."),
) -> None:
    """Simulate a complete study folder (marked synthetic in study.yaml), or an OMOP CDM."""
    if fmt == "omop":
        return simulate_omop(persons, seed, out)
    if fmt != "csv" or protocol is None:
        raise typer.BadParameter("give a PROTOCOL (or --format omop --persons N)")
    try:
        folder = write_protocol_study(out, protocol, n, seed)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="PROTOCOL") from None
    typer.echo(f"simulated {n} subjects of {protocol} (seed {seed}) into {folder}")
