"""``rtio demo``: the main job on a bundled example — simulate a seed-004-protocol study, validate,
derive, analyse and report, printing where everything is."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from rtio.cli.common import folder_out

DEMO_PROTOCOL = "ChiCTR2100046715"


def demo(
    out: Path = typer.Option(Path("rtio-demo"), "--out", help="Output folder."),
    n: int = typer.Option(
        33, "--n", min=1, help="Number of simulated patients (seed 004 enrolled 33)."
    ),
    seed: int = typer.Option(2024, "--seed", min=0, help="Random seed of the simulation."),
) -> None:
    """Simulate, validate, derive, analyse and report a seed-004-protocol study (synthetic data)."""
    from rich.console import Console

    from rtio.analyse import analyse_study
    from rtio.analyse.derived import derive_study
    from rtio.io import load_study, validate_study
    from rtio.io.outputs import manifest, output_folder, write_frame
    from rtio.report import render_report
    from rtio.simulate import write_study

    console = Console()
    started = time.perf_counter()
    study_dir = folder_out(out) / "study"
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
        tables = {"adsl": derived.adsl, "adtte": derived.adtte}
        if derived.timepoints is not None and derived.bor is not None:
            tables.update(adrs_timepoints=derived.timepoints, adrs_bor=derived.bor)
        with output_folder(derived_dir, manifest("demo", {"n": n, "seed": seed}, study_dir)) as tmp:
            written = [write_frame(frame, tmp, name).name for name, frame in tables.items()]
    console.print(f"[green]✓[/green] derived {', '.join(written)} → {derived_dir}")
    report_dir = out / "report"
    with console.status("analysing and writing the report ..."):
        results = analyse_study(study_dir)
        with output_folder(report_dir, manifest("demo", {"n": n, "seed": seed}, study_dir)) as tmp:
            paths = [report_dir / p.relative_to(tmp) for p in render_report(results, tmp)]
    console.print("[green]✓[/green] analysed and reported:")
    for path in paths:
        if path.suffix in (".html", ".docx", ".pdf", ".json"):
            console.print(f"    {path}")
    console.print(
        f"    figures: {report_dir / 'figures'} ({sum(p.suffix == '.png' for p in paths)} PNG + SVG)"
    )
    console.print(f"done in {time.perf_counter() - started:.1f} s")
