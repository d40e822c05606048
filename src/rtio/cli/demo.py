"""``rtio demo``: the main job on a bundled example — simulate a seed-004-protocol study, validate,
derive, analyse and report, printing where everything is."""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console

from rtio.analyse import analyse_study
from rtio.analyse.derived import derive_study
from rtio.io import load_study, validate_study, write_table
from rtio.report import render_report
from rtio.simulate import write_study

DEMO_PROTOCOL = "ChiCTR2100046715"


def demo(
    out: Path = typer.Option(Path("rtio-demo"), "--out", help="Output folder."),
    n: int = typer.Option(33, "--n", help="Number of simulated patients (seed 004 enrolled 33)."),
    seed: int = typer.Option(2024, "--seed", help="Random seed of the simulation."),
) -> None:
    """Simulate, validate, derive, analyse and report a seed-004-protocol study (synthetic data)."""
    console = Console()
    started = time.perf_counter()
    study_dir = out / "study"
    with console.status("simulating the study ..."):
        write_study(study_dir, n, seed)
    console.print(
        f"[green]✓[/green] simulated {n} patients of protocol {DEMO_PROTOCOL} (synthetic) → {study_dir}"
    )
    report = validate_study(study_dir)
    if not report.ok:
        for issue in report.errors[:20]:
            console.print(f"[red]{issue}[/red]")
        raise typer.Exit(1)
    console.print(
        f"[green]✓[/green] validated: {len(report.errors)} errors, {len(report.warnings)} warnings"
    )
    with console.status("deriving RECIST responses, PFS, OS and populations ..."):
        derived = derive_study(load_study(study_dir))
        derived_dir = out / "derived"
        written = [
            write_table(derived.adsl, derived_dir, "adsl"),
            write_table(derived.adtte, derived_dir, "adtte"),
        ]
        if derived.timepoints is not None:
            written.append(write_table(derived.timepoints, derived_dir, "adrs_timepoints"))
            written.append(write_table(derived.bor, derived_dir, "adrs_bor"))
    console.print(f"[green]✓[/green] derived {', '.join(p.name for p in written)} → {derived_dir}")
    with console.status("analysing and writing the report ..."):
        results = analyse_study(study_dir)
        paths = render_report(results, out / "report")
    console.print("[green]✓[/green] analysed and reported:")
    for path in paths:
        if path.suffix in (".html", ".docx", ".pdf", ".json"):
            console.print(f"    {path}")
    console.print(
        f"    figures: {out / 'report' / 'figures'} ({sum(p.suffix == '.png' for p in paths)} PNG + SVG)"
    )
    console.print(f"done in {time.perf_counter() - started:.1f} s")
