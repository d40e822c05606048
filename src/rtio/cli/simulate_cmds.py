"""``rtio simulate``: write a synthetic study folder for a protocol."""

from __future__ import annotations

from pathlib import Path

import typer

from rtio.simulate import SimulationConfig, write_study


def simulate(
    protocol: str = typer.Argument(..., help="Shipped protocol id, e.g. ChiCTR2100046715."),
    n: int = typer.Option(33, "--n", min=1, help="Number of subjects."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same files)."),
    out: Path = typer.Option(..., "--out", help="Output study folder."),
) -> None:
    """Simulate a complete study folder (marked synthetic in study.yaml)."""
    if protocol != SimulationConfig.protocol:
        raise typer.BadParameter(
            f"no simulation model for protocol {protocol!r}; available: {SimulationConfig.protocol}",
            param_hint="PROTOCOL",
        )
    folder = write_study(out, n, seed, SimulationConfig(protocol=protocol))
    typer.echo(f"simulated {n} subjects of {protocol} (seed {seed}) into {folder}")
